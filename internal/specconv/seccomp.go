package specconv

// linux.seccomp (config-linux.md "Seccomp"). The profile is compiled here,
// in Go, with libseccomp, into the classic BPF program the kernel runs; the
// program travels in the plan and the C stage only loads it
// (nsenter/seccomp.c). Nothing here touches the kernel: libseccomp writes
// its program into a scratch memfd, which is read back.

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
)

const seccompField = "/linux/seccomp"

// seccompActions is the one table of action names. SCMP_ACT_KILL is
// libseccomp's alias of SCMP_ACT_KILL_THREAD.
var seccompActions = map[specs.LinuxSeccompAction]libseccomp.ScmpAction{
	specs.ActKill:        libseccomp.ActKillThread,
	specs.ActKillThread:  libseccomp.ActKillThread,
	specs.ActKillProcess: libseccomp.ActKillProcess,
	specs.ActTrap:        libseccomp.ActTrap,
	specs.ActErrno:       libseccomp.ActErrno,
	specs.ActTrace:       libseccomp.ActTrace,
	specs.ActAllow:       libseccomp.ActAllow,
	specs.ActLog:         libseccomp.ActLog,
	specs.ActNotify:      libseccomp.ActNotify,
}

// seccompOperators is the one table of argument comparisons.
var seccompOperators = map[specs.LinuxSeccompOperator]libseccomp.ScmpCompareOp{
	specs.OpNotEqual:     libseccomp.CompareNotEqual,
	specs.OpLessThan:     libseccomp.CompareLess,
	specs.OpLessEqual:    libseccomp.CompareLessOrEqual,
	specs.OpEqualTo:      libseccomp.CompareEqual,
	specs.OpGreaterEqual: libseccomp.CompareGreaterEqual,
	specs.OpGreaterThan:  libseccomp.CompareGreater,
	specs.OpMaskedEqual:  libseccomp.CompareMaskedEqual,
}

// seccompArchs maps the spec's SCMP_ARCH_* names to libseccomp's, and each
// to the AUDIT_ARCH_* value the kernel puts in seccomp_data.arch (x32
// shares x86_64's, with bit 30 set in the syscall number).
var seccompArchs = map[specs.Arch]struct {
	name  string
	audit uint32
}{
	specs.ArchX86: {"x86", unix.AUDIT_ARCH_I386}, specs.ArchX86_64: {"amd64", unix.AUDIT_ARCH_X86_64},
	specs.ArchX32: {"x32", unix.AUDIT_ARCH_X86_64}, specs.ArchARM: {"arm", unix.AUDIT_ARCH_ARM},
	specs.ArchAARCH64: {"arm64", unix.AUDIT_ARCH_AARCH64}, specs.ArchMIPS: {"mips", unix.AUDIT_ARCH_MIPS},
	specs.ArchMIPS64: {"mips64", unix.AUDIT_ARCH_MIPS64}, specs.ArchMIPS64N32: {"mips64n32", unix.AUDIT_ARCH_MIPS64N32},
	specs.ArchMIPSEL: {"mipsel", unix.AUDIT_ARCH_MIPSEL}, specs.ArchMIPSEL64: {"mipsel64", unix.AUDIT_ARCH_MIPSEL64},
	specs.ArchMIPSEL64N32: {"mipsel64n32", unix.AUDIT_ARCH_MIPSEL64N32}, specs.ArchPPC: {"ppc", unix.AUDIT_ARCH_PPC},
	specs.ArchPPC64: {"ppc64", unix.AUDIT_ARCH_PPC64}, specs.ArchPPC64LE: {"ppc64le", unix.AUDIT_ARCH_PPC64LE},
	specs.ArchS390: {"s390", unix.AUDIT_ARCH_S390}, specs.ArchS390X: {"s390x", unix.AUDIT_ARCH_S390X},
	specs.ArchPARISC: {"parisc", unix.AUDIT_ARCH_PARISC}, specs.ArchPARISC64: {"parisc64", unix.AUDIT_ARCH_PARISC64},
	specs.ArchRISCV64: {"riscv64", unix.AUDIT_ARCH_RISCV64}, specs.ArchLOONGARCH64: {"loong64", unix.AUDIT_ARCH_LOONGARCH64},
	specs.ArchM68K: {"m68k", unix.AUDIT_ARCH_M68K}, specs.ArchSH: {"sh", unix.AUDIT_ARCH_SHEL},
	specs.ArchSHEB: {"sheb", unix.AUDIT_ARCH_SH},
}

// seccompFlags is the one table of filter flags. SECCOMP_FILTER_FLAG_NEW_LISTENER
// is not in the spec's list: it is implied by SCMP_ACT_NOTIFY.
var seccompFlags = map[specs.LinuxSeccompFlag]int64{
	"SECCOMP_FILTER_FLAG_TSYNC":            unix.SECCOMP_FILTER_FLAG_TSYNC,
	specs.LinuxSeccompFlagLog:              unix.SECCOMP_FILTER_FLAG_LOG,
	specs.LinuxSeccompFlagSpecAllow:        unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
	specs.LinuxSeccompFlagWaitKillableRecv: unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
}

// bpfMaxInstructions is the kernel's BPF_MAXINSNS.
const bpfMaxInstructions = 4096

// seccompOps compiles linux.seccomp and adds its OpSeccomp to the phase
// seccompPhase picks.
func (b *planBuilder) seccompOps() error {
	if b.spec.Linux == nil || b.spec.Linux.Seccomp == nil {
		return nil
	}
	sc := b.spec.Linux.Seccomp
	compile := func(warn func(string)) ([]byte, int64, error) { return compileSeccomp(sc, warn) }
	var prog []byte
	var flags int64
	var err error
	if b.o.SeccompCache != nil {
		prog, flags, err = b.o.SeccompCache(sc, b.warn, compile)
	} else {
		prog, flags, err = compile(b.warn)
	}
	if err != nil {
		return err
	}
	b.addTo(b.seccompPhase(flags), nsenter.Op{Code: nsenter.OpSeccomp, Strs: [4]string{string(prog)},
		Args: [3]int64{flags, int64(len(prog))}, Field: seccompField})
	return nil
}

// seccompPhase puts the filter as late as it can go, so that the fewest of
// rt's own syscalls run under it: just before the exec, after
// no_new_privs, the ready report and the wait for `start`, but before the
// startContainer hooks, which run under the container's profile, as
// runc's do (its init loads the filter before it waits for `start`, and
// runs the hooks after): phaseSeccompLate. Two things pull it earlier:
//   - without no_new_privs the kernel loads a filter only for a process with
//     CAP_SYS_ADMIN: when the process will not keep it, the filter goes
//     before the credentials change (runc and crun do the same), after the
//     rlimits and the stage's own work (execOps): phaseSeccompEarly. What
//     follows it are the calls runc's init makes after its filter
//     (credentials, the ready report, the wait for `start`, the hooks);
//   - with SCMP_ACT_NOTIFY the listener fd goes to the parent over the sync
//     socket, which is only read until the ready report: it goes right
//     before OpReady, phaseNotify.
func (b *planBuilder) seccompPhase(flags int64) phase {
	switch {
	case b.seccompBeforeCredentials():
		return phaseSeccompEarly
	case flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0:
		return phaseNotify
	}
	return phaseSeccompLate
}

// seccompBeforeCredentials: the filter has to go on before the credentials
// change (phaseSeccompEarly).
func (b *planBuilder) seccompBeforeCredentials() bool {
	return b.spec.Linux != nil && b.spec.Linux.Seccomp != nil && !b.keepsSeccompRight()
}

// keepsSeccompRight: the process may still load a filter once its
// credentials are set, having no_new_privs or CAP_SYS_ADMIN in its
// effective set.
func (b *planBuilder) keepsSeccompRight() bool {
	p := b.proc
	if p.NoNewPrivileges {
		return true
	}
	if p.Capabilities == nil {
		return p.User.UID == 0 // root keeps its capabilities; others lose them
	}
	for _, c := range p.Capabilities.Effective {
		if strings.EqualFold(c, "CAP_SYS_ADMIN") {
			return true
		}
	}
	return false
}

// compileSeccomp turns the profile into a BPF program (native byte order,
// struct sock_filter) and the SECCOMP_FILTER_FLAG_* bits to load it with.
func compileSeccomp(sc *specs.LinuxSeccomp, warn func(string)) ([]byte, int64, error) {
	defaultAction, flags, err := seccompDefaults(sc, warn)
	if err != nil {
		return nil, 0, err
	}
	prog, err := seccompProgram(sc, defaultAction, warn)
	if err != nil {
		return nil, 0, err
	}
	if len(prog) > bpfMaxInstructions {
		return nil, 0, fieldErr(seccompField, "the compiled filter has %d instructions, more than the kernel's %d", len(prog), bpfMaxInstructions)
	}
	out := make([]byte, 0, len(prog)*8)
	for _, in := range prog {
		out = binary.NativeEndian.AppendUint16(out, in.Code)
		out = append(out, in.Jt, in.Jf)
		out = binary.NativeEndian.AppendUint32(out, in.K)
	}
	return out, flags, nil
}

// seccompDefaults checks the profile's default action and its flags, and
// the listener fields they call for.
func seccompDefaults(sc *specs.LinuxSeccomp, warn func(string)) (libseccomp.ScmpAction, int64, error) {
	if sc.DefaultAction == "" {
		return 0, 0, fieldErr(seccompField+"/defaultAction", "missing: the profile needs a defaultAction")
	}
	defaultAction, err := seccompAction(sc.DefaultAction, sc.DefaultErrnoRet, seccompField+"/defaultAction", seccompField+"/defaultErrnoRet")
	if err != nil {
		return 0, 0, err
	}
	if defaultAction == libseccomp.ActNotify {
		// The stage sends the listener fd after loading the filter: a
		// notifying default would hold that send until nobody can answer.
		return 0, 0, fieldErr(seccompField+"/defaultAction", "SCMP_ACT_NOTIFY cannot be the default action")
	}
	flags, err := seccompFlagBits(sc, warn)
	if err != nil {
		return 0, 0, err
	}
	if flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER == 0 {
		if sc.ListenerMetadata != "" && sc.ListenerPath == "" {
			return 0, 0, fieldErr(seccompField+"/listenerMetadata", "must not be set without listenerPath")
		}
	} else if sc.ListenerPath == "" {
		return 0, 0, fieldErr(seccompField+"/listenerPath", "SCMP_ACT_NOTIFY needs a listenerPath to send the notify fd to")
	}
	return defaultAction, flags, nil
}

// seccompProgram compiles the profile's architectures and rules with
// libseccomp, behind the ENOSYS stub when the profile needs one.
func seccompProgram(sc *specs.LinuxSeccomp, defaultAction libseccomp.ScmpAction, warn func(string)) ([]unix.SockFilter, error) {
	filter, err := libseccomp.NewFilter(defaultAction)
	if err != nil {
		return nil, fieldErr(seccompField, "libseccomp: %v", err)
	}
	defer filter.Release()
	archs, err := addSeccompArchs(filter, sc.Architectures)
	if err != nil {
		return nil, err
	}
	if len(sc.Syscalls) > 32 {
		// A binary tree instead of a list of comparisons, as runc asks for
		// long profiles; not fatal where libseccomp cannot do it.
		_ = filter.SetOptimize(2)
	}
	var names []string
	for i, sys := range sc.Syscalls {
		known, err := addSeccompRule(filter, sys, fmt.Sprintf("%s/syscalls/%d", seccompField, i), defaultAction, warn)
		if err != nil {
			return nil, err
		}
		names = append(names, known...)
	}
	prog, err := exportBPF(filter)
	if err != nil {
		return nil, fieldErr(seccompField, "libseccomp: %v", err)
	}
	if needsENOSYSStub(sc) {
		stub, err := enosysStub(archs, names)
		if err != nil {
			return nil, fieldErr(seccompField, "%v", err)
		}
		prog = append(stub, prog...)
	}
	return prog, nil
}

// seccompAction: an action name with its errno. The spec: an errno on an
// action that takes none is an error; the default errno is EPERM.
func seccompAction(name specs.LinuxSeccompAction, errnoRet *uint, field, errnoField string) (libseccomp.ScmpAction, error) {
	act, ok := seccompActions[name]
	if !ok {
		return 0, fieldErr(field, "unknown seccomp action %q", name)
	}
	if act != libseccomp.ActErrno && act != libseccomp.ActTrace {
		if errnoRet != nil {
			return 0, fieldErr(errnoField, "%s takes no errno: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do", name)
		}
		return act, nil
	}
	ret := uint(unix.EPERM)
	if errnoRet != nil {
		ret = *errnoRet
	}
	if ret > 0xffff {
		return 0, fieldErr(errnoField, "errno %d does not fit the 16 bits seccomp returns", ret)
	}
	return act.SetReturnCode(int16(uint16(ret))), nil
}

// seccompFlagBits: the profile's flags, plus NEW_LISTENER when a rule
// notifies.
func seccompFlagBits(sc *specs.LinuxSeccomp, warn func(string)) (int64, error) {
	var flags int64
	for i, f := range sc.Flags {
		bit, ok := seccompFlags[f]
		if !ok {
			return 0, fieldErr(fmt.Sprintf("%s/flags/%d", seccompField, i), "unknown seccomp flag %q", f)
		}
		flags |= bit
	}
	for _, sys := range sc.Syscalls {
		if sys.Action == specs.ActNotify {
			flags |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
		}
	}
	if flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER == 0 && flags&unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV != 0 {
		// The kernel refuses it without a listener, and it only changes how
		// a notifying syscall waits.
		warn(seccompField + "/flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored: no rule uses SCMP_ACT_NOTIFY")
		flags &^= unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
	}
	if flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0 && flags&unix.SECCOMP_FILTER_FLAG_TSYNC != 0 {
		// TSYNC with a listener is refused unless a failed sync reports
		// ESRCH instead of a thread id (the stage has one thread anyway).
		flags |= unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH
	}
	return flags, nil
}

// addSeccompArchs adds the profile's architectures to the filter, which
// already holds the native one, and returns them all.
func addSeccompArchs(filter *libseccomp.ScmpFilter, names []specs.Arch) ([]libseccomp.ScmpArch, error) {
	native, err := libseccomp.GetNativeArch()
	if err != nil {
		return nil, fieldErr(seccompField+"/architectures", "libseccomp: %v", err)
	}
	archs := []libseccomp.ScmpArch{native}
	for i, n := range names {
		field := fmt.Sprintf("%s/architectures/%d", seccompField, i)
		a, ok := seccompArchs[n]
		if !ok {
			return nil, fieldErr(field, "unknown seccomp architecture %q", n)
		}
		arch, err := libseccomp.GetArchFromString(a.name)
		if err == nil {
			err = filter.AddArch(arch)
		}
		if err != nil {
			return nil, fieldErr(field, "%s: libseccomp %s: %v", n, libseccompVersion(), err)
		}
		archs = append(archs, arch)
	}
	return archs, nil
}

func libseccompVersion() string {
	major, minor, micro := libseccomp.GetLibraryVersion()
	return fmt.Sprintf("%d.%d.%d", major, minor, micro)
}

// addSeccompRule adds one syscalls[] entry, one rule per name, and returns
// the names libseccomp knows. Unknown names are warned about and skipped,
// as runc does: a profile names syscalls newer than this host's. A rule
// whose action is the default one is redundant and skipped (libseccomp
// refuses it).
func addSeccompRule(filter *libseccomp.ScmpFilter, sys specs.LinuxSyscall, field string, defaultAction libseccomp.ScmpAction, warn func(string)) ([]string, error) {
	if len(sys.Names) == 0 {
		return nil, fieldErr(field+"/names", "must name at least one syscall")
	}
	act, err := seccompAction(sys.Action, sys.ErrnoRet, field+"/action", field+"/errnoRet")
	if err != nil {
		return nil, err
	}
	conds, err := seccompConditions(sys.Args, field+"/args")
	if err != nil {
		return nil, err
	}
	var known []string
	for j, name := range sys.Names {
		nameField := fmt.Sprintf("%s/names/%d", field, j)
		if name == "" {
			return nil, fieldErr(nameField, "empty syscall name")
		}
		if act == libseccomp.ActNotify && name == "sendmsg" {
			// The stage hands the listener fd to rt with sendmsg, after
			// the filter is loaded: nobody could answer that notification.
			return nil, fieldErr(nameField, "SCMP_ACT_NOTIFY cannot be used for sendmsg: rt sends the listener fd with it")
		}
		if act == libseccomp.ActNotify && name == "write" {
			// Refused as runc refuses it (its init writes the fd to its
			// parent): after the filter, rt's stage writes too (a failure
			// after `start` goes into the exec fifo).
			return nil, fieldErr(nameField, "SCMP_ACT_NOTIFY cannot be used for the write syscall")
		}
		nr, err := libseccomp.GetSyscallFromName(name)
		if err != nil {
			warn(fmt.Sprintf("%s: syscall %q unknown to libseccomp %s: rule skipped", nameField, name, libseccompVersion()))
			continue
		}
		known = append(known, name)
		if act == defaultAction {
			continue
		}
		for _, c := range conds {
			if err := filter.AddRuleConditional(nr, act, c); err != nil {
				return nil, fieldErr(nameField, "seccomp rule for %s: %v", name, err)
			}
		}
	}
	return known, nil
}

// seccompConditions: the argument comparisons of one entry, as the lists
// of conditions to add as rules (one rule, all conditions ANDed, or no
// condition at all). Several comparisons of the same argument cannot be
// ANDed by libseccomp: each becomes a rule of its own, as runc does.
func seccompConditions(args []specs.LinuxSeccompArg, field string) ([][]libseccomp.ScmpCondition, error) {
	var conds []libseccomp.ScmpCondition
	perArg := map[uint]int{}
	for i, a := range args {
		argField := fmt.Sprintf("%s/%d", field, i)
		op, ok := seccompOperators[a.Op]
		if !ok {
			return nil, fieldErr(argField+"/op", "unknown seccomp operator %q", a.Op)
		}
		if a.Index > 5 {
			return nil, fieldErr(argField+"/index", "a syscall has 6 arguments: index %d is out of range", a.Index)
		}
		c, err := libseccomp.MakeCondition(a.Index, op, a.Value, a.ValueTwo)
		if err != nil {
			return nil, fieldErr(argField, "%v", err)
		}
		conds = append(conds, c)
		perArg[a.Index]++
	}
	for _, n := range perArg {
		if n > 1 {
			split := make([][]libseccomp.ScmpCondition, len(conds))
			for i, c := range conds {
				split[i] = []libseccomp.ScmpCondition{c}
			}
			return split, nil
		}
	}
	return [][]libseccomp.ScmpCondition{conds}, nil
}

// exportBPF reads libseccomp's program back through a scratch memfd
// (libseccomp before 2.6 exports only to an fd).
func exportBPF(filter *libseccomp.ScmpFilter) ([]unix.SockFilter, error) {
	data, err := filter.ExportBPFMem()
	if err != nil {
		fd, err := unix.MemfdCreate("rt-seccomp", unix.MFD_CLOEXEC)
		if err != nil {
			return nil, err
		}
		f := os.NewFile(uintptr(fd), "rt-seccomp")
		defer f.Close()
		if err := filter.ExportBPF(f); err != nil {
			return nil, err
		}
		if data, err = io.ReadAll(io.NewSectionReader(f, 0, 1<<30)); err != nil {
			return nil, err
		}
	}
	if len(data)%8 != 0 || len(data) == 0 {
		return nil, fmt.Errorf("exported BPF of %d bytes is not a whole program", len(data))
	}
	prog := make([]unix.SockFilter, len(data)/8)
	for i := range prog {
		b := data[i*8:]
		prog[i] = unix.SockFilter{Code: binary.NativeEndian.Uint16(b), Jt: b[2], Jf: b[3], K: binary.NativeEndian.Uint32(b[4:])}
	}
	return prog, nil
}
