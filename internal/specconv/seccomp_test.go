package specconv_test

import (
	"encoding/binary"

	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/specconv"
)

// Tests of linux.seccomp (config-linux.md "Seccomp"): the profile becomes
// one OpSeccomp holding a BPF program, which these tests run through a
// small classic-BPF interpreter to see what the kernel would answer.

func uptr(v uint) *uint { return &v }

func seccompSpec(sc *specs.LinuxSeccomp) *specs.Spec {
	s := minimalSpec()
	s.Process.NoNewPrivileges = true
	s.Linux.Seccomp = sc
	return s
}

func buildSeccomp(t *testing.T, spec *specs.Spec) (*nsenter.Plan, []string, error) {
	t.Helper()
	dir := writeBundle(t, spec)
	o := defaultOptions()
	o.Bundle = dir
	var warnings []string
	o.Warn = func(w string) { warnings = append(warnings, w) }
	plan, err := specconv.Build(spec, o)
	return plan, warnings, err
}

func seccompOp(t *testing.T, plan *nsenter.Plan) nsenter.Op {
	t.Helper()
	i := index(plan.Ops, code(nsenter.OpSeccomp))
	if i < 0 {
		t.Fatalf("no seccomp op in\n%s", renderOps(plan))
	}
	return plan.Ops[i]
}

// config-linux.md "Seccomp": unknown actions, operators, architectures and
// flags are errors naming the field; an errno on an action that takes none
// "MUST print an error and fail".
func TestSeccompErrors(t *testing.T) {
	allow := func(names ...string) specs.LinuxSyscall {
		return specs.LinuxSyscall{Names: names, Action: specs.ActAllow}
	}
	cases := []struct {
		name    string
		sc      specs.LinuxSeccomp
		pointer string
		text    string
	}{
		{"no default action", specs.LinuxSeccomp{}, "/linux/seccomp/defaultAction", "missing"},
		{"unknown default action", specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_NOPE"}, "/linux/seccomp/defaultAction", "SCMP_ACT_NOPE"},
		{"defaultErrnoRet on allow", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, DefaultErrnoRet: uptr(1)},
			"/linux/seccomp/defaultErrnoRet", "takes no errno"},
		{"unknown action", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			allow("read"), allow("write"), allow("open"), {Names: []string{"mkdir"}, Action: "SCMP_ACT_BOGUS"}}},
			"/linux/seccomp/syscalls/3/action", "SCMP_ACT_BOGUS"},
		{"errnoRet on kill", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir"}, Action: specs.ActKill, ErrnoRet: uptr(1)}}},
			"/linux/seccomp/syscalls/0/errnoRet", "takes no errno"},
		{"errnoRet too large", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir"}, Action: specs.ActErrno, ErrnoRet: uptr(70000)}}},
			"/linux/seccomp/syscalls/0/errnoRet", "16 bits"},
		{"unknown architecture", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Architectures: []specs.Arch{specs.ArchX86_64, "SCMP_ARCH_Z80"}}, "/linux/seccomp/architectures/1", "SCMP_ARCH_Z80"},
		{"unknown flag", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_FAST"}},
			"/linux/seccomp/flags/0", "SECCOMP_FILTER_FLAG_FAST"},
		{"unknown operator", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"personality"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: 1, Op: specs.OpEqualTo}, {Index: 1, Value: 1, Op: "SCMP_CMP_ALMOST"}}}}},
			"/linux/seccomp/syscalls/0/args/1/op", "SCMP_CMP_ALMOST"},
		{"argument index out of range", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"personality"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}}}},
			"/linux/seccomp/syscalls/0/args/0/index", "out of range"},
		{"no names", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Action: specs.ActErrno}}},
			"/linux/seccomp/syscalls/0/names", "at least one"},
		{"notify without listenerPath", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir"}, Action: specs.ActNotify}}}, "/linux/seccomp/listenerPath", "listenerPath"},
		{"listenerMetadata without listenerPath", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerMetadata: "x"},
			"/linux/seccomp/listenerMetadata", "without listenerPath"},
		{"notify as the default", specs.LinuxSeccomp{DefaultAction: specs.ActNotify, ListenerPath: "/run/l.sock"},
			"/linux/seccomp/defaultAction", "default"},
		{"notify on sendmsg", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/run/l.sock",
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "sendmsg"}, Action: specs.ActNotify}}},
			"/linux/seccomp/syscalls/0/names/1", "sendmsg"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := c.sc
			_, _, err := buildSeccomp(t, seccompSpec(&sc))
			if err == nil || !strings.HasPrefix(err.Error(), c.pointer+": ") || !strings.Contains(err.Error(), c.text) {
				t.Errorf("Build = %v, want an error at %s mentioning %q", err, c.pointer, c.text)
			}
		})
	}
}

// Unknown syscall names are skipped with a warning, as runc does: a
// profile may name syscalls newer than this host's libseccomp.
func TestSeccompUnknownSyscallSkipped(t *testing.T) {
	plan, warnings, err := buildSeccomp(t, seccompSpec(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "no_such_syscall_2099"}, Action: specs.ActErrno}}}))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "/linux/seccomp/syscalls/0/names/1: ") ||
		!strings.Contains(warnings[0], "no_such_syscall_2099") {
		t.Errorf("warnings = %q, want one about /linux/seccomp/syscalls/0/names/1", warnings)
	}
	prog := program(t, seccompOp(t, plan))
	if got := prog.run(t, sysAMD64("mkdir")); got != unix.SECCOMP_RET_ERRNO|uint32(unix.EPERM) {
		t.Errorf("mkdir -> %#x, want ERRNO(EPERM)", got)
	}
}

// config-linux.md "Seccomp" flags: the SECCOMP_FILTER_FLAG_* bits go to
// seccomp(2); SCMP_ACT_NOTIFY implies NEW_LISTENER.
func TestSeccompFlags(t *testing.T) {
	cases := []struct {
		name    string
		flags   []specs.LinuxSeccompFlag
		notify  bool
		want    int64
		warning string
	}{
		{"none", nil, false, 0, ""},
		{"log and spec allow", []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow}, false,
			unix.SECCOMP_FILTER_FLAG_LOG | unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW, ""},
		{"tsync", []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"}, false, unix.SECCOMP_FILTER_FLAG_TSYNC, ""},
		{"notify", nil, true, unix.SECCOMP_FILTER_FLAG_NEW_LISTENER, ""},
		{"wait killable with notify", []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv}, true,
			unix.SECCOMP_FILTER_FLAG_NEW_LISTENER | unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, ""},
		{"wait killable without notify", []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv}, false, 0,
			"/linux/seccomp/flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored"},
		{"tsync with notify", []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"}, true,
			unix.SECCOMP_FILTER_FLAG_NEW_LISTENER | unix.SECCOMP_FILTER_FLAG_TSYNC | unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: c.flags,
				Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActErrno}}}
			if c.notify {
				specconv.NeedLibseccompFor(t, specs.ActNotify)
				sc.ListenerPath = "/run/listener.sock"
				sc.Syscalls = append(sc.Syscalls, specs.LinuxSyscall{Names: []string{"rmdir"}, Action: specs.ActNotify})
			}
			plan, warnings, err := buildSeccomp(t, seccompSpec(sc))
			if err != nil {
				t.Fatal(err)
			}
			if got := seccompOp(t, plan).Args[0]; got != c.want {
				t.Errorf("flags = %#x, want %#x", got, c.want)
			}
			if c.warning == "" && len(warnings) > 0 || c.warning != "" && (len(warnings) != 1 || !strings.HasPrefix(warnings[0], c.warning)) {
				t.Errorf("warnings = %q, want %q", warnings, c.warning)
			}
		})
	}
}

// DESIGN.md "rt create, step by step": seccomp last. The filter would
// otherwise apply to rt's own work (no_new_privs, the ready report, the
// wait for start). startContainer hooks run under it, as runc's do.
func TestSeccompPlacement(t *testing.T) {
	mkdirErrno := []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActErrno}}
	t.Run("no_new_privs: right before exec", func(t *testing.T) {
		spec := seccompSpec(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: mkdirErrno})
		plan, _, err := buildSeccomp(t, spec)
		if err != nil {
			t.Fatal(err)
		}
		at := index(plan.Ops, code(nsenter.OpSeccomp))
		if at != len(plan.Ops)-2 || plan.Ops[at+1].Code != nsenter.OpExec {
			t.Errorf("seccomp at %d of %d, want right before exec:\n%s", at, len(plan.Ops), renderOps(plan))
		}
		for _, c := range []nsenter.Code{nsenter.OpNoNewPrivs, nsenter.OpFindExec, nsenter.OpReady, nsenter.OpWaitStart} {
			if i := index(plan.Ops, code(c)); i < 0 || i > at {
				t.Errorf("%s at %d, want before seccomp at %d", c.Name(), i, at)
			}
		}
	})
	t.Run("no_new_privs with startContainer hooks: right after the wait for start, before the hooks (runc)", func(t *testing.T) {
		spec := seccompSpec(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: mkdirErrno})
		spec.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/true"}}}
		plan, _, err := buildSeccomp(t, spec)
		if err != nil {
			t.Fatal(err)
		}
		at := index(plan.Ops, code(nsenter.OpSeccomp))
		if at < 1 || plan.Ops[at-1].Code != nsenter.OpWaitStart || plan.Ops[at+1].Code != nsenter.OpHook {
			t.Errorf("seccomp at %d, want between wait-start and the hook:\n%s", at, renderOps(plan))
		}
	})
	t.Run("privileged without no_new_privs: last too", func(t *testing.T) {
		spec := seccompSpec(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: mkdirErrno})
		spec.Process.NoNewPrivileges = false
		spec.Process.Capabilities = &specs.LinuxCapabilities{Effective: []string{"CAP_SYS_ADMIN"}, Permitted: []string{"CAP_SYS_ADMIN"}}
		plan, _, err := buildSeccomp(t, spec)
		if err != nil {
			t.Fatal(err)
		}
		if at := index(plan.Ops, code(nsenter.OpSeccomp)); plan.Ops[at+1].Code != nsenter.OpExec {
			t.Errorf("seccomp at %d, want right before exec:\n%s", at, renderOps(plan))
		}
	})
	// Without no_new_privs, seccomp(2) needs CAP_SYS_ADMIN: a process that
	// loses it must get its filter before the credentials change, as runc
	// and crun load it.
	t.Run("unprivileged without no_new_privs: before the credentials", func(t *testing.T) {
		spec := seccompSpec(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: mkdirErrno})
		spec.Process.NoNewPrivileges = false
		spec.Process.Capabilities = &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL"}, Effective: []string{"CAP_KILL"}}
		plan, _, err := buildSeccomp(t, spec)
		if err != nil {
			t.Fatal(err)
		}
		at := index(plan.Ops, code(nsenter.OpSeccomp))
		for _, c := range []nsenter.Code{nsenter.OpCapsBounding, nsenter.OpUser, nsenter.OpCaps} {
			if i := index(plan.Ops, code(c)); i < at {
				t.Errorf("%s at %d, want after seccomp at %d:\n%s", c.Name(), i, at, renderOps(plan))
			}
		}
	})
	// Issue 10 2.0: a filter loaded that early meets only what runc's init
	// does after it (credentials, ready, the wait for start, the
	// startContainer hooks, exec, and chdir and the PATH lookup redone as
	// the user if rt was denied them); the cwd, the executable, the fds,
	// the umask and the rlimits are done before it, by rt, so that a
	// profile refusing openat2 does not stop the stage.
	t.Run("before the credentials: only runc's calls after it", func(t *testing.T) {
		spec := seccompSpec(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: mkdirErrno})
		spec.Process.NoNewPrivileges = false
		spec.Process.Cwd = "/work"
		spec.Process.User = specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10}}
		spec.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 16, Hard: 16}}
		spec.Process.Capabilities = &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL"}, Effective: []string{"CAP_KILL"}}
		spec.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/true", Args: []string{"true"}, Env: []string{"A=b"}}}}
		plan, _, err := buildSeccomp(t, spec)
		if err != nil {
			t.Fatal(err)
		}
		proc := &specs.Process{Args: []string{"/bin/true"}, Cwd: "/work", User: specs.User{UID: 1000, GID: 1000}}
		execPlan, err := specconv.BuildExec(spec, proc, specconv.ExecOptions{InitPid: 1, Fds: nsenter.LayoutFds(nsenter.FdNeeds{})})
		if err != nil {
			t.Fatal(err)
		}
		afterEarlySeccomp(t, plan)
		afterEarlySeccomp(t, execPlan)
	})
	// The listener fd goes to the parent over the sync socket, read only
	// until the ready report.
	t.Run("notify: before ready", func(t *testing.T) {
		specconv.NeedLibseccompFor(t, specs.ActNotify)
		spec := seccompSpec(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/run/l.sock",
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}}})
		plan, _, err := buildSeccomp(t, spec)
		if err != nil {
			t.Fatal(err)
		}
		at := index(plan.Ops, code(nsenter.OpSeccomp))
		if plan.Ops[at+1].Code != nsenter.OpReady || index(plan.Ops, code(nsenter.OpNoNewPrivs)) > at {
			t.Errorf("seccomp at %d, want after no_new_privs and right before ready:\n%s", at, renderOps(plan))
		}
	})
	// runc applies the config's profile to exec'd processes too; a
	// createContainer hook (run through the exec machinery) gets none.
	t.Run("exec", func(t *testing.T) {
		spec := seccompSpec(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: mkdirErrno})
		proc := &specs.Process{Args: []string{"/bin/true"}, Cwd: "/", NoNewPrivileges: true}
		plan, err := specconv.BuildExec(spec, proc, specconv.ExecOptions{InitPid: 1, Fds: nsenter.LayoutFds(nsenter.FdNeeds{})})
		if err != nil {
			t.Fatal(err)
		}
		if at := index(plan.Ops, code(nsenter.OpSeccomp)); at < 0 || plan.Ops[at+1].Code != nsenter.OpExec {
			t.Errorf("seccomp at %d, want right before exec:\n%s", at, renderOps(plan))
		}
		plan, err = specconv.BuildExec(spec, proc, specconv.ExecOptions{InitPid: 1, Fds: nsenter.LayoutFds(nsenter.FdNeeds{}), NoSeccomp: true})
		if err != nil {
			t.Fatal(err)
		}
		if at := index(plan.Ops, code(nsenter.OpSeccomp)); at >= 0 || spec.Linux.Seccomp == nil {
			t.Errorf("NoSeccomp: seccomp op at %d (config's profile kept: %v)", at, spec.Linux.Seccomp != nil)
		}
	})
}

// afterEarlySeccomp checks what a plan does after a filter loaded before
// the credentials change.
func afterEarlySeccomp(t *testing.T, plan *nsenter.Plan) {
	t.Helper()
	allowed := map[nsenter.Code]bool{
		nsenter.OpCapsBounding: true, nsenter.OpGroup: true, nsenter.OpUser: true, nsenter.OpCaps: true,
		nsenter.OpCapsAmbient: true, nsenter.OpReady: true, nsenter.OpWaitStart: true, nsenter.OpHook: true,
		nsenter.OpHookArg: true, nsenter.OpHookEnv: true, nsenter.OpExec: true,
	}
	at := index(plan.Ops, code(nsenter.OpSeccomp))
	user := index(plan.Ops, code(nsenter.OpUser))
	if at < 0 || user < at {
		t.Fatalf("seccomp at %d, user at %d: want the filter before the user switch:\n%s", at, user, renderOps(plan))
	}
	for i, op := range plan.Ops[at+1:] {
		redo := (op.Code == nsenter.OpChdir || op.Code == nsenter.OpFindExec) && op.Flags == nsenter.FlagRedo && at+1+i > user
		if !allowed[op.Code] && !redo {
			t.Errorf("op %d (%s) after seccomp at %d:\n%s", at+1+i, op, at, renderOps(plan))
		}
	}
	for _, c := range []nsenter.Code{nsenter.OpChdir, nsenter.OpFindExec, nsenter.OpCloseFrom, nsenter.OpUmask} {
		if i := index(plan.Ops, code(c)); i < 0 || i > at || plan.Ops[i].Flags&nsenter.FlagRedo != 0 {
			t.Errorf("first %s at %d, want it before seccomp at %d:\n%s", c.Name(), i, at, renderOps(plan))
		}
	}
	if i := lastIndex(plan.Ops, code(nsenter.OpRlimit)); i > at {
		t.Errorf("rlimit at %d, want it before seccomp at %d:\n%s", i, at, renderOps(plan))
	}
}

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
