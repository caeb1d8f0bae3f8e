package main

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// exec --cap, as runc's exec.go: bounding, effective and permitted; ambient
// only when the config has an inheritable set; never inheritable.
func TestExecCapAmbient(t *testing.T) {
	for _, tc := range []struct {
		name        string
		inheritable []string
		ambient     []string
	}{
		{name: "no inheritable set", inheritable: nil, ambient: nil},
		{name: "an empty inheritable set", inheritable: []string{}, ambient: []string{"CAP_NET_RAW"}},
		{name: "an inheritable set", inheritable: []string{"CAP_NET_RAW"}, ambient: []string{"CAP_NET_RAW"}},
	} {
		spec := &specs.Spec{Process: &specs.Process{Args: []string{"sh"}, Cwd: "/",
			Capabilities: &specs.LinuxCapabilities{Inheritable: tc.inheritable}}}
		f := &execFlags{caps: []string{"CAP_NET_RAW"}}
		p, err := f.execProcess(spec, []string{"true"})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		c := p.Capabilities
		if !reflect.DeepEqual(c.Ambient, tc.ambient) {
			t.Errorf("%s: ambient %q, want %q", tc.name, c.Ambient, tc.ambient)
		}
		if !reflect.DeepEqual(c.Inheritable, tc.inheritable) {
			t.Errorf("%s: inheritable %q, want it unchanged", tc.name, c.Inheritable)
		}
		for _, set := range [][]string{c.Bounding, c.Effective, c.Permitted} {
			if !reflect.DeepEqual(set, []string{"CAP_NET_RAW"}) {
				t.Errorf("%s: %q, want [CAP_NET_RAW]", tc.name, set)
			}
		}
		if spec.Process.Capabilities.Ambient != nil {
			t.Errorf("%s: the config's ambient set changed", tc.name)
		}
	}
}
