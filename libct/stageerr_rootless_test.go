package libct

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// A refused bind remount names the locked flags its options clear; one
// that repeats them all, or fails otherwise, keeps the plain words.
func TestLockedFlagsError(t *testing.T) {
	op := nsenter.Op{Code: nsenter.OpRemountKeep, Strs: [4]string{"", "/mnt"},
		Args:  [3]int64{unix.MS_RDONLY, nsenter.LockableFlags &^ unix.MS_NODEV},
		Flags: nsenter.FlagKeepLocked, Field: "/mounts/7/options"}
	err := lockedFlagsError(op, unix.EPERM)
	if err == nil || !strings.HasPrefix(err.Error(), "/mounts/7/options: ") || !strings.Contains(err.Error(), "clear or change nodev,") {
		t.Errorf("got %v", err)
	}
	if err := lockedFlagsError(op, unix.EINVAL); err != nil {
		t.Errorf("EINVAL: got %v", err)
	}
	op.Args[1] = nsenter.LockableFlags
	if err := lockedFlagsError(op, unix.EPERM); err != nil {
		t.Errorf("all flags repeated: got %v", err)
	}
}

// A device bound from the host that the host lacks says so, by field.
func TestDeviceBindError(t *testing.T) {
	op := nsenter.Op{Code: nsenter.OpMount, Strs: [4]string{"/dev/x", "/dev/x"}, Field: "/linux/devices/1"}
	err := deviceBindError(op, unix.ENOENT)
	if err == nil || !strings.HasPrefix(err.Error(), "/linux/devices/1: device /dev/x:") {
		t.Errorf("got %v", err)
	}
	op.Field = "/mounts/3"
	if err := deviceBindError(op, unix.ENOENT); err != nil {
		t.Errorf("a bind of the config: got %v", err)
	}
}
