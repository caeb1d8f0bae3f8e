package specconv

import (
	"reflect"
	"testing"
)

// runc 1.5 libcontainer/env.go: the last HOME wins, an empty one counts as
// none, and a process with no environment gets no HOME.
func TestHomeEnv(t *testing.T) {
	for _, tc := range []struct {
		name       string
		env        []string
		noEnv      bool
		keep       []bool
		fromPasswd bool
	}{
		{"no HOME", []string{"PATH=/bin"}, false, []bool{true}, true},
		{"empty list", []string{}, false, []bool{}, true},
		{"no environment", nil, true, []bool{}, false},
		{"HOME set", []string{"HOME=/h", "A=1"}, false, []bool{true, true}, false},
		{"last HOME wins", []string{"HOME=/a", "A=1", "HOME=/b"}, false, []bool{false, true, true}, false},
		{"empty HOME", []string{"HOME="}, false, []bool{false}, true},
		{"empty last HOME", []string{"HOME=/a", "HOME="}, false, []bool{false, false}, true},
		{"empty then set", []string{"HOME=", "HOME=/b"}, false, []bool{false, true}, false},
		{"HOMER is not HOME", []string{"HOMER=x"}, false, []bool{true}, true},
	} {
		keep, fromPasswd := homeEnv(tc.env, tc.noEnv)
		if !reflect.DeepEqual(keep, tc.keep) || fromPasswd != tc.fromPasswd {
			t.Errorf("%s: homeEnv(%q) = %v, %v; want %v, %v", tc.name, tc.env, keep, fromPasswd, tc.keep, tc.fromPasswd)
		}
	}
}
