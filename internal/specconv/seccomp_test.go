package specconv_test

import (
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
