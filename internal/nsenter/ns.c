/* Namespaces: join by path, create, user maps, and the fork that makes the
 * container's init. The order is the plan's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/nsfs.h>

#include "stage.h"

/* op_setns joins the namespace at str0 after checking that it is one of
 * type arg0: a path of the wrong type must not be joined as another. */
int op_setns(const struct rt_op *op)
{
	int fd = open(op_str(op, 0), O_RDONLY | O_CLOEXEC);
	int type;

	if (fd < 0)
		return -1;
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0 || type != (int)op->arg[0]) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if (setns(fd, (int)op->arg[0]) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	close(fd);
	return 0;
}

int op_unshare(const struct rt_op *op)
{
	return unshare((int)op->arg[0]);
}

/* op_usermap asks the parent to write this process's uid_map and gid_map
 * (it can: it is outside the new user namespace) and waits until it has.
 * The stage is dumpable meanwhile, as runc's is: an unprivileged parent
 * (or newuidmap) may open /proc/<pid>/uid_map only then. Nothing runs in
 * the new namespace yet that could use the window. */
int op_usermap(void)
{
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return -1;
	send_msg(MSG_USERMAP_REQ, (int32_t)getpid());
	wait_continue();
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int op_setid_root(void)
{
	if (setresgid(0, 0, 0) < 0)
		return -1;
	return setresuid(0, 0, 0);
}

/* op_fork makes the container's init: a new or joined PID namespace only
 * applies to children. The parent reports the init's pid and leaves; the
 * child waits for that (the pipe's EOF), so that the parent hears the pid
 * before anything the child says. */
int op_fork(void)
{
	int order[2];
	pid_t pid;
	char c;

	if (pipe2(order, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		send_msg(MSG_PID, (int32_t)pid);
		_exit(0);
	}
	close(order[1]);
	while (read(order[0], &c, 1) < 0 && errno == EINTR)
		;
	close(order[0]);
	return 0;
}
