/* The process: console, credentials, capabilities, working directory,
 * executable and the final exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "stage.h"

static int send_fd(int sock, int fd)
{
	char data = 'p';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	memset(ctl.buf, 0, sizeof(ctl.buf));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* bind_console makes /dev/console the pty: the node is resolved in the
 * root and the pty is bound from its fd, never from a path. */
static int bind_console(int peer)
{
	char src[64], dst[64];
	int fd = open_in_root("/dev/console", O_PATH | O_NOFOLLOW), rc, err;
	struct stat st;

	if (fd < 0)
		return -1;
	/* Only a file or a device may be covered: an image's symlink (to
	 * core_pattern, say) must not take the pty mount (CVE-2025-52565). */
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
		close(fd);
		errno = ELOOP;
		return -1;
	}
	snprintf(src, sizeof(src), "/proc/self/fd/%d", peer);
	snprintf(dst, sizeof(dst), "/proc/self/fd/%d", fd);
	rc = mount(src, dst, NULL, MS_BIND, NULL);
	err = errno;
	close(fd);
	errno = err;
	return rc;
}

/* set_up_pty gives the pty to the process user (arg2, -1: none), as runc's
 * init does for its stdio; with RT_F_OWNER_AS_IS an owner outside rt's
 * reach (EPERM) or a read-only /dev/pts (EROFS) leaves it as it is. With
 * RT_F_CLEAR_ONLCR the output is left as the process wrote it. */
static int set_up_pty(const struct rt_op *op, int peer)
{
	struct termios t;

	if (op->arg[2] >= 0 && fchown(peer, (uid_t)op->arg[2], (gid_t)-1) < 0 &&
	    !((op->flags & RT_F_OWNER_AS_IS) && (errno == EPERM || errno == EROFS)))
		return -1;
	if (!(op->flags & RT_F_CLEAR_ONLCR))
		return 0;
	if (tcgetattr(peer, &t) < 0)
		return -1;
	t.c_oflag &= ~(tcflag_t)ONLCR;
	return tcsetattr(peer, TCSANOW, &t);
}

/* op_console opens a pty in the container's devpts, sends the master to
 * the console socket and makes the peer the controlling terminal and stdio.
 * The peer comes from TIOCGPTPEER, never from a path an image could swap. */
int op_console(const struct rt_op *op)
{
	struct winsize ws = { .ws_row = (unsigned short)(op->arg[1] >> 16), .ws_col = (unsigned short)op->arg[1] };
	int unlock = 0, master, peer, i;
	struct stat st;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return -1;
	if (fstat(master, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 5) {
		close(master);
		errno = ENOTTY;
		return -1;
	}
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return -1;
	if ((ws.ws_row || ws.ws_col) && ioctl(master, TIOCSWINSZ, &ws) < 0)
		return -1;
	peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (peer < 0 || set_up_pty(op, peer) < 0)
		return -1;
	if ((op->flags & RT_F_BIND_CONSOLE) && bind_console(peer) < 0)
		return -1;
	if (send_fd((int)op->arg[0], master) < 0)
		return -1;
	close(master);
	close((int)op->arg[0]);
	if (ioctl(peer, TIOCSCTTY, 0) < 0)
		return -1;
	for (i = 0; i < 3; i++)
		if (dup2(peer, i) < 0)
			return -1;
	if (peer > 2)
		close(peer);
	return 0;
}

/* op_user switches to the process user: groups first, then gid, then uid,
 * keeping the permitted capabilities for OP_CAPS to set. */
int op_user(const struct rt_op *op)
{
	static gid_t groups[NGROUPS_MAX]; /* 256 KiB: never on the stack (RLIMIT_STACK) */
	size_t n = 0;
	uint32_t i;

	for (i = 0; i < stage.nops && n < NGROUPS_MAX; i++)
		if (stage.ops[i].code == OP_GROUP)
			groups[n++] = (gid_t)stage.ops[i].arg[0];
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -1;
	if (!(op->flags & RT_F_NO_SETGROUPS) && setgroups(n, groups) < 0)
		return -1;
	if (setresgid((gid_t)op->arg[1], (gid_t)op->arg[1], (gid_t)op->arg[1]) < 0)
		return -1;
	return setresuid((uid_t)op->arg[0], (uid_t)op->arg[0], (uid_t)op->arg[0]);
}

/* op_caps_bounding drops from the bounding set every capability up to
 * arg1 (the kernel's last, which Go read) that is not in arg0. */
int op_caps_bounding(const struct rt_op *op)
{
	int cap;

	for (cap = 0; cap <= (int)op->arg[1] && cap < 64; cap++)
		if (!((uint64_t)op->arg[0] & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -1;
	return 0;
}

int op_caps(const struct rt_op *op)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int i;

	for (i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)((uint64_t)op->arg[0] >> (32 * i));
		data[i].permitted = (uint32_t)((uint64_t)op->arg[1] >> (32 * i));
		data[i].inheritable = (uint32_t)((uint64_t)op->arg[2] >> (32 * i));
	}
	return (int)syscall(SYS_capset, &hdr, data);
}

int op_caps_ambient(const struct rt_op *op)
{
	int cap;

	/* As runc: one that cannot be raised is a warning, the rest still are. */
	for (cap = 0; cap < 64; cap++)
		if (((uint64_t)op->arg[0] & (1ULL << cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			send_warning(errno, cap);
	return 0;
}

/* Which RT_F_DEFER_DENIED ops were denied to rt: their RT_F_REDO twins run. */
static int chdir_denied, find_exec_denied;

static int denied(int err)
{
	return err == EACCES || err == EPERM;
}

/* chdir_checked enters path by name, then makes sure the result is under
 * the root: getcwd fails for a directory outside it (the CVE-2024-21626
 * class). These are the only calls runc's init makes for the cwd. Only the
 * RT_F_REDO op does this, as the user, where Go planned it. */
static int chdir_checked(const char *path)
{
	static char cwd[PATH_MAX];

	if (chdir(path) < 0)
		return -1;
	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/') {
		errno = EXDEV;
		return -1;
	}
	return 0;
}

static int chdir_in_root(const char *path)
{
	int fd, rc, err;

	if (stage.root_fd < 0)
		stage.root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = open_in_root(path, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return -1;
	rc = fchdir(fd);
	err = errno;
	close(fd);
	errno = err;
	return rc;
}

/* op_chdir enters the working directory resolved inside the root, so a
 * cwd such as /proc/self/fd/N (a host directory leaked by fd) is refused
 * (the CVE-2024-21626 class). RT_F_DEFER_DENIED: a denial to rt is left to
 * the RT_F_REDO op, run as the user. */
int op_chdir(const struct rt_op *op)
{
	if (op->flags & RT_F_REDO)
		return chdir_denied ? chdir_checked(op_str(op, 0)) : 0;
	if (chdir_in_root(op_str(op, 0)) == 0)
		return 0;
	if ((op->flags & RT_F_DEFER_DENIED) && denied(errno)) {
		chdir_denied = 1;
		return 0;
	}
	return -1;
}

/* exec_argv and exec_envp are built once, off the stack (their size is
 * the config's), before the rlimits and the filter: op_exec only execs. */
static char **exec_argv, **exec_envp;

static int prepare_exec(void)
{
	size_t nargs = 0, nenv = 0, a = 0, e = 0;
	char **v;
	uint32_t i;

	for (i = 0; i < stage.nops; i++) {
		nargs += stage.ops[i].code == OP_ARG;
		nenv += stage.ops[i].code == OP_ENV || stage.ops[i].code == OP_PASSWD_HOME;
	}
	v = mmap(NULL, (nargs + nenv + 2) * sizeof(char *), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v == MAP_FAILED)
		return -1;
	exec_argv = v;
	exec_envp = v + nargs + 1;
	for (i = 0; i < stage.nops; i++) {
		if (stage.ops[i].code == OP_ARG)
			exec_argv[a++] = (char *)op_str(&stage.ops[i], 0);
		else if (stage.ops[i].code == OP_ENV)
			exec_envp[e++] = (char *)op_str(&stage.ops[i], 0);
		else if (stage.ops[i].code == OP_PASSWD_HOME)
			exec_envp[e++] = (char *)passwd_home_env();
	}
	exec_argv[a] = NULL;
	exec_envp[e] = NULL;
	return 0;
}

static int executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EACCES;
		return -1;
	}
	return faccessat(AT_FDCWD, path, X_OK, AT_EACCESS);
}

/* find_exec takes the first of the paths Go listed (str0: each ended by
 * a NUL, the list by an empty one) that can be run. For a search of
 * $PATH (arg0), none found is ENOENT, or EACCES if one was denied, named
 * by argv[0]; for one path, its own error. */
static int find_exec(const struct rt_op *op)
{
	const char *p = op_str(op, 0);
	int saw_eacces = 0;

	for (; *p; p += strlen(p) + 1) {
		snprintf(stage.exec_path, sizeof(stage.exec_path), "%s", p);
		if (executable(p) == 0)
			return 0;
		if (!op->arg[0])
			return -1;
		if (errno == EACCES)
			saw_eacces = 1;
	}
	snprintf(stage.exec_path, sizeof(stage.exec_path), "%s", exec_argv[0] ? exec_argv[0] : "");
	errno = saw_eacces ? EACCES : ENOENT;
	return -1;
}

/* op_find_exec resolves argv[0] before the container is reported ready,
 * so that create fails if it is missing. RT_F_DEFER_DENIED: a denial to
 * rt, or a cwd denied to rt (a relative argv[0] needs it), is left to the
 * RT_F_REDO op, run as the user. */
int op_find_exec(const struct rt_op *op)
{
	if (!exec_argv && prepare_exec() < 0)
		return -1;
	if (op->flags & RT_F_REDO)
		return find_exec_denied ? find_exec(op) : 0;
	if ((op->flags & RT_F_DEFER_DENIED) && chdir_denied) {
		find_exec_denied = 1;
		return 0;
	}
	if (find_exec(op) == 0)
		return 0;
	if ((op->flags & RT_F_DEFER_DENIED) && denied(errno)) {
		find_exec_denied = 1;
		return 0;
	}
	return -1;
}

int op_exec(void)
{
	if (!exec_argv && prepare_exec() < 0)
		return -1;
	execve(stage.exec_path, exec_argv, exec_envp);
	return -1;
}
