package specconv_test

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/specconv"
)

func setnsOf(flag int) func(nsenter.Op) bool {
	return func(op nsenter.Op) bool { return op.Code == nsenter.OpSetns && op.Args[0] == int64(flag) }
}

// Issue 11 item 10: a joined user namespace (config-linux.md namespaces,
// "path") is joined after the other paths and after the host-side copies of
// bind sources, which need the host's root; the mount namespace it owns
// comes after it; devices are bound from the host, since mknod is refused
// in any user namespace but the host's.
func TestJoinedUserNamespace(t *testing.T) {
	spec := minimalSpec()
	spec.Linux.Namespaces = []specs.LinuxNamespace{
		{Type: specs.UserNamespace, Path: "/proc/self/ns/user"},
		{Type: specs.NetworkNamespace, Path: "/proc/self/ns/net"},
		{Type: specs.MountNamespace}, {Type: specs.PIDNamespace},
	}
	spec.Mounts = []specs.Mount{{Destination: "/data", Type: "bind", Source: "/tmp", Options: []string{"rbind"}}}
	spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}}
	ops := mustBuild(t, spec).Ops
	user := index(ops, setnsOf(unix.CLONE_NEWUSER))
	net := index(ops, setnsOf(unix.CLONE_NEWNET))
	tree := index(ops, code(nsenter.OpOpenTree))
	if user < 0 || net < 0 || tree < 0 {
		t.Fatalf("missing ops: setns user %d, setns net %d, open-tree %d", user, net, tree)
	}
	if net > user || tree > user {
		t.Errorf("setns user at %d comes before setns net (%d) or open-tree (%d)", user, net, tree)
	}
	if i := index(ops, code(nsenter.OpSetidRoot)); i != user+1 {
		t.Errorf("become-root at %d, want right after setns user (%d)", i, user)
	}
	if i := index(ops, code(nsenter.OpMknod)); i >= 0 {
		t.Errorf("op %d mknods %s in a joined user namespace", i, ops[i].Strs[0])
	}
	bound := index(ops, func(op nsenter.Op) bool { return op.Code == nsenter.OpMount && op.Strs[1] == "/dev/fuse" })
	if bound < 0 {
		t.Error("/dev/fuse is not bound from the host")
	}
}

// Issue 11 item 9: the parent writes the offsets (it has CAP_SYS_TIME over
// the namespace's owner, and the non-dumpable stage's /proc files are
// root's), after the time namespace exists and before the fork.
func TestTimeOffsetsWrittenByParent(t *testing.T) {
	spec := minimalSpec()
	spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
	spec.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{
		"boottime": {Secs: 2, Nanosecs: 3}, "monotonic": {Secs: -1},
	}
	ops := mustBuild(t, spec).Ops
	sync := index(ops, func(op nsenter.Op) bool {
		return op.Code == nsenter.OpSync && op.Args[0] == specconv.SyncTimeOffsets
	})
	unshare := index(ops, func(op nsenter.Op) bool {
		return op.Code == nsenter.OpUnshare && op.Args[0]&unix.CLONE_NEWTIME != 0
	})
	fork := index(ops, code(nsenter.OpFork))
	if sync < 0 || unshare < 0 || !(unshare < sync && sync < fork) {
		t.Fatalf("unshare(time) %d, offsets sync %d, fork %d: want them in that order", unshare, sync, fork)
	}
	if got, want := ops[sync].Strs[0], "monotonic -1 0\nboottime 2 3"; got != want {
		t.Errorf("offsets %q, want %q", got, want)
	}
	if i := index(ops, func(op nsenter.Op) bool { return op.Strs[0] == "/proc/self/timens_offsets" }); i >= 0 {
		t.Errorf("op %d writes the offsets from the stage", i)
	}
}

// Issue 11 item 16: without a mount namespace rt makes no mount, so the pty
// comes from the host's devpts before the chroot and is not bound over
// /dev/console; the hooks' sync point is there too.
func TestNoMountNamespaceConsoleAndHooks(t *testing.T) {
	spec := minimalSpec()
	spec.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.PIDNamespace}}
	spec.Process.Terminal = true
	spec.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/true"}}}
	dir := writeBundle(t, spec)
	o := defaultOptions()
	o.Bundle, o.Fds = dir, nsenter.LayoutFds(nsenter.FdNeeds{Fifo: true, Console: true})
	plan, err := specconv.Build(spec, o)
	if err != nil {
		t.Fatal(err)
	}
	ops := plan.Ops
	hooks := index(ops, func(op nsenter.Op) bool { return op.Code == nsenter.OpSync && op.Args[0] == specconv.SyncHooks })
	console := index(ops, code(nsenter.OpConsole))
	chroot := index(ops, code(nsenter.OpChroot))
	if hooks < 0 || console < 0 || chroot < 0 || !(hooks < console && console < chroot) {
		t.Fatalf("hooks sync %d, console %d, chroot %d: want them in that order", hooks, console, chroot)
	}
	if ops[console].Flags&nsenter.FlagBindConsole != 0 {
		t.Error("the console is bound over /dev/console in the host's mount namespace")
	}
	if n := lastIndex(ops, code(nsenter.OpConsole)); n != console {
		t.Errorf("two console ops: %d and %d", console, n)
	}
}
