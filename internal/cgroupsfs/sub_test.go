package cgroupsfs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseSubCgroups(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want map[string]string
		err  string
	}{
		{in: []string{"leaf"}, want: map[string]string{"": "leaf"}},
		{in: []string{"a/b/"}, want: map[string]string{"": "a/b"}},
		{in: []string{"memory:m", "cpu,cpuacct:c"}, want: map[string]string{"memory": "m", "cpu": "c", "cpuacct": "c"}},
		{in: []string{"name=systemd:s", "x"}, want: map[string]string{"name=systemd": "s", "": "x"}},
		{in: []string{"/abs"}, err: "must be relative"},
		{in: []string{".."}, err: "inside the container's cgroup"},
		{in: []string{"a/../../b"}, err: "inside the container's cgroup"},
		{in: []string{"."}, err: "inside the container's cgroup"},
		{in: []string{"memory:"}, err: "no sub-cgroup path"},
		{in: []string{"cpu,:x"}, err: "empty controller name"},
		{in: []string{"a", "b"}, err: "every hierarchy already has a sub-cgroup"},
		{in: []string{"memory:a", "memory:b"}, err: "controller memory already has"},
	} {
		got, err := ParseSubCgroups(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: got %v, %v; want an error with %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestSub(t *testing.T) {
	root := t.TempDir()
	dir := func(parts ...string) string { return filepath.Join(append([]string{root}, parts...)...) }
	for _, d := range []string{"unified/rt/x/leaf", "memory/rt/x/leaf", "memory/rt/x/m", "cpu,cpuacct/rt/x/leaf"} {
		if err := os.MkdirAll(dir(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	hybrid := &Cgroup{Path: "/rt/x", Paths: map[string]string{
		"": dir("unified/rt/x"), "memory": dir("memory/rt/x"),
		"cpu": dir("cpu,cpuacct/rt/x"), "cpuacct": dir("cpu,cpuacct/rt/x")}}
	v2 := &Cgroup{Path: "/rt/x", Paths: map[string]string{"": dir("unified/rt/x")}}

	sub, err := hybrid.Sub(map[string]string{"": "leaf"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"": dir("unified/rt/x/leaf"), "memory": dir("memory/rt/x/leaf"),
		"cpu": dir("cpu,cpuacct/rt/x/leaf"), "cpuacct": dir("cpu,cpuacct/rt/x/leaf")}
	if !reflect.DeepEqual(sub.Paths, want) || sub.Path != "/rt/x/leaf" {
		t.Errorf("every hierarchy: got %v %q, want %v", sub.Paths, sub.Path, want)
	}
	// a controller's own sub-cgroup; the others stay where they are
	sub, err = hybrid.Sub(map[string]string{"memory": "m"})
	if err != nil {
		t.Fatal(err)
	}
	if sub.Paths["memory"] != dir("memory/rt/x/m") || sub.Paths[""] != dir("unified/rt/x") || sub.Paths["cpu"] != dir("cpu,cpuacct/rt/x") {
		t.Errorf("memory only: got %v", sub.Paths)
	}
	if _, err := v2.Sub(map[string]string{"": "leaf"}); err != nil {
		t.Errorf("v2: %v", err)
	}
	for _, tc := range []struct {
		cg   *Cgroup
		subs map[string]string
		err  string
	}{
		{hybrid, map[string]string{"": "missing"}, "does not exist"},
		{hybrid, map[string]string{"": "leaf", "memory": "missing"}, "memory/rt/x/missing does not exist"},
		{hybrid, map[string]string{"pids": "leaf"}, `no cgroup v1 hierarchy "pids"`},
		{hybrid, map[string]string{"cpu": "leaf"}, "one hierarchy for several controllers"},
		{v2, map[string]string{"memory": "leaf"}, "without controller names"},
	} {
		if _, err := tc.cg.Sub(tc.subs); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%v: got %v, want an error with %q", tc.subs, err, tc.err)
		}
	}
}
