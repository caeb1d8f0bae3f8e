package specconv_test

import (
	"errors"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/specconv"
)

func buildMempolicy(t *testing.T, mp *specs.LinuxMemoryPolicy) (*nsenter.Plan, error) {
	t.Helper()
	spec := minimalSpec()
	spec.Linux.MemoryPolicy = mp
	o := defaultOptions()
	o.Bundle = writeBundle(t, spec)
	return specconv.Build(spec, o)
}

// config-linux.md "Memory policy": mode, flags and nodes become one
// set_mempolicy op of the process's part of the plan (create and exec).
func TestMemoryPolicyOp(t *testing.T) {
	cases := []struct {
		mp    specs.LinuxMemoryPolicy
		mode  int64
		nodes string
	}{
		{specs.LinuxMemoryPolicy{Mode: specs.MpolInterleave, Nodes: "0-3,7"}, unix.MPOL_INTERLEAVE, "0,1,2,3,7"},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: " 2, ,1-1,2", Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes}},
			unix.MPOL_BIND | unix.MPOL_F_STATIC_NODES, "1,2"},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolLocal}, unix.MPOL_LOCAL, ""},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolPreferred}, unix.MPOL_PREFERRED, ""},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolPreferredMany, Nodes: "1023"}, unix.MPOL_PREFERRED_MANY, "1023"},
	}
	for _, c := range cases {
		plan, err := buildMempolicy(t, &c.mp)
		if err != nil {
			t.Fatalf("%+v: %v", c.mp, err)
		}
		at := index(plan.Ops, code(nsenter.OpMempolicy))
		if at < 0 {
			t.Fatalf("%+v: no set_mempolicy op in\n%s", c.mp, renderOps(plan))
		}
		op := plan.Ops[at]
		if op.Args[0] != c.mode || op.Strs[0] != c.nodes || op.Field != "/linux/memoryPolicy" {
			t.Errorf("%+v: op %s, want mode %#x nodes %q", c.mp, op, c.mode, c.nodes)
		}
		if ready := index(plan.Ops, code(nsenter.OpReady)); at > ready {
			t.Errorf("%+v: set_mempolicy at %d after ready at %d", c.mp, at, ready)
		}
	}
}

// runc's checks, each naming its field.
func TestMemoryPolicyErrors(t *testing.T) {
	cases := []struct {
		mp            specs.LinuxMemoryPolicy
		pointer, text string
	}{
		{specs.LinuxMemoryPolicy{Nodes: "0"}, "/linux/memoryPolicy/mode", "missing"},
		{specs.LinuxMemoryPolicy{Mode: "MPOL_X"}, "/linux/memoryPolicy/mode", `invalid memory policy mode "MPOL_X"`},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{specs.MpolFNumaBalancing, "F"}},
			"/linux/memoryPolicy/flags/1", `invalid memory policy flag "F"`},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolBind}, "/linux/memoryPolicy/nodes", "at least one node"},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolWeightedInterleave, Nodes: ","}, "/linux/memoryPolicy/nodes", "at least one node"},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolDefault, Nodes: "0-1"}, "/linux/memoryPolicy/nodes", "requires 0 nodes but got 2"},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolLocal, Nodes: "3"}, "/linux/memoryPolicy/nodes", "requires 0 nodes but got 1"},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "1-0"}, "/linux/memoryPolicy/nodes", `"1-0"`},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "-1"}, "/linux/memoryPolicy/nodes", `"-1"`},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "1024"}, "/linux/memoryPolicy/nodes", "above 1023"},
	}
	for _, c := range cases {
		_, err := buildMempolicy(t, &c.mp)
		var fe *specconv.FieldError
		if !errors.As(err, &fe) || fe.Field != c.pointer || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%+v: error %v, want %s: ...%s...", c.mp, err, c.pointer, c.text)
		}
	}
}

func TestMemoryPolicyFeatures(t *testing.T) {
	f := specconv.MemoryPolicyFeatures()
	if len(f.Modes) != 7 || f.Modes[0] != "MPOL_BIND" || len(f.Flags) != 3 || f.Flags[0] != "MPOL_F_NUMA_BALANCING" {
		t.Errorf("features %+v, want the spec's 7 modes and 3 flags, sorted", f)
	}
}
