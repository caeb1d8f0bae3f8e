/* The plan: the fully resolved list of operations the C stage executes.
 * Go (nsenter/plan.go) encodes it; this stage only decodes and executes.
 * Keep the numbers in step with plan.go: a golden test compares them.
 *
 * This header is also the one place of the sync protocol's messages: the
 * sync socket's (enum rt_msg_type, struct rt_msg), the sync points
 * (enum rt_sync_id) and what goes through the exec fifo (RT_FIFO_*). The
 * sequence of them all is drawn in nsenter/sync.md; the Go mirror is
 * nsenter/stage_cgo.go and nsenter/sync.go, checked against this file by
 * nsenter/sync_test.go. The stage's fds are numbered by nsenter/fds.go. */
#ifndef RT_PLAN_H
#define RT_PLAN_H

#include <stdint.h>

#define RT_PLAN_MAGIC 0x31505452u /* "RTP1" little-endian */
#define RT_STR_NONE 0xffffffffu

struct rt_plan_header {
	uint32_t magic;
	uint32_t nops;
	uint32_t strings_len;
	uint32_t flags; /* RT_PLAN_F_* */
};

/* The plan's own flags. Once the plan is read, the stage closes every fd
 * above the plan's (the caller's, leaked through rt: a lock, a pipe), so
 * that the init does not hold them while it waits for `start`; with
 * RT_PLAN_F_KEEP_LEAKED (Go found no close_range, Linux < 5.9) it leaves
 * them to OP_CLOSE_FROM, which marks them close-on-exec. */
#define RT_PLAN_F_KEEP_LEAKED 0x1u

/* One operation. Strings are offsets into the string table that follows
 * the op array; each string there is NUL-terminated. */
struct rt_op {
	uint32_t code;
	uint32_t flags;
	int64_t arg[3];
	uint32_t str[4];
};

enum rt_op_code {
	OP_SETNS = 1,        /* str0 path, arg0 CLONE_NEW* type it must be */
	OP_UNSHARE,          /* arg0 CLONE_NEW* flags */
	OP_USERMAP,          /* ask the parent to write uid/gid maps, wait for it */
	OP_SETID_ROOT,       /* setresgid/setresuid 0 after the maps exist */
	OP_FORK,             /* fork; the parent reports the child's pid and exits */
	OP_SYNC,             /* arg0 sync id: tell the parent, wait for it to continue */
	OP_SETSID,
	OP_OPEN_ROOT,        /* str0 host path of the rootfs: later *_IN_ROOT ops resolve in it */
	OP_MOUNT,            /* str0 source, str1 target, str2 fstype, str3 data, arg0 flags */
	OP_REMOUNT_KEEP,     /* str1 target, arg0 flags set, arg1 those of the mount's current
	                      * flags to repeat (with RT_F_KEEP_LOCKED) */
	OP_MKDIR,            /* str0 path, arg0 mode: mkdir -p */
	OP_MKFILE,           /* str0 path, arg0 mode: parents and an empty file, if missing */
	OP_MKNOD,            /* str0 path, arg0 mode (type|perm), arg1 dev, arg2 uid<<32|gid */
	OP_SYMLINK,          /* str0 link target, str1 link path */
	OP_PIVOT_ROOT,       /* str0 rootfs */
	OP_MOVE_ROOT,        /* str0 rootfs: move mount onto / and chroot (--no-pivot) */
	OP_SETHOSTNAME,      /* str0 */
	OP_SETDOMAINNAME,    /* str0 */
	OP_WRITE_FILE,       /* str0 path, str1 content (e.g. /proc/sys/...) */
	OP_CONSOLE,          /* arg0 console socket fd, arg1 rows << 16 | cols, arg2 uid that
	                      * owns the pty (-1: rt's); RT_F_CLEAR_ONLCR: output as written */
	OP_RLIMIT,           /* arg0 resource, arg1 soft, arg2 hard */
	OP_GROUP,            /* arg0 gid: collected for OP_USER */
	OP_USER,             /* arg0 uid, arg1 gid: setgroups(collected), setresgid, setresuid */
	OP_UMASK,            /* arg0 */
	OP_CAPS_BOUNDING,    /* arg0 mask kept in the bounding set, arg1 the kernel's last capability */
	OP_CAPS,             /* arg0 effective, arg1 permitted, arg2 inheritable */
	OP_CAPS_AMBIENT,     /* arg0 mask raised in the ambient set */
	OP_NO_NEW_PRIVS,
	OP_CHDIR,            /* str0 */
	OP_ARG,              /* str0: one argv entry */
	OP_ENV,              /* str0: one environ entry */
	OP_CLOSE_FROM,       /* arg0: every fd >= this gets close-on-exec */
	OP_READY,            /* tell the parent the container is set up. str0: the words of a
	                      * later failure (a template, see below) */
	OP_WAIT_START,       /* arg0 exec fifo fd: block until `rt start` writes to it: the
	                      * length of the container state (u64, host order), then the
	                      * state, of any size, kept for OP_HOOK */
	OP_FIND_EXEC,        /* str0 the paths to try, each NUL-ended, then an empty one; arg0 1: a $PATH
	                      * search. Resolve argv[0] now, so create fails if it is missing */
	OP_EXEC,             /* execve the resolved argv[0]; never returns. str0: the words of
	                      * its failure (a template, see below) */
	OP_KEYRING,          /* str0: join a new session keyring of that name */
	OP_OPEN_TREE,        /* str0 host path, arg0 slot, arg1 AT_RECURSIVE or 0: a detached
	                      * copy of the mount, taken before a new user namespace */
	OP_HOOK,             /* str0 path, str1..str3 the words of a failure (exit status, signal,
	                      * timeout: see the templates below), arg0 timeout (s, 0: none);
	                      * stdin: what `start` wrote
	                      * into the fifo (the state); argv and
	                      * environ are the OP_HOOK_ARG / OP_HOOK_ENV ops right after it */
	OP_HOOK_ARG,         /* str0 */
	OP_HOOK_ENV,         /* str0 */
	OP_SECCOMP,          /* str0 the BPF program (arg1 bytes long, may hold NULs), arg0
	                      * SECCOMP_FILTER_FLAG_*; with NEW_LISTENER the notify fd goes to
	                      * the parent (MSG_SECCOMP_FD), then wait (nsenter/seccomp.c) */
	OP_SCHED,            /* arg0 policy | flags << 32, arg1 nice | priority << 32, arg2
	                      * runtime, str0 "DEADLINE PERIOD": sched_setattr */
	OP_IOPRIO,           /* arg0 ioprio value (class << 13 | level) */
	OP_PERSONALITY,      /* arg0 persona */
	OP_AFFINITY,         /* str0 comma-separated cpu numbers; "": every cpu (the kernel
	                      * keeps those of the cpuset) */
	OP_CHROOT,           /* str0 rootfs: chdir and chroot, for a container without a mount namespace */
	OP_MASK,             /* str0 path: a directory gets a read-only tmpfs, anything else
	                      * a bind of the rootfs's /dev/null (checked to be 1:3); attached
	                      * by fd (move_mount), so no procfs is needed */
	OP_MOUNT_SETATTR,    /* str1 target, arg0 attr_set, arg1 attr_clr (MOUNT_ATTR_*), arg2
	                      * AT_RECURSIVE or 0: mount_setattr on the mount at the target */
	OP_IDMAP_TREE,       /* arg0 slot of an OP_OPEN_TREE copy, arg1 user namespace fd, arg2
	                      * AT_RECURSIVE or 0: MOUNT_ATTR_IDMAP on it, before it is attached
	                      * (str0: the source, for the error message only) */
	OP_READONLY,         /* str0 path: a bind of itself, read-only, attached by fd */
	OP_HIDE_MOUNT,       /* str0 host path, arg0 mounts stacked there: slave, then detach
	                      * them (--no-pivot); RT_F_COVER_LOCKED: what cannot be unmounted */
	OP_MEMPOLICY,        /* arg0 mode | MPOL_F_* flags, str0 comma-separated node numbers
	                      * (none: no mask); str1 the policy, for the error message only:
	                      * set_mempolicy */
	OP_PASSWD_HOME,      /* str0 passwd file in the root, arg0 uid: HOME=<the user's home
	                      * there, or / if not listed or unreadable> joins the OP_ENVs */
	OP_CODE_MAX
};

/* Flags on an op. */
#define RT_F_IN_ROOT      0x1u  /* str1 (mount, mknod path: str0) resolved inside the rootfs */
#define RT_F_SRC_IN_ROOT  0x2u  /* str0 of a mount resolved inside the rootfs */
#define RT_F_OPTIONAL     0x4u  /* failure is ignored (best-effort op) */
#define RT_F_NO_SETGROUPS 0x8u  /* OP_USER: setgroups is denied in this user namespace */
#define RT_F_SKIP_MISSING 0x10u /* ENOENT is not a failure: the path is not there */
#define RT_F_BIND_CONSOLE 0x20u /* OP_CONSOLE: also bind the pty over /dev/console */
#define RT_F_SRC_TREE     0x40u /* OP_MOUNT: attach the OP_OPEN_TREE in slot arg1 at str1 */
#define RT_F_COPYUP       0x80u /* OP_MOUNT: copy what the target directory held into the new mount */
#define RT_F_PROCFS       0x100u /* OP_WRITE_FILE: the file must be on a procfs */
#define RT_F_CLOSE_FD     0x200u /* OP_IDMAP_TREE: its last use of the fd in arg1: close it */
#define RT_F_TMPFS_MODE   0x2000u /* OP_MOUNT: "mode=" of the target directory in front of str3;
                                   * a missing target is made (0755) and keeps the default */
#define RT_F_ORDINARY_DIR 0x400u /* OP_MOUNT: str1 must be a directory, not a symlink to one
                                  * (ENOTDIR); OP_MKDIR: marks the one made for such a mount */
#define RT_F_CLEAR_ONLCR  0x800u /* OP_CONSOLE: no \r added before \n (rt relays the pty) */
#define RT_F_DUMPABLE     0x4000u /* OP_SYNC: the stage is dumpable while it waits, so that an
                                   * unprivileged rt may open its /proc/<pid>/ns files (the
                                   * createContainer hooks join them) */
#define RT_F_DEFER_DENIED 0x10000u /* OP_CHDIR, OP_FIND_EXEC as rt (before seccomp and the user
                                    * switch): a denial is left to the RT_F_REDO op of that code */
#define RT_F_REDO         0x20000u /* OP_CHDIR, OP_FIND_EXEC as the process user: only if the
                                    * RT_F_DEFER_DENIED op was denied; OP_CHDIR then enters str0
                                    * by name and checks with getcwd that it is under the root,
                                    * as runc's init (openat2 may be filtered by then) */
/* Fallbacks: each is set by Go (a kernel probe, nsenter/kernel.go, or the
 * config) and is the only way the stage does anything but the op's one way. */
#define RT_F_FD_LOOP       0x40000u  /* OP_CLOSE_FROM: no close_range(CLOSE_RANGE_CLOEXEC) on this
                                      * kernel: mark each fd below the open-files limit */
#define RT_F_CHMOD_BY_PROC 0x80000u  /* OP_MKNOD: no fchmodat2: chmod the node's O_PATH fd through
                                      * its /proc/self/fd magic link */
#define RT_F_REMOUNT_BY_PROC 0x100000u /* OP_READONLY: no mount_setattr: remount the attached tree's
                                        * fd through the container's /proc (a procfs, no mount
                                        * crossed); without such a /proc: ENOSYS */
#define RT_F_KEEP_LOCKED   0x200000u /* OP_REMOUNT_KEEP, OP_READONLY with RT_F_REMOUNT_BY_PROC: repeat
                                      * the flags the mount has now (statvfs), which a user
                                      * namespace locks: only the stage can see that mount */
#define RT_F_ALARM_TIMEOUT 0x400000u /* OP_HOOK with a timeout: if pidfd_open fails (a filter may
                                      * refuse it), keep the timeout with alarm(2); without this
                                      * flag that failure is the op's */
#define RT_F_NOSYS_OK      0x800000u /* ENOSYS is not a failure: the kernel has no such thing and
                                      * the op is not needed there (OP_KEYRING) */
#define RT_F_OWNER_AS_IS   0x1000000u /* OP_CONSOLE: an owner rt may not give (EPERM) or a read-only
                                       * devpts (EROFS) leaves the pty's owner as it is */
#define RT_F_COVER_LOCKED  0x2000000u /* OP_HIDE_MOUNT: a mount this namespace may not unmount
                                       * (EINVAL, EPERM: locked by a new user namespace) is
                                       * covered with an empty read-only tmpfs instead */
#define RT_MAX_TREES      1024

/* Why a failure with no OS error happened (rt_msg.value of MSG_ERROR);
 * Go words each (libct/stageerr.go). RT_WHY_ERRNO: the op's call failed
 * with rt_msg.err. */
enum rt_why {
	RT_WHY_ERRNO = 0,
	RT_WHY_PLAN_BAD,      /* the plan could not be read: detail "size", "strings", "op N" */
	RT_WHY_PLAN_END,      /* the plan ended without OP_EXEC */
	RT_WHY_HOOK_STATUS,   /* OP_HOOK exited with status detail */
	RT_WHY_HOOK_SIGNAL,   /* OP_HOOK was killed by signal detail */
	RT_WHY_HOOK_TIMEOUT,  /* OP_HOOK ran past its timeout and was killed */
	RT_WHY_FILTER_SIZE,   /* OP_SECCOMP: the program does not fit the plan */
	RT_WHY_LISTENER_SEND, /* OP_SECCOMP: the notify fd could not be sent (with err) */
	RT_WHY_CLOSE_LEAKED,  /* the fds above the plan's (detail) could not be closed (with err) */
};

/* After OP_READY nobody reads the sync socket: a failure is printed on the
 * process's stderr from a template Go put in the plan. The template is the
 * failing op's own (OP_HOOK: str1 exit status, str2 signal, str3 timeout;
 * OP_EXEC: str0), else OP_READY's str0. The stage only substitutes: %s the
 * detail (a path, a number), %e the OS error (strerror, first letter lower
 * case, as Go's), %% a %. */

/* Messages on the sync socket (SOCK_SEQPACKET), both directions. */
enum rt_msg_type {
	MSG_USERMAP_REQ = 1, /* child → parent: value = pid whose maps to write */
	MSG_PID,             /* child → parent: value = the init's pid */
	MSG_SYNC,            /* child → parent: value = sync id */
	MSG_READY,           /* child → parent */
	MSG_ERROR,           /* child → parent: op, err, value (enum rt_why), detail */
	MSG_CONTINUE,        /* parent → child */
	MSG_SECCOMP_FD,      /* child → parent: the seccomp notify fd (SCM_RIGHTS) */
	MSG_WARNING,         /* child → parent: op, err, value: a failure that does not stop
	                      * the stage (no answer is awaited) */
};

/* Sync points: the arg0 of OP_SYNC, the value of its MSG_SYNC. The stage
 * waits at each for MSG_CONTINUE; the parent does the work named. */
enum rt_sync_id {
	SYNC_CGROUP = 1,     /* the stage is in the container's cgroup (first op) */
	SYNC_HOOKS,          /* before the root switch: prestart, createRuntime,
	                      * createContainer hooks */
	SYNC_TIME_OFFSETS,   /* before the fork: the parent writes the op's str0 into
	                      * the stage's /proc/PID/timens_offsets */
};

/* The exec fifo (OP_WAIT_START): `rt start` writes the length of the state
 * (RT_FIFO_LEN_SIZE bytes, a uint64 in host order) then the state. The init
 * that fails after reading it writes RT_FIFO_NOT_STARTED back; `rt start`
 * finds that byte, or the state, unread (TIOCINQ) once the init's fd is
 * closed, and knows the process never ran. */
#define RT_FIFO_LEN_SIZE 8
#define RT_FIFO_NOT_STARTED '!'
_Static_assert(RT_FIFO_LEN_SIZE == sizeof(uint64_t), "the state's length is a uint64");

/* The seal helper (seal.c): the rt binary started with RT_SEAL_ENV set to
 * the fd of a socket, RT_SEAL_LOWER_ENV to an overlayfs lowerdir value and
 * RT_SEAL_NAME_ENV to the binary's name in it. It answers the binary's
 * O_PATH fd (SCM_RIGHTS) with (0, 0), or no fd with the failed step below
 * and its errno, two int32s. */
#define RT_SEAL_ENV "_RT_SEAL"
#define RT_SEAL_LOWER_ENV "_RT_SEAL_LOWER"
#define RT_SEAL_NAME_ENV "_RT_SEAL_NAME"
enum rt_seal_step {
	RT_SEAL_FSOPEN = 1,  /* fsopen("overlay") */
	RT_SEAL_LOWERDIR,    /* fsconfig lowerdir */
	RT_SEAL_CREATE,      /* fsconfig create */
	RT_SEAL_FSMOUNT,     /* fsmount, read-only */
	RT_SEAL_OPEN,        /* open the binary in the mount */
};

struct rt_msg {
	uint32_t type;
	int32_t value;
	uint32_t op;
	int32_t err;
	char detail[256];
};

#endif
