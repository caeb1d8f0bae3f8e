/* seccomp: load the filter Go compiled (specconv/seccomp.go). The program
 * sits in the plan's string table (str0, arg1 bytes of struct sock_filter,
 * NULs included); arg0 holds the SECCOMP_FILTER_FLAG_* bits. With
 * SECCOMP_FILTER_FLAG_NEW_LISTENER the kernel returns the notify fd: it goes
 * to the parent on the sync socket (MSG_SECCOMP_FD, SCM_RIGHTS), which hands
 * it to the listener, and is closed here. Every syscall after the load runs
 * under the filter, so this does only those: seccomp, sendmsg, close, recv. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "stage.h"

/* send_listener_fd hands fd to the parent with a MSG_SECCOMP_FD message. */
static int send_listener_fd(int fd)
{
	struct rt_msg msg = { .type = MSG_SECCOMP_FD, .value = fd, .op = stage.current };
	struct iovec iov = { .iov_base = &msg, .iov_len = sizeof(msg) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	memset(&control, 0, sizeof(control));
	cmsg = CMSG_FIRSTHDR(&mh);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	do
		n = sendmsg(stage.sync_fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(msg) ? 0 : -1;
}

int op_seccomp(const struct rt_op *op)
{
	/* The plan's header sits right before its ops (see load_plan): its
	 * string table size bounds the program, which may hold NULs and so
	 * is not checked as a string. */
	const struct rt_plan_header *hdr = (const struct rt_plan_header *)(const void *)stage.ops - 1;
	uint64_t off = op->str[0], len = (uint64_t)op->arg[1];
	unsigned int flags = (unsigned int)op->arg[0];
	struct sock_fprog prog;
	long fd;

	if (op->str[0] == RT_STR_NONE || op->arg[1] <= 0 || len % sizeof(struct sock_filter) != 0 ||
	    len / sizeof(struct sock_filter) > BPF_MAXINSNS || off + len > hdr->strings_len)
		fail_number(EINVAL, RT_WHY_FILTER_SIZE, (long long)op->arg[1]);
	prog.len = (unsigned short)(len / sizeof(struct sock_filter));
	prog.filter = (struct sock_filter *)(uintptr_t)(stage.strings + off);
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (fd < 0)
		fail_number(errno, RT_WHY_ERRNO, prog.len); /* Go words it from the op */
	if (!(flags & SECCOMP_FILTER_FLAG_NEW_LISTENER))
		return 0;
	if (send_listener_fd((int)fd) < 0)
		fail(errno, RT_WHY_LISTENER_SEND, "");
	close((int)fd);
	wait_continue(); /* the parent has given the fd to the listener */
	return 0;
}
