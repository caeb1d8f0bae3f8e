package cgroups

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestRequestedResource(t *testing.T) {
	limit := int64(100)
	zero := int64(0)
	cases := []struct {
		res  *specs.LinuxResources
		want string
	}{
		{nil, ""},
		{&specs.LinuxResources{}, ""},
		{&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}}, ""},
		{&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &zero}}, ""},
		{&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}}, "/linux/resources/memory/limit"},
		{&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &limit}}, "/linux/resources/pids/limit"},
		{&specs.LinuxResources{Unified: map[string]string{"memory.max": "1M"}}, "/linux/resources/unified/memory.max"},
		{&specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0"}}, "/linux/resources/cpu/cpus"},
	}
	for _, c := range cases {
		if got := RequestedResource(c.res); got != c.want {
			t.Errorf("RequestedResource(%+v) = %q, want %q", c.res, got, c.want)
		}
	}
}

func TestNoneManager(t *testing.T) {
	var m Manager = None{}
	if err := m.Create(nil); err != nil {
		t.Errorf("Create(nil) = %v", err)
	}
	limit := int64(10)
	if err := m.Update(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &limit}}); err == nil {
		t.Errorf("Update with a pids limit: no error")
	}
	if err := m.Freeze(); err != ErrNoCgroup {
		t.Errorf("Freeze = %v, want ErrNoCgroup", err)
	}
	if err := m.Kill(9); err != ErrNoCgroup {
		t.Errorf("Kill = %v, want ErrNoCgroup", err)
	}
	if l, _ := Load(nil, ""); l == nil || l.Paths() != nil {
		t.Errorf("Load(no paths) = %v, want None", l)
	}
}
