package rootfs

import (
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// LockableFlags: nsenter's (OP_REMOUNT_KEEP repeats those of them the
// plan names).
const LockableFlags = nsenter.LockableFlags

// atimeFlags are the options that set a mount's atime behaviour.
const atimeFlags = unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_STRICTATIME

// keptFlags are the flags of a bind mount's source that its remount
// repeats: every lockable one, except those the options clear (rw, suid,
// dev, exec) and, when the options name an atime, the atime ones. What
// the user asked for is never overridden by what the source has: where a
// user namespace locked it, the kernel refuses, and rt says which (as
// runc does: "cannot clear locked flags").
func keptFlags(opts parsedOptions) int64 {
	keep := uintptr(LockableFlags) &^ opts.cleared
	if (opts.flags|opts.cleared)&atimeFlags != 0 {
		keep &^= atimeFlags
	}
	return int64(keep)
}

// remount adds set to the mount at target, repeating the keep flags of
// those it has.
func (b *builder) remount(target string, set uintptr, keep int64, field string) {
	b.add(nsenter.Op{Code: nsenter.OpRemountKeep, Strs: [4]string{"", target}, Args: [3]int64{int64(set), keep},
		Flags: nsenter.FlagInRoot, Field: field})
}
