/* The seal helper. An unprivileged rt may not mount in its own mount
 * namespace, so the read-only overlayfs that seals its binary (libct's
 * exeseal.go) is made here: the rt binary started with _RT_SEAL=FD, by Go,
 * in a user and mount namespace of its own (clone flags and id maps Go
 * set), before any Go runtime starts. It mounts the overlayfs Go
 * describes, detached, opens the binary in it (O_PATH) and sends that fd
 * on the socket FD. A failure sends (step, errno) instead. It decides
 * nothing: the lowerdir value and the binary's name come from Go (plan.h,
 * RT_SEAL_ENV). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "plan.h"

/* send_result sends the fd (fd >= 0) with one byte, or the failed step
 * and its errno with none. */
static void send_result(int sock, int fd, int32_t step, int32_t err)
{
	int32_t report[2] = { step, err };
	struct iovec iov = { .iov_base = report, .iov_len = sizeof(report) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (fd >= 0) {
		memset(ctl.buf, 0, sizeof(ctl.buf));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		_exit(1);
}

/* seal_open does the steps; it returns the O_PATH fd, or -step with errno
 * set. */
static int seal_open(const char *lowerdir, const char *name)
{
	int fs, mnt, fd;

	fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -RT_SEAL_FSOPEN;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", lowerdir, 0) < 0)
		return -RT_SEAL_LOWERDIR;
	/* as exeseal.go: xino is of no use here, and would log */
	(void)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "xino", "off", 0);
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -RT_SEAL_CREATE;
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
			   MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
	if (mnt < 0)
		return -RT_SEAL_FSMOUNT;
	fd = openat(mnt, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -RT_SEAL_OPEN;
	return fd;
}

__attribute__((constructor)) static void rt_seal_entry(void)
{
	const char *env = getenv(RT_SEAL_ENV), *lower = getenv(RT_SEAL_LOWER_ENV),
		   *name = getenv(RT_SEAL_NAME_ENV);
	char *end;
	long sock;
	int fd;

	if (!env)
		return;
	sock = strtol(env, &end, 10);
	if (end == env || *end || sock < 3 || !lower || !name)
		_exit(1);
	fd = seal_open(lower, name);
	if (fd < 0)
		send_result((int)sock, -1, -fd, errno);
	else
		send_result((int)sock, fd, 0, 0);
	_exit(0);
}
