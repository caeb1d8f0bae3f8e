package specconv

// The C stage's fallbacks, decided here: each is a flag on an op (plan.h,
// "Fallbacks"), set from a probe of this kernel or from the config, so the
// stage does only what the plan says and `rt plan` shows it. This is the
// one place that lists them.

import (
	"errors"
	"math"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// Kernel is what the stage's syscalls need of this kernel. A probe asks
// the kernel about a call with arguments it refuses (a bad fd, an empty
// range): ENOSYS says it has no such call; nothing is changed.
type Kernel struct {
	CloseRange        bool // close_range (Linux 5.9)
	CloseRangeCloexec bool // close_range with CLOSE_RANGE_CLOEXEC (Linux 5.11)
	Fchmodat2         bool // fchmodat2 (Linux 6.6)
	MountSetattr      bool // mount_setattr (Linux 5.12)
	PidfdOpen         bool // pidfd_open (Linux 5.3)
	// LastCap is the highest capability number (cap_last_cap): the
	// bounding set is dropped up to it.
	LastCap int
}

// KernelFeatures returns this kernel's features, probed once. Tests may
// replace it to fix the plan of another kernel.
var KernelFeatures = sync.OnceValue(probeKernel)

const sysFchmodat2 = 452 // the same number on every architecture

func probeKernel() Kernel {
	var k Kernel
	// The fds from MaxUint32 on: none is open, so none is touched.
	k.CloseRange = unix.CloseRange(math.MaxUint32, math.MaxUint32, 0) == nil
	k.CloseRangeCloexec = unix.CloseRange(math.MaxUint32, math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC) == nil
	_, _, errno := unix.Syscall6(sysFchmodat2, ^uintptr(0), uintptr(0), 0, unix.AT_EMPTY_PATH, 0, 0)
	k.Fchmodat2 = errno != unix.ENOSYS
	err := unix.MountSetattr(-1, "", unix.AT_EMPTY_PATH, &unix.MountAttr{})
	k.MountSetattr = !errors.Is(err, unix.ENOSYS)
	if fd, err := unix.PidfdOpen(os.Getpid(), 0); err == nil {
		unix.Close(fd)
		k.PidfdOpen = true
	}
	k.LastCap = kernelLastCap()
	return withoutForTests(k, os.Getenv(envKernelWithout))
}

// kernelLastCap is /proc/sys/kernel/cap_last_cap, capped at 63 (the
// plan's masks have 64 bits); without it (Linux < 3.2), the highest
// capability rt knows.
func kernelLastCap() int {
	if last := lastCap(); last >= 0 {
		return min(last, 63)
	}
	highest := 0
	for _, bit := range capabilities {
		highest = max(highest, bit)
	}
	return highest
}

// envKernelWithout, for the tests only (tests/bats/stage_policy.bats):
// calls to plan as if this kernel had not got them, so that the stage's
// fallbacks run on a kernel that needs none. Unset outside the tests.
const envKernelWithout = "RT_TEST_ONLY_KERNEL_WITHOUT"

// withoutForTests clears the features named in list (comma-separated
// syscall names).
func withoutForTests(k Kernel, list string) Kernel {
	for _, name := range strings.Split(list, ",") {
		switch name {
		case "close_range":
			k.CloseRange, k.CloseRangeCloexec = false, false
		case "fchmodat2":
			k.Fchmodat2 = false
		case "mount_setattr":
			k.MountSetattr = false
		case "pidfd_open":
			k.PidfdOpen = false
		}
	}
	return k
}

// planFallbacks puts on each op the fallback it needs on this kernel, and
// the ones the config asks for.
func (b *planBuilder) planFallbacks(plan *nsenter.Plan) {
	k := KernelFeatures()
	seccomp := b.spec != nil && b.spec.Linux != nil && b.spec.Linux.Seccomp != nil
	if !k.CloseRange {
		plan.Flags |= nsenter.PlanKeepLeaked
	}
	for i := range plan.Ops {
		op := &plan.Ops[i]
		switch op.Code {
		case nsenter.OpCloseFrom:
			if !k.CloseRangeCloexec {
				op.Flags |= nsenter.FlagFdLoop
			}
		case nsenter.OpMknod:
			if !k.Fchmodat2 {
				op.Flags |= nsenter.FlagChmodByProc
			}
		case nsenter.OpReadonly:
			if !k.MountSetattr {
				op.Flags |= nsenter.FlagRemountByProc | nsenter.FlagKeepLocked
			}
		case nsenter.OpRemountKeep:
			// The mount is one the stage made in the container: only it
			// can read the flags a user namespace locked (statvfs), and a
			// remount that leaves one out fails with EPERM.
			op.Flags |= nsenter.FlagKeepLocked
		case nsenter.OpKeyring:
			// A kernel without keyrings needs no keyring of its own.
			op.Flags |= nsenter.FlagNosysOK
		case nsenter.OpConsole:
			// As runc: a pty rt may not give to the user (EPERM), or a
			// read-only devpts (EROFS), keeps its owner.
			op.Flags |= nsenter.FlagOwnerAsIs
		case nsenter.OpHideMount:
			// --no-pivot: a mount a new user namespace locked cannot be
			// unmounted; an empty read-only tmpfs hides it instead.
			op.Flags |= nsenter.FlagCoverLocked
		case nsenter.OpHook:
			// The hook runs under the container's filter, which may
			// refuse pidfd_open: its timeout is then kept by alarm(2).
			if op.Args[0] > 0 && (!k.PidfdOpen || seccomp) {
				op.Flags |= nsenter.FlagAlarmTimeout
			}
		}
	}
}

// stderrTemplate makes s a template the stage prints as it is (plan.h).
func stderrTemplate(s string) string { return strings.ReplaceAll(s, "%", "%%") }
