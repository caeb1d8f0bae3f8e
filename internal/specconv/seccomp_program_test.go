package specconv_test

import (
	"encoding/binary"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/specconv"
)

// The BPF program's behaviour (config-linux.md "Seccomp"), run through a
// small classic-BPF interpreter: what the kernel would answer each call.

// config-linux.md "Seccomp": actions, errnoRet and defaultErrnoRet, and
// every argument operator, as the kernel would apply them.
func TestSeccompProgram(t *testing.T) {
	specconv.NeedLibseccompFor(t, specs.ActKillProcess, specs.ActLog)
	errno := func(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }
	arg := func(op specs.LinuxSeccompOperator, v, v2 uint64) []specs.LinuxSeccompArg {
		return []specs.LinuxSeccompArg{{Index: 0, Value: v, ValueTwo: v2, Op: op}}
	}
	sc := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"mkdir", "rmdir"}, Action: specs.ActErrno},
		{Names: []string{"chdir"}, Action: specs.ActErrno, ErrnoRet: uptr(uint(unix.ENOTDIR))},
		{Names: []string{"kill"}, Action: specs.ActKill},
		{Names: []string{"tkill"}, Action: specs.ActKillProcess},
		{Names: []string{"tgkill"}, Action: specs.ActKillThread},
		{Names: []string{"ptrace"}, Action: specs.ActTrap},
		{Names: []string{"uname"}, Action: specs.ActTrace, ErrnoRet: uptr(7)},
		{Names: []string{"getpid"}, Action: specs.ActLog},
		{Names: []string{"getppid"}, Action: specs.ActAllow}, // the default: redundant, skipped
		{Names: []string{"setuid"}, Action: specs.ActErrno, Args: arg(specs.OpNotEqual, 5, 0)},
		{Names: []string{"setgid"}, Action: specs.ActErrno, Args: arg(specs.OpLessThan, 5, 0)},
		{Names: []string{"setfsuid"}, Action: specs.ActErrno, Args: arg(specs.OpLessEqual, 5, 0)},
		{Names: []string{"personality"}, Action: specs.ActErrno, Args: arg(specs.OpEqualTo, 8, 0)},
		{Names: []string{"setfsgid"}, Action: specs.ActErrno, Args: arg(specs.OpGreaterEqual, 5, 0)},
		{Names: []string{"umask"}, Action: specs.ActErrno, Args: arg(specs.OpGreaterThan, 5, 0)},
		{Names: []string{"socket"}, Action: specs.ActErrno, ErrnoRet: uptr(uint(unix.EAFNOSUPPORT)),
			Args: arg(specs.OpMaskedEqual, 0xff, unix.AF_INET)},
		// two comparisons of one argument: either matches (runc's rule)
		{Names: []string{"setreuid"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
			{Index: 0, Value: 1, Op: specs.OpEqualTo}, {Index: 0, Value: 2, Op: specs.OpEqualTo}}},
		// comparisons of two arguments: both must match
		{Names: []string{"setregid"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
			{Index: 0, Value: 1, Op: specs.OpEqualTo}, {Index: 1, Value: 2, Op: specs.OpEqualTo}}},
	}}
	plan, _, err := buildSeccomp(t, seccompSpec(sc))
	if err != nil {
		t.Fatal(err)
	}
	prog := program(t, seccompOp(t, plan))
	for _, c := range []struct {
		call string
		args []uint64
		want uint32
	}{
		{"mkdir", nil, errno(unix.EPERM)}, {"rmdir", nil, errno(unix.EPERM)},
		{"chdir", nil, errno(unix.ENOTDIR)}, {"read", nil, unix.SECCOMP_RET_ALLOW},
		{"kill", nil, unix.SECCOMP_RET_KILL_THREAD}, {"tkill", nil, unix.SECCOMP_RET_KILL_PROCESS},
		{"tgkill", nil, unix.SECCOMP_RET_KILL_THREAD}, {"ptrace", nil, unix.SECCOMP_RET_TRAP},
		{"uname", nil, unix.SECCOMP_RET_TRACE | 7}, {"getpid", nil, unix.SECCOMP_RET_LOG},
		{"getppid", nil, unix.SECCOMP_RET_ALLOW},
		{"setuid", []uint64{5}, unix.SECCOMP_RET_ALLOW}, {"setuid", []uint64{6}, errno(unix.EPERM)},
		{"setgid", []uint64{4}, errno(unix.EPERM)}, {"setgid", []uint64{5}, unix.SECCOMP_RET_ALLOW},
		{"setfsuid", []uint64{5}, errno(unix.EPERM)}, {"setfsuid", []uint64{6}, unix.SECCOMP_RET_ALLOW},
		{"personality", []uint64{8}, errno(unix.EPERM)}, {"personality", []uint64{0}, unix.SECCOMP_RET_ALLOW},
		{"personality", []uint64{8 | 1<<32}, unix.SECCOMP_RET_ALLOW},
		{"setfsgid", []uint64{5}, errno(unix.EPERM)}, {"setfsgid", []uint64{4}, unix.SECCOMP_RET_ALLOW},
		{"umask", []uint64{6}, errno(unix.EPERM)}, {"umask", []uint64{5}, unix.SECCOMP_RET_ALLOW},
		{"socket", []uint64{unix.AF_INET}, errno(unix.EAFNOSUPPORT)}, {"socket", []uint64{unix.AF_INET | 0x100}, errno(unix.EAFNOSUPPORT)},
		{"socket", []uint64{unix.AF_UNIX}, unix.SECCOMP_RET_ALLOW},
		{"setreuid", []uint64{1}, errno(unix.EPERM)}, {"setreuid", []uint64{2}, errno(unix.EPERM)},
		{"setreuid", []uint64{3}, unix.SECCOMP_RET_ALLOW},
		{"setregid", []uint64{1, 2}, errno(unix.EPERM)}, {"setregid", []uint64{1, 3}, unix.SECCOMP_RET_ALLOW},
		{"clone3", nil, unix.SECCOMP_RET_ALLOW}, // permissive default: no ENOSYS stub
	} {
		d := sysAMD64(c.call, c.args...)
		if got := prog.run(t, d); got != c.want {
			t.Errorf("%s%v -> %#x, want %#x", c.call, c.args, got, c.want)
		}
	}

	// defaultErrnoRet: what the default action answers.
	plan, _, err = buildSeccomp(t, seccompSpec(&specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: uptr(uint(unix.EACCES)),
		Syscalls: []specs.LinuxSyscall{{Names: []string{"read", "write", "exit_group"}, Action: specs.ActAllow}}}))
	if err != nil {
		t.Fatal(err)
	}
	prog = program(t, seccompOp(t, plan))
	if got := prog.run(t, sysAMD64("getcwd")); got != errno(unix.EACCES) {
		t.Errorf("defaultErrnoRet EACCES: getcwd -> %#x", got)
	}
}

// DESIGN.md "Details that bite": under a refusing default, a syscall newer
// than every one the profile names fails with ENOSYS, so that glibc falls
// back (clone3 -> clone); older unlisted ones keep the default errno.
func TestSeccompENOSYSStub(t *testing.T) {
	errno := func(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }
	allow := []specs.LinuxSyscall{{Names: []string{"read", "write", "execve", "openat", "exit_group"}, Action: specs.ActAllow}}
	cases := []struct {
		name  string
		sc    specs.LinuxSeccomp
		check map[string]uint32 // call -> answer, amd64
	}{
		{"errno default", specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: allow}, map[string]uint32{
			"clone3": errno(unix.ENOSYS), "openat2": errno(unix.ENOSYS), "getcwd": errno(unix.EPERM),
			"read": unix.SECCOMP_RET_ALLOW, "openat": unix.SECCOMP_RET_ALLOW}},
		{"kill default", specs.LinuxSeccomp{DefaultAction: specs.ActKillProcess, Syscalls: allow}, map[string]uint32{
			"clone3": errno(unix.ENOSYS), "getcwd": unix.SECCOMP_RET_KILL_PROCESS}},
		{"clone3 listed", specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: append(allow,
			specs.LinuxSyscall{Names: []string{"clone3"}, Action: specs.ActErrno, ErrnoRet: uptr(uint(unix.EINVAL))})}, map[string]uint32{
			"clone3": errno(unix.EINVAL), "close_range": errno(unix.ENOSYS), "getcwd": errno(unix.EPERM)}},
		{"default errno is ENOSYS", specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: uptr(uint(unix.ENOSYS)),
			Syscalls: allow}, map[string]uint32{"clone3": errno(unix.ENOSYS), "getcwd": errno(unix.ENOSYS)}},
		{"log default", specs.LinuxSeccomp{DefaultAction: specs.ActLog, Syscalls: allow}, map[string]uint32{
			"clone3": unix.SECCOMP_RET_LOG}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := c.sc
			specconv.NeedLibseccompFor(t, sc.DefaultAction)
			plan, _, err := buildSeccomp(t, seccompSpec(&sc))
			if err != nil {
				t.Fatal(err)
			}
			prog := program(t, seccompOp(t, plan))
			for call, want := range c.check {
				if got := prog.run(t, sysAMD64(call)); got != want {
					t.Errorf("%s -> %#x, want %#x", call, got, want)
				}
			}
		})
	}

	// Every architecture of the filter gets its own limit: x86's numbers
	// are not x86_64's. x32 calls (bit 30) have theirs.
	sc := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}, Syscalls: allow}
	plan, _, err := buildSeccomp(t, seccompSpec(sc))
	if err != nil {
		t.Fatal(err)
	}
	prog := program(t, seccompOp(t, plan))
	for _, c := range []struct {
		arch uint32
		nr   uint32
		want uint32
	}{
		// x86: openat is 295, exit_group 252: 296 is above, 200 below
		{unix.AUDIT_ARCH_I386, 296, errno(unix.ENOSYS)}, {unix.AUDIT_ARCH_I386, 200, errno(unix.EPERM)},
		{unix.AUDIT_ARCH_I386, 295, unix.SECCOMP_RET_ALLOW},
		// x86_64: openat is 257, the highest listed
		{unix.AUDIT_ARCH_X86_64, 258, errno(unix.ENOSYS)}, {unix.AUDIT_ARCH_X86_64, 257, unix.SECCOMP_RET_ALLOW},
		{unix.AUDIT_ARCH_X86_64, 200, errno(unix.EPERM)},
		// x32: numbers with bit 30, execve the highest listed (520)
		{unix.AUDIT_ARCH_X86_64, 0x40000000 | 521, errno(unix.ENOSYS)},
		{unix.AUDIT_ARCH_X86_64, 0x40000000 | 520, unix.SECCOMP_RET_ALLOW},
		{unix.AUDIT_ARCH_X86_64, 0x40000000 | 258, errno(unix.EPERM)},
	} {
		if got := prog.run(t, seccompData{nr: c.nr, arch: c.arch}); got != c.want {
			t.Errorf("arch %#x nr %#x -> %#x, want %#x", c.arch, c.nr, got, c.want)
		}
	}
}

// nsenter/plan.go: the program is a string holding NUL bytes; the plan
// must carry it whole, and not confuse it with another string.
func TestSeccompProgramEncodedWhole(t *testing.T) {
	prog := "\x20\x00\x00\x00\x04\x00\x00\x00\x06\x00\x00\x00\x00\x00\xff\x7f"
	plan := &nsenter.Plan{}
	plan.Add(
		nsenter.Op{Code: nsenter.OpArg, Strs: [4]string{"\x20"}},
		nsenter.Op{Code: nsenter.OpSeccomp, Strs: [4]string{prog}, Args: [3]int64{0, int64(len(prog))}},
		nsenter.Op{Code: nsenter.OpSeccomp, Strs: [4]string{prog}, Args: [3]int64{0, int64(len(prog))}},
	)
	enc := plan.Encode()
	const header, opSize = 16, 48
	nops := binary.LittleEndian.Uint32(enc[4:])
	table := enc[header+int(nops)*opSize:]
	strOff := func(op int) uint32 { return binary.LittleEndian.Uint32(enc[header+op*opSize+32:]) }
	at := strOff(1)
	if got := string(table[at : at+uint32(len(prog))]); got != prog || table[at+uint32(len(prog))] != 0 {
		t.Errorf("program at %d = %q, want %q and a NUL", at, got, prog)
	}
	if strOff(2) != at || strOff(0) == at {
		t.Errorf("string offsets %d %d %d: want the program shared, the arg apart", strOff(0), at, strOff(2))
	}
}

// ---- a classic BPF interpreter, enough for libseccomp's programs ----

type seccompData struct {
	nr, arch uint32
	args     [6]uint64
}

func sysAMD64(name string, args ...uint64) seccompData {
	nr, ok := amd64Syscalls[name]
	if !ok {
		panic("test: unknown syscall " + name)
	}
	d := seccompData{nr: nr, arch: unix.AUDIT_ARCH_X86_64}
	copy(d.args[:], args)
	return d
}

var amd64Syscalls = map[string]uint32{
	"read": unix.SYS_READ, "write": unix.SYS_WRITE, "openat": unix.SYS_OPENAT, "execve": unix.SYS_EXECVE,
	"exit_group": unix.SYS_EXIT_GROUP, "mkdir": unix.SYS_MKDIR, "rmdir": unix.SYS_RMDIR, "chdir": unix.SYS_CHDIR,
	"kill": unix.SYS_KILL, "tkill": unix.SYS_TKILL, "tgkill": unix.SYS_TGKILL, "ptrace": unix.SYS_PTRACE,
	"uname": unix.SYS_UNAME, "getpid": unix.SYS_GETPID, "getppid": unix.SYS_GETPPID, "setuid": unix.SYS_SETUID,
	"setgid": unix.SYS_SETGID, "setfsuid": unix.SYS_SETFSUID, "setfsgid": unix.SYS_SETFSGID,
	"personality": unix.SYS_PERSONALITY, "umask": unix.SYS_UMASK, "socket": unix.SYS_SOCKET,
	"setreuid": unix.SYS_SETREUID, "setregid": unix.SYS_SETREGID, "clone3": unix.SYS_CLONE3,
	"getcwd": unix.SYS_GETCWD, "openat2": unix.SYS_OPENAT2, "close_range": unix.SYS_CLOSE_RANGE,
}

func (d seccompData) bytes() []byte {
	b := make([]byte, 64)
	binary.NativeEndian.PutUint32(b[0:], d.nr)
	binary.NativeEndian.PutUint32(b[4:], d.arch)
	for i, a := range d.args {
		binary.NativeEndian.PutUint64(b[16+8*i:], a)
	}
	return b
}

type bpfProgram []unix.SockFilter

func program(t *testing.T, op nsenter.Op) bpfProgram {
	t.Helper()
	raw := op.Strs[0]
	if int64(len(raw)) != op.Args[1] || len(raw)%8 != 0 {
		t.Fatalf("program of %d bytes, arg1 says %d", len(raw), op.Args[1])
	}
	p := make(bpfProgram, len(raw)/8)
	for i := range p {
		b := []byte(raw[i*8:])
		p[i] = unix.SockFilter{Code: binary.NativeEndian.Uint16(b), Jt: b[2], Jf: b[3], K: binary.NativeEndian.Uint32(b[4:])}
	}
	return p
}

// run returns what the program answers for d, as the kernel runs it.
func (p bpfProgram) run(t *testing.T, d seccompData) uint32 {
	t.Helper()
	data := d.bytes()
	var a, x uint32
	var mem [16]uint32
	for pc := 0; pc < len(p); pc++ {
		in := p[pc]
		src := in.K
		if in.Code&0x08 == unix.BPF_X {
			src = x
		}
		switch in.Code & 0x07 {
		case unix.BPF_LD, unix.BPF_LDX:
			var v uint32
			switch in.Code & 0xe0 {
			case unix.BPF_ABS:
				if in.K+4 > uint32(len(data)) || in.Code&0x18 != unix.BPF_W {
					t.Fatalf("pc %d: load %#x at %d", pc, in.Code, in.K)
				}
				v = binary.NativeEndian.Uint32(data[in.K:])
			case unix.BPF_IMM:
				v = in.K
			case unix.BPF_MEM:
				v = mem[in.K]
			case unix.BPF_LEN:
				v = uint32(len(data))
			default:
				t.Fatalf("pc %d: load mode %#x", pc, in.Code)
			}
			if in.Code&0x07 == unix.BPF_LD {
				a = v
			} else {
				x = v
			}
		case unix.BPF_ST:
			mem[in.K] = a
		case unix.BPF_STX:
			mem[in.K] = x
		case unix.BPF_ALU:
			switch in.Code & 0xf0 {
			case unix.BPF_ADD:
				a += src
			case unix.BPF_SUB:
				a -= src
			case unix.BPF_MUL:
				a *= src
			case unix.BPF_AND:
				a &= src
			case unix.BPF_OR:
				a |= src
			case unix.BPF_XOR:
				a ^= src
			case unix.BPF_LSH:
				a <<= src
			case unix.BPF_RSH:
				a >>= src
			case unix.BPF_NEG:
				a = -a
			default:
				t.Fatalf("pc %d: alu %#x", pc, in.Code)
			}
		case unix.BPF_JMP:
			var cond bool
			switch in.Code & 0xf0 {
			case unix.BPF_JA:
				pc += int(in.K)
				continue
			case unix.BPF_JEQ:
				cond = a == src
			case unix.BPF_JGT:
				cond = a > src
			case unix.BPF_JGE:
				cond = a >= src
			case unix.BPF_JSET:
				cond = a&src != 0
			default:
				t.Fatalf("pc %d: jump %#x", pc, in.Code)
			}
			if cond {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case unix.BPF_RET:
			if in.Code&0x18 == unix.BPF_A {
				return a
			}
			return in.K
		case unix.BPF_MISC:
			if in.Code&0xf8 == unix.BPF_TAX {
				x = a
			} else {
				a = x
			}
		}
	}
	t.Fatalf("program ran off its end (%d instructions)", len(p))
	return 0
}
