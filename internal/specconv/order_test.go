package specconv_test

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// index returns the position of the first op for which match is true, or -1.
func index(ops []nsenter.Op, match func(nsenter.Op) bool) int {
	for i, op := range ops {
		if match(op) {
			return i
		}
	}
	return -1
}

func lastIndex(ops []nsenter.Op, match func(nsenter.Op) bool) int {
	for i := len(ops) - 1; i >= 0; i-- {
		if match(ops[i]) {
			return i
		}
	}
	return -1
}

func code(c nsenter.Code) func(nsenter.Op) bool {
	return func(op nsenter.Op) bool { return op.Code == c }
}

func unshareUser(op nsenter.Op) bool {
	return op.Code == nsenter.OpUnshare && op.Args[0]&unix.CLONE_NEWUSER != 0
}

// TestPlanOrder checks, for every golden bundle, the order DESIGN.md
// ("rt create, step by step") and runtime-spec config-linux.md#namespaces
// require, independently of the golden text.
func TestPlanOrder(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			_, plan, _ := buildCase(t, c)
			ops := plan.Ops
			before := func(what string, a, b int) {
				t.Helper()
				if a < 0 || b < 0 {
					return
				}
				if a >= b {
					t.Errorf("%s: op %d (%s) is not before op %d (%s)", what, a, ops[a], b, ops[b])
				}
			}
			fork := index(ops, code(nsenter.OpFork))
			if fork < 0 {
				t.Fatal("no fork-init")
			}
			// Namespaces joined by path come before a new user namespace
			// (a netns made by `ip netns add` belongs to the host's userns).
			before("setns before unshare(user)", lastIndex(ops, code(nsenter.OpSetns)), index(ops, unshareUser))
			before("unshare(user) before the id maps", index(ops, unshareUser), index(ops, code(nsenter.OpUsermap)))
			if index(ops, unshareUser) >= 0 && index(ops, code(nsenter.OpUsermap)) < 0 {
				t.Error("a new user namespace without write-id-maps")
			}
			before("id maps before become-root", index(ops, code(nsenter.OpUsermap)), index(ops, code(nsenter.OpSetidRoot)))
			before("the other namespaces after the user namespace", index(ops, unshareUser),
				index(ops, func(op nsenter.Op) bool { return op.Code == nsenter.OpUnshare && !unshareUser(op) }))
			before("namespaces before fork", lastIndex(ops, func(op nsenter.Op) bool {
				return op.Code == nsenter.OpSetns || op.Code == nsenter.OpUnshare || op.Code == nsenter.OpUsermap
			}), fork)
			before("fork before the first mount", fork, index(ops, code(nsenter.OpMount)))
			before("open-rootfs before the in-root mounts", index(ops, code(nsenter.OpOpenRoot)),
				index(ops, func(op nsenter.Op) bool { return op.Flags&nsenter.FlagInRoot != 0 }))
			pivot := index(ops, func(op nsenter.Op) bool {
				return op.Code == nsenter.OpPivotRoot || op.Code == nsenter.OpMoveRoot
			})
			if pivot < 0 {
				t.Fatal("no pivot_root / move-root")
			}
			before("spec mounts before pivot_root", lastIndex(ops, func(op nsenter.Op) bool {
				return op.Code == nsenter.OpMount && len(op.Field) >= 7 && op.Field[:7] == "/mounts"
			}), pivot)
			before("devices before pivot_root", lastIndex(ops, code(nsenter.OpMknod)), pivot)
			before("pivot_root before masked paths", pivot, index(ops, code(nsenter.OpMask)))
			before("pivot_root before the read-only root", pivot, index(ops, func(op nsenter.Op) bool {
				return op.Field == "/root/readonly"
			}))
			before("pivot_root before the console", pivot, index(ops, code(nsenter.OpConsole)))
			before("rlimits before the user switch", lastIndex(ops, code(nsenter.OpRlimit)), index(ops, code(nsenter.OpUser)))
			// Issue 10 2.5: the limits bind the process, not the stage's own
			// work (a small RLIMIT_NOFILE, RLIMIT_STACK).
			firstRlimit := index(ops, code(nsenter.OpRlimit))
			for _, c := range []nsenter.Code{nsenter.OpConsole, nsenter.OpKeyring, nsenter.OpCloseFrom, nsenter.OpChdir,
				nsenter.OpFindExec, nsenter.OpMask, nsenter.OpPivotRoot, nsenter.OpMoveRoot} {
				before(c.Name()+" before the rlimits", index(ops, code(c)), firstRlimit)
			}
			// Issue 10 2.0: chdir and the executable are resolved by rt,
			// before seccomp and the user switch, then as the user: chdir
			// only if rt was denied it, the executable always (no filter
			// in these plans).
			user := index(ops, code(nsenter.OpUser))
			for c, redo := range map[nsenter.Code]uint32{nsenter.OpChdir: nsenter.FlagRedo, nsenter.OpFindExec: 0} {
				first, last := index(ops, code(c)), lastIndex(ops, code(c))
				if first == last || ops[first].Flags != nsenter.FlagDeferDenied || ops[last].Flags != redo {
					t.Errorf("%s: want one op as rt (%d) and one as the user (%d)", c.Name(), first, last)
				}
				before(c.Name()+" as rt before the user switch", first, user)
				before("user switch before "+c.Name()+" as the user", user, last)
				before(c.Name()+" as the user before ready", last, index(ops, code(nsenter.OpReady)))
			}
			before("chdir before find-exec (a relative argv[0])", index(ops, code(nsenter.OpChdir)), index(ops, code(nsenter.OpFindExec)))
			before("chdir as the user before find-exec as the user", lastIndex(ops, code(nsenter.OpChdir)), lastIndex(ops, code(nsenter.OpFindExec)))
			before("groups before the user switch", lastIndex(ops, code(nsenter.OpGroup)), index(ops, code(nsenter.OpUser)))
			before("bounding set dropped before the user switch", index(ops, code(nsenter.OpCapsBounding)), index(ops, code(nsenter.OpUser)))
			before("user switch before the capability sets", index(ops, code(nsenter.OpUser)), index(ops, code(nsenter.OpCaps)))
			before("capability sets before ambient", index(ops, code(nsenter.OpCaps)), index(ops, code(nsenter.OpCapsAmbient)))
			before("ambient before exec", index(ops, code(nsenter.OpCapsAmbient)), index(ops, code(nsenter.OpExec)))
			before("find-exec before ready", index(ops, code(nsenter.OpFindExec)), index(ops, code(nsenter.OpReady)))
			before("ready before wait-start", index(ops, code(nsenter.OpReady)), index(ops, code(nsenter.OpWaitStart)))
			before("wait-start before exec", index(ops, code(nsenter.OpWaitStart)), index(ops, code(nsenter.OpExec)))
			if ops[len(ops)-1].Code != nsenter.OpExec {
				t.Errorf("the last op is %s, want exec", ops[len(ops)-1])
			}
			for i, op := range ops {
				if op.Field == "" {
					t.Errorf("op %d (%s) names no config field", i, op)
				}
			}
		})
	}
}

// TestPlanEncodes: every golden plan encodes (the C stage's layout).
func TestPlanEncodes(t *testing.T) {
	for _, c := range goldenCases {
		_, plan, _ := buildCase(t, c)
		if b := plan.Encode(); len(b) < 16 {
			t.Errorf("%s: encoded plan of %d bytes", c.name, len(b))
		}
	}
}
