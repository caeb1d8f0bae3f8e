/* Dispatch from op code to the function that runs it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "stage.h"

static int op_rlimit(const struct rt_op *op)
{
	struct rlimit rl = { .rlim_cur = (rlim_t)op->arg[1], .rlim_max = (rlim_t)op->arg[2] };

	return setrlimit((int)op->arg[0], &rl);
}

/* read_full reads exactly len bytes; the end of the stream is EPIPE. */
static int read_full(int fd, void *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = read(fd, (char *)buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EPIPE;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* op_wait_start blocks until `rt start` writes into the exec fifo: the
 * length of the state (8 bytes, host order), then the state, which the
 * startContainer hooks read. The state has no size limit (pod annotations
 * run to kilobytes): it is read whole into memory mapped for it, while
 * `start` writes what the pipe cannot hold at once. */
static int op_wait_start(const struct rt_op *op)
{
	int fd = (int)op->arg[0];
	uint64_t len;
	char *buf;

	if (read_full(fd, &len, sizeof(len)) < 0)
		return -1;
	if (len > SIZE_MAX / 2) {
		errno = EFBIG;
		return -1;
	}
	buf = mmap(NULL, (size_t)len + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return -1;
	if (read_full(fd, buf, (size_t)len) < 0)
		return -1;
	buf[len] = '\0';
	stage.start_state = buf;
	stage.start_state_len = (size_t)len;
	/* Only now: `start` has written everything, so the failure byte
	 * (fail()) cannot block on a full pipe. */
	stage.started_fifo = fd;
	return 0;
}

/* op_close_from marks every fd from arg0 on close-on-exec: close_range,
 * or with RT_F_FD_LOOP (Go found no CLOSE_RANGE_CLOEXEC, Linux < 5.11)
 * each fd below the open-files limit. */
static int op_close_from(const struct rt_op *op)
{
	struct rlimit rl;
	int fd;

	if (!(op->flags & RT_F_FD_LOOP))
		return (int)syscall(SYS_close_range, (unsigned)op->arg[0], ~0U, CLOSE_RANGE_CLOEXEC);
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	for (fd = (int)op->arg[0]; fd < (int)rl.rlim_cur && fd < 1 << 20; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

static int op_sync(const struct rt_op *op)
{
	int dumpable = (op->flags & RT_F_DUMPABLE) != 0;

	if (dumpable && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return -1;
	send_msg(MSG_SYNC, (int32_t)op->arg[0]);
	wait_continue();
	return dumpable ? prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) : 0;
}

/* op_keyring gives the container a session keyring of its own, so it does
 * not share the caller's. (A kernel without keyrings needs none: Go plans
 * the op with RT_F_NOSYS_OK.) */
static int op_keyring(const struct rt_op *op)
{
	return (int)syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, op_str(op, 0));
}

/* What run_fs_op returns for an op of the other group (no call returns it). */
#define OTHER_GROUP (-2)

/* run_fs_op runs the namespace, mount and filesystem ops. */
static int run_fs_op(const struct rt_op *op)
{
	switch (op->code) {
	case OP_SETNS: return op_setns(op);
	case OP_UNSHARE: return op_unshare(op);
	case OP_USERMAP: return op_usermap();
	case OP_SETID_ROOT: return op_setid_root();
	case OP_FORK: return op_fork();
	case OP_SYNC: return op_sync(op);
	case OP_SETSID: return setsid() < 0 ? -1 : 0;
	case OP_OPEN_ROOT:
		stage.root_fd = open(op_str(op, 0), O_PATH | O_DIRECTORY | O_CLOEXEC);
		return stage.root_fd < 0 ? -1 : 0;
	case OP_MOUNT: return op_mount(op);
	case OP_REMOUNT_KEEP: return op_remount_keep(op);
	case OP_MKDIR: return op_mkdir(op);
	case OP_MKFILE: return op_mkfile(op);
	case OP_MKNOD: return op_mknod(op);
	case OP_SYMLINK: return op_symlink(op);
	case OP_PIVOT_ROOT: return op_pivot_root(op);
	case OP_MOVE_ROOT: return op_move_root(op);
	case OP_SETHOSTNAME: return sethostname(op_str(op, 0), strlen(op_str(op, 0)));
	case OP_SETDOMAINNAME: return setdomainname(op_str(op, 0), strlen(op_str(op, 0)));
	case OP_WRITE_FILE: return op_write_file(op);
	case OP_MASK: return op_mask(op);
	case OP_OPEN_TREE: return op_open_tree(op);
	case OP_MOUNT_SETATTR: return op_mount_setattr(op);
	case OP_IDMAP_TREE: return op_idmap_tree(op);
	case OP_CHROOT:
		if (chdir(op_str(op, 0)) < 0 || chroot(".") < 0)
			return -1;
		return chdir("/");
	case OP_READONLY: return op_readonly(op);
	case OP_HIDE_MOUNT: return op_hide_mount(op);
	}
	return OTHER_GROUP;
}

/* run_proc_op runs the process's ops: console, credentials, exec, hooks. */
static int run_proc_op(const struct rt_op *op)
{
	switch (op->code) {
	case OP_CONSOLE: return op_console(op);
	case OP_RLIMIT: return op_rlimit(op);
	case OP_GROUP: return 0; /* collected by OP_USER */
	case OP_USER: return op_user(op);
	case OP_UMASK: umask((mode_t)op->arg[0]); return 0;
	case OP_CAPS_BOUNDING: return op_caps_bounding(op);
	case OP_CAPS: return op_caps(op);
	case OP_CAPS_AMBIENT: return op_caps_ambient(op);
	case OP_NO_NEW_PRIVS: return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	case OP_CHDIR: return op_chdir(op);
	case OP_ARG: case OP_ENV: return 0; /* collected by OP_EXEC */
	case OP_CLOSE_FROM: return op_close_from(op);
	case OP_READY: send_msg(MSG_READY, 0); stage.ready = stage.current + 1; return 0;
	case OP_WAIT_START: return op_wait_start(op);
	case OP_FIND_EXEC: return op_find_exec(op);
	case OP_EXEC: return op_exec();
	case OP_KEYRING: return op_keyring(op);
	case OP_HOOK: return op_hook(op);
	case OP_HOOK_ARG: case OP_HOOK_ENV: return 0; /* collected by OP_HOOK */
	case OP_SECCOMP: return op_seccomp(op);
	case OP_SCHED: return op_sched(op);
	case OP_IOPRIO: return op_ioprio(op);
	case OP_PERSONALITY: return personality((unsigned long)op->arg[0]) < 0 ? -1 : 0;
	case OP_AFFINITY: return op_affinity(op);
	case OP_PASSWD_HOME: return op_passwd_home(op);
	case OP_MEMPOLICY: return op_mempolicy(op);
	}
	errno = ENOSYS;
	return -1;
}

int run_op(const struct rt_op *op)
{
	int rc = run_fs_op(op);

	return rc == OTHER_GROUP ? run_proc_op(op) : rc;
}

/* op_detail: the string the failing op was about, for the error message. */
const char *op_detail(const struct rt_op *op)
{
	static char buf[64];
	int i;

	if (op->code == OP_FIND_EXEC || op->code == OP_EXEC)
		return stage.exec_path[0] ? stage.exec_path : "";
	if (op->code == OP_HOOK) /* its other strings are words */
		return op_str(op, 0);
	for (i = 1; i >= 0; i--)
		if (*op_str(op, i))
			return op_str(op, i);
	snprintf(buf, sizeof(buf), "%lld", (long long)op->arg[0]);
	return buf;
}
