package specconv

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/nsenter"
)

func TestNamespaceNames(t *testing.T) {
	names := NamespaceNames()
	if !slices.IsSorted(names) {
		t.Errorf("not sorted: %v", names)
	}
	for _, ns := range nsenter.Namespaces {
		_, err := os.Lstat("/proc/self/ns/" + ns.Proc)
		if has := slices.Contains(names, string(ns.Type)); has != (err == nil) {
			t.Errorf("%s: listed %v, /proc/self/ns/%s: %v", ns.Type, has, ns.Proc, err)
		}
	}
	if len(names) > len(nsenter.Namespaces) {
		t.Errorf("%v: more than the table has", names)
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
	for a := range seccompActions {
		t.Run(string(a), func(t *testing.T) {
			NeedLibseccompFor(t, a)
			if !slices.Contains(f.Actions, string(a)) {
				t.Errorf("actions %v: libseccomp %s refuses %s", f.Actions, LibseccompVersion(), a)
			}
		})
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

// libseccompSince is the libseccomp release that first compiles an action;
// the others are in every release rt builds with (2.3.1 and newer).
var libseccompSince = map[specs.LinuxSeccompAction]string{
	specs.ActKillProcess: "2.4.0", specs.ActLog: "2.4.0", specs.ActNotify: "2.5.0",
}

// NeedLibseccompFor skips the test, saying why, when the libseccomp rt is
// linked with is older than one of the actions needs. (Exported for the
// tests of package specconv_test.)
func NeedLibseccompFor(t *testing.T, actions ...specs.LinuxSeccompAction) {
	t.Helper()
	v := LibseccompVersion()
	for _, a := range actions {
		if since, ok := libseccompSince[a]; ok && versionBefore(v, since) {
			t.Skipf("%s needs libseccomp %s or newer; this is %s", a, since, v)
		}
	}
}

// versionBefore reports whether the dotted version v is older than min.
func versionBefore(v, min string) bool {
	a, b := strings.Split(v, "."), strings.Split(min, ".")
	for i := range b {
		var x int
		if i < len(a) {
			x, _ = strconv.Atoi(a[i])
		}
		y, _ := strconv.Atoi(b[i])
		if x != y {
			return x < y
		}
	}
	return false
}

func TestVersionBefore(t *testing.T) {
	for _, c := range []struct {
		v, min string
		want   bool
	}{{"2.5.4", "2.5.0", false}, {"2.5.0", "2.5.0", false}, {"2.4.9", "2.5.0", true}, {"2.10.0", "2.5.0", false}, {"1.9.9", "2.4.0", true}} {
		if got := versionBefore(c.v, c.min); got != c.want {
			t.Errorf("versionBefore(%s, %s) = %v", c.v, c.min, got)
		}
	}
}
