package nsenter

import (
	"math/bits"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// config-linux.md "Namespaces": the table holds every type the spec names,
// once, each with one CLONE_NEW* bit of its own.
func TestNamespaceTable(t *testing.T) {
	spec := []specs.LinuxNamespaceType{specs.PIDNamespace, specs.NetworkNamespace, specs.MountNamespace,
		specs.IPCNamespace, specs.UTSNamespace, specs.UserNamespace, specs.CgroupNamespace, specs.TimeNamespace}
	if len(Namespaces) != len(spec) {
		t.Errorf("%d kinds, the spec names %d", len(Namespaces), len(spec))
	}
	var all int
	for _, want := range spec {
		ns, ok := NamespaceOf(want)
		if !ok {
			t.Errorf("%s missing", want)
			continue
		}
		if bits.OnesCount(uint(ns.Flag)) != 1 || all&ns.Flag != 0 || ns.Proc == "" {
			t.Errorf("%s: flag %#x, proc %q", want, ns.Flag, ns.Proc)
		}
		all |= ns.Flag
	}
}
