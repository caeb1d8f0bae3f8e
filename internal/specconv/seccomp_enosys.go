package specconv

// The ENOSYS stub (DESIGN.md "Details that bite": seccomp and new
// syscalls). A profile that refuses what it does not list (defaultAction
// SCMP_ACT_ERRNO, as Docker's) was written before the newest syscalls
// existed. Refusing those with EPERM breaks every program that tries the
// new call and falls back to the old one only on ENOSYS (glibc: clone3,
// then clone). So in front of libseccomp's program goes a stub: for each
// architecture of the filter, a syscall number above the highest one the
// profile names returns ENOSYS, as a kernel without that syscall would.
// runc does the same (libcontainer/seccomp/patchbpf); this is rt's own
// assembly of it.

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

const (
	x32SyscallBit = 0x40000000 // __X32_SYSCALL_BIT: an x32 call on x86_64
	retENOSYS     = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
	// offsets in struct seccomp_data
	seccompDataNr   = 0
	seccompDataArch = 4
)

// needsENOSYSStub: only a refusing default needs one. Under a permissive
// default (allow, log, trace: a tracer handles ENOSYS itself) new syscalls
// already work, and a default of ENOSYS is the stub's answer already.
func needsENOSYSStub(sc *specs.LinuxSeccomp) bool {
	switch sc.DefaultAction {
	case specs.ActAllow, specs.ActLog, specs.ActTrace:
		return false
	case specs.ActErrno:
		return sc.DefaultErrnoRet == nil || *sc.DefaultErrnoRet != uint(unix.ENOSYS)
	}
	return true
}

// archLimit is the highest syscall number the profile names for one
// AUDIT_ARCH_* value, per mode: x86_64 and x32 share their audit arch, x32
// calls having bit 30 set. -1: the mode is not in the filter, or the
// profile names none of its syscalls; its calls go to the filter as they
// are.
type archLimit struct {
	audit    uint32
	arch     libseccomp.ScmpArch
	max, x32 int64
}

func auditArch(arch libseccomp.ScmpArch) (uint32, bool) {
	for _, a := range seccompArchs {
		if got, err := libseccomp.GetArchFromString(a.name); err == nil && got == arch {
			return a.audit, true
		}
	}
	return 0, false
}

// archLimits finds, for each architecture, the highest syscall number of
// the names (which libseccomp knows for the native architecture).
func archLimits(archs []libseccomp.ScmpArch, names []string) ([]*archLimit, error) {
	var limits []*archLimit
	byAudit := map[uint32]*archLimit{}
	for _, arch := range archs {
		audit, ok := auditArch(arch)
		if !ok {
			return nil, fmt.Errorf("no AUDIT_ARCH_ value known for seccomp architecture %v", arch)
		}
		l := byAudit[audit]
		if l == nil {
			l = &archLimit{audit: audit, arch: arch, max: -1, x32: -1}
			byAudit[audit] = l
			limits = append(limits, l)
		}
		highest := int64(-1)
		for _, n := range names {
			// Negative numbers are libseccomp's pseudo-syscalls (a call
			// the architecture multiplexes, as x86's socketcall).
			if nr, err := libseccomp.GetSyscallFromNameByArch(n, arch); err == nil && nr >= 0 && int64(nr) > highest {
				highest = int64(nr)
			}
		}
		if arch == libseccomp.ArchX32 {
			l.x32 = highest
		} else {
			l.max = highest
		}
	}
	return limits, nil
}

// enosysStub assembles the stub for the filter's architectures:
//
//	ld  [arch]
//	jeq #AUDIT_ARCH_<a>, sec_a      (one per architecture)
//	ja  filter
//	sec_a: ld [nr]
//	       jgt #max_a, enosys, filter   (x86_64/x32: split on bit 30 first;
//	                                     s390: nr 0 is the multiplexer)
//	enosys: ret #ERRNO(ENOSYS)
//	filter: libseccomp's program
func enosysStub(archs []libseccomp.ScmpArch, names []string) ([]unix.SockFilter, error) {
	limits, err := archLimits(archs, names)
	if err != nil {
		return nil, err
	}
	var a bpfAsm
	a.stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, seccompDataArch)
	sections := 0
	for i, l := range limits {
		if l.max >= 0 || l.x32 >= 0 {
			a.jump(unix.BPF_JEQ, l.audit, fmt.Sprint("arch", i), "")
			sections++
		}
	}
	if sections == 0 {
		return nil, nil
	}
	a.ja("filter")
	for i, l := range limits {
		if l.max < 0 && l.x32 < 0 {
			continue
		}
		a.label(fmt.Sprint("arch", i))
		a.stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, seccompDataNr)
		switch {
		case l.audit == unix.AUDIT_ARCH_X86_64 && l.x32 < 0:
			a.jump(unix.BPF_JSET, x32SyscallBit, "filter", "")
			a.jump(unix.BPF_JGT, uint32(l.max), "enosys", "filter")
		case l.audit == unix.AUDIT_ARCH_X86_64 && l.max < 0:
			a.jump(unix.BPF_JSET, x32SyscallBit, "", "filter")
			a.jump(unix.BPF_JGT, uint32(l.x32), "enosys", "filter")
		case l.audit == unix.AUDIT_ARCH_X86_64:
			x32 := fmt.Sprint("x32-", i)
			a.jump(unix.BPF_JSET, x32SyscallBit, x32, "")
			a.jump(unix.BPF_JGT, uint32(l.max), "enosys", "filter")
			a.label(x32)
			a.jump(unix.BPF_JGT, uint32(l.x32), "enosys", "filter")
		default:
			if l.audit == unix.AUDIT_ARCH_S390 || l.audit == unix.AUDIT_ARCH_S390X {
				// s390 passes a number it does not know as 0 (setup(2),
				// long gone): that is a new syscall too.
				a.jump(unix.BPF_JEQ, 0, "enosys", "")
			}
			a.jump(unix.BPF_JGT, uint32(l.max), "enosys", "filter")
		}
	}
	a.label("enosys")
	a.stmt(unix.BPF_RET|unix.BPF_K, retENOSYS)
	a.label("filter")
	return a.assemble()
}

// bpfAsm assembles classic BPF with jumps to labels, resolved at the end.
type bpfAsm struct {
	prog   []unix.SockFilter
	labels map[string]int
	refs   []bpfRef
}

type bpfRef struct {
	at         int
	jt, jf, ja string
}

func (a *bpfAsm) stmt(code uint16, k uint32) {
	a.prog = append(a.prog, unix.SockFilter{Code: code, K: k})
}

// jump: a conditional jump on A against k; "" goes to the next instruction.
func (a *bpfAsm) jump(cond uint16, k uint32, jt, jf string) {
	a.refs = append(a.refs, bpfRef{at: len(a.prog), jt: jt, jf: jf})
	a.stmt(unix.BPF_JMP|cond|unix.BPF_K, k)
}

func (a *bpfAsm) ja(label string) {
	a.refs = append(a.refs, bpfRef{at: len(a.prog), ja: label})
	a.stmt(unix.BPF_JMP|unix.BPF_JA, 0)
}

func (a *bpfAsm) label(name string) {
	if a.labels == nil {
		a.labels = map[string]int{}
	}
	a.labels[name] = len(a.prog)
}

func (a *bpfAsm) assemble() ([]unix.SockFilter, error) {
	offset := func(at int, label string, limit int) (int, error) {
		if label == "" {
			return 0, nil
		}
		to, ok := a.labels[label]
		if !ok {
			return 0, fmt.Errorf("bpf: no label %q", label)
		}
		off := to - at - 1
		if off < 0 || off > limit {
			return 0, fmt.Errorf("bpf: jump from %d to %s (%d) out of range", at, label, to)
		}
		return off, nil
	}
	for _, r := range a.refs {
		in := &a.prog[r.at]
		if r.ja != "" {
			off, err := offset(r.at, r.ja, 1<<31)
			if err != nil {
				return nil, err
			}
			in.K = uint32(off)
			continue
		}
		jt, err := offset(r.at, r.jt, 255)
		if err != nil {
			return nil, err
		}
		jf, err := offset(r.at, r.jf, 255)
		if err != nil {
			return nil, err
		}
		in.Jt, in.Jf = uint8(jt), uint8(jf)
	}
	return a.prog, nil
}
