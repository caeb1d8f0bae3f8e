package specconv

// What rt recognises, for `rt features`: each list is read from the table
// that the plan builder uses, and narrowed to what works on this host (the
// kernel's namespaces and capabilities, libseccomp's architectures and
// actions, the kernel's seccomp flags). These are feature probes: they read
// /proc and ask the kernel whether it knows a flag, and change nothing.

import (
	"errors"
	"os"
	"sort"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// NamespaceNames lists the namespace types rt creates and joins
// (nsenter.Namespaces) that this kernel has (/proc/self/ns/NAME exists),
// sorted.
func NamespaceNames() []string {
	var names []string
	for _, ns := range nsenter.Namespaces {
		if _, err := os.Lstat("/proc/self/ns/" + ns.Proc); err == nil {
			names = append(names, string(ns.Type))
		}
	}
	sort.Strings(names)
	return names
}

// lastCap is the kernel's highest capability number, or -1 if unknown.
func lastCap() int {
	data, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return -1
	}
	return n
}

// SupportedCapabilityNames lists the capabilities rt knows that this kernel
// has (numbers up to /proc/sys/kernel/cap_last_cap), by number. Without
// that file it lists every capability rt knows.
func SupportedCapabilityNames() []string {
	last := lastCap()
	names := make([]string, 0, len(capabilities))
	for n, bit := range capabilities {
		if last < 0 || bit <= last {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool { return capabilities[names[i]] < capabilities[names[j]] })
	return names
}

// CapabilityName names capability number bit ("CAP_KILL"), or gives its
// number when rt knows no name for it.
func CapabilityName(bit int) string {
	for n, b := range capabilities {
		if b == bit {
			return n
		}
	}
	return "capability " + strconv.Itoa(bit)
}

// LibseccompVersion is the version of the libseccomp rt is linked with.
func LibseccompVersion() string { return libseccompVersion() }

// SeccompFeatures reports, for each of rt's seccomp tables, the names that
// a profile using them compiles with: the actions, operators and
// architectures this libseccomp handles, the flags rt knows and those
// this kernel accepts.
func SeccompFeatures() *features.Seccomp {
	enabled := true
	f := &features.Seccomp{Enabled: &enabled}
	for a := range seccompActions {
		if compiles(seccompProfileWithAction(a)) {
			f.Actions = append(f.Actions, string(a))
		}
	}
	for op := range seccompOperators {
		p := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{
			Names: []string{"getcwd"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 1, Value: 1, ValueTwo: 1, Op: op}}}}}
		if compiles(p) {
			f.Operators = append(f.Operators, string(op))
		}
	}
	for arch := range seccompArchs {
		if compiles(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{arch}}) {
			f.Archs = append(f.Archs, string(arch))
		}
	}
	for flag := range seccompFlags {
		f.KnownFlags = append(f.KnownFlags, string(flag))
		if SeccompFlagSupported(flag) {
			f.SupportedFlags = append(f.SupportedFlags, string(flag))
		}
	}
	for _, l := range [][]string{f.Actions, f.Operators, f.Archs, f.KnownFlags, f.SupportedFlags} {
		sort.Strings(l)
	}
	return f
}

// seccompProfileWithAction: a profile with one rule of action a (and a
// default that differs from it).
func seccompProfileWithAction(a specs.LinuxSeccompAction) *specs.LinuxSeccomp {
	def := specs.ActAllow
	if a == specs.ActAllow {
		def = specs.ActErrno
	}
	return &specs.LinuxSeccomp{DefaultAction: def, ListenerPath: "/features-probe.sock",
		Syscalls: []specs.LinuxSyscall{{Names: []string{"getcwd"}, Action: a}}}
}

func compiles(p *specs.LinuxSeccomp) bool {
	_, _, err := compileSeccomp(p, func(string) {})
	return err == nil
}

// SeccompFlagSupported asks the kernel whether it knows a filter flag, as
// runc does: seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL) fails with EFAULT
// (the missing program) once the flags are accepted, and with EINVAL before.
// No filter is loaded.
func SeccompFlagSupported(flag specs.LinuxSeccompFlag) bool {
	bit, ok := seccompFlags[flag]
	if !ok {
		return false
	}
	if bit&unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV != 0 {
		bit |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER // the kernel wants both
	}
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(bit), 0)
	return errors.Is(errno, unix.EFAULT)
}
