package specconv

import (
	"os"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestNamespaceNames(t *testing.T) {
	names := NamespaceNames()
	if !slices.IsSorted(names) {
		t.Errorf("not sorted: %v", names)
	}
	for t2, file := range nsFiles {
		_, err := os.Lstat("/proc/self/ns/" + file)
		if has := slices.Contains(names, string(t2)); has != (err == nil) {
			t.Errorf("%s: listed %v, /proc/self/ns/%s: %v", t2, has, file, err)
		}
	}
	if len(nsFiles) != len(nsFlags) {
		t.Errorf("nsFiles has %d types, nsFlags %d", len(nsFiles), len(nsFlags))
	}
}

func TestSupportedCapabilityNames(t *testing.T) {
	names := SupportedCapabilityNames()
	last := lastCap()
	for i, n := range names {
		bit := capabilities[n]
		if i > 0 && capabilities[names[i-1]] >= bit {
			t.Errorf("%s after %s: not by number", n, names[i-1])
		}
		if last >= 0 && bit > last {
			t.Errorf("%s (%d) beyond cap_last_cap %d", n, bit, last)
		}
	}
	if last >= 0 && len(names) != min(last+1, len(capabilities)) {
		t.Errorf("%d capabilities, the kernel has %d", len(names), last+1)
	}
}

func TestSeccompFeatures(t *testing.T) {
	f := SeccompFeatures()
	if f.Enabled == nil || !*f.Enabled {
		t.Error("seccomp not enabled")
	}
	if len(f.Actions) != len(seccompActions) {
		t.Errorf("actions %v: libseccomp %s refuses some", f.Actions, LibseccompVersion())
	}
	if len(f.Operators) != len(seccompOperators) {
		t.Errorf("operators %v", f.Operators)
	}
	if len(f.KnownFlags) != len(seccompFlags) {
		t.Errorf("known flags %v", f.KnownFlags)
	}
	// the architectures listed compile; the others are refused
	for a := range seccompArchs {
		_, _, err := compileSeccomp(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{a}}, func(string) {})
		if listed := slices.Contains(f.Archs, string(a)); listed != (err == nil) {
			t.Errorf("%s: listed %v, compile error %v", a, listed, err)
		}
	}
	if SeccompFlagSupported("SECCOMP_FILTER_FLAG_NOSUCH") {
		t.Error("an unknown flag is supported")
	}
	if !SeccompFlagSupported(specs.LinuxSeccompFlagLog) {
		t.Error("SECCOMP_FILTER_FLAG_LOG (Linux 4.14) not supported")
	}
}
