package nsenter

import "golang.org/x/sys/unix"

// LockableFlags are the mount flags a user namespace locks on the mounts
// it is given (the kernel's MNT_LOCK_*): a bind remount there that leaves
// out one the mount has, or changes its atime, fails with EPERM.
// OP_REMOUNT_KEEP with FlagKeepLocked reads the flags of the mount the
// stage made (statvfs) and repeats those of them its arg1 names.
const LockableFlags = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC |
	unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME
