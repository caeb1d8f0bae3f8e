/* startContainer hooks: run by the init, in the container, after `start`. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "stage.h"

/* A hook's stdin: the state, fed as the hook reads it. */
struct feed {
	int fd;     /* write end of the hook's stdin pipe, -1 once done */
	size_t off; /* bytes of the state written so far */
};

static void feed_done(struct feed *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

/* feed_some writes what the pipe takes now. A hook that does not read its
 * stdin (it exited: EPIPE) just stops the feed. */
static void feed_some(struct feed *f)
{
	ssize_t n;

	while (f->fd >= 0 && f->off < stage.start_state_len) {
		n = write(f->fd, stage.start_state + f->off, stage.start_state_len - f->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		f->off += (size_t)n;
	}
	feed_done(f);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll_timeout: milliseconds left until deadline, -1 without a timeout. */
static int poll_timeout(int timeout, long long deadline)
{
	long long left = deadline - now_ms();

	if (timeout <= 0)
		return -1;
	return left > 0 ? (int)left : 0;
}

static volatile sig_atomic_t alarm_rang;

static void on_alarm(int sig)
{
	(void)sig;
	alarm_rang = 1;
}

static void timed_out(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	fail(0, RT_WHY_HOOK_TIMEOUT, "");
}

/* wait_by_alarm is the plan's way without a pidfd (RT_F_ALARM_TIMEOUT): the
 * state is written whole, then the hook waited for, both cut short by
 * SIGALRM after timeout seconds (no SA_RESTART: the blocked call returns
 * EINTR). */
static void wait_by_alarm(pid_t pid, struct feed *f, int timeout)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	siginfo_t info;

	alarm_rang = 0;
	sigaction(SIGALRM, &sa, &old);
	alarm((unsigned)timeout);
	while (f->fd >= 0 && f->off < stage.start_state_len && !alarm_rang) {
		ssize_t n = write(f->fd, stage.start_state + f->off, stage.start_state_len - f->off);

		if (n <= 0 && !(n < 0 && errno == EINTR))
			break;
		if (n > 0)
			f->off += (size_t)n;
	}
	feed_done(f);
	while (!alarm_rang && waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	if (alarm_rang)
		timed_out(pid);
}

/* feed_and_wait feeds the state to the hook while waiting for it to exit,
 * and kills it past timeout seconds (0: none). The state has no size
 * limit: neither a big state nor a hook that never reads stdin can block
 * the init. Without a pidfd (a seccomp profile that refuses it) the plan
 * says what to do: with no timeout the state is written whole, then the
 * hook waited for; with one, RT_F_ALARM_TIMEOUT keeps it by alarm(2), and
 * without that flag the failure is the op's. */
static int feed_and_wait(pid_t pid, struct feed *f, int timeout, uint32_t flags)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), n;
	long long deadline = now_ms() + (long long)timeout * 1000;

	if (pidfd < 0 && timeout > 0 && (flags & RT_F_ALARM_TIMEOUT)) {
		wait_by_alarm(pid, f, timeout);
		return 0;
	}
	if (pidfd < 0 && timeout > 0)
		return -1;
	if (pidfd < 0) {
		feed_some(f);
		return 0;
	}
	fcntl(f->fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = f->fd, .events = POLLOUT } };

		n = poll(p, f->fd >= 0 ? 2 : 1, poll_timeout(timeout, deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			timed_out(pid);
		if (n < 0 || p[0].revents)
			break;
		if (p[1].revents & (POLLERR | POLLHUP))
			feed_done(f);
		else if (p[1].revents & POLLOUT)
			feed_some(f);
	}
	close(pidfd);
	return 0;
}

static int wait_hook(pid_t pid, struct feed *f, const struct rt_op *op)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int status, rc, err;

	/* A hook that does not read its stdin must not kill the init. */
	sigaction(SIGPIPE, &ign, &old);
	rc = feed_and_wait(pid, f, (int)op->arg[0], op->flags);
	err = errno;
	feed_done(f);
	sigaction(SIGPIPE, &old, NULL);
	if (rc < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		errno = err;
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(status))
		fail_number(0, RT_WHY_HOOK_SIGNAL, WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		fail_number(0, RT_WHY_HOOK_STATUS, WEXITSTATUS(status));
	return 0;
}

int op_hook(const struct rt_op *op)
{
	uint32_t first = stage.current + 1, end = first, i;
	size_t nargs = 0, nenv = 0;
	struct feed feed = { .fd = -1 };
	int pipefd[2];
	pid_t pid;

	while (end < stage.nops && (stage.ops[end].code == OP_HOOK_ARG || stage.ops[end].code == OP_HOOK_ENV)) {
		nargs += stage.ops[end].code == OP_HOOK_ARG;
		nenv += stage.ops[end].code == OP_HOOK_ENV;
		end++;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		const char *argv[nargs + 1], *envp[nenv + 1];
		size_t a = 0, e = 0;

		for (i = first; i < end; i++) {
			if (stage.ops[i].code == OP_HOOK_ARG)
				argv[a++] = op_str(&stage.ops[i], 0);
			else
				envp[e++] = op_str(&stage.ops[i], 0);
		}
		argv[a] = NULL;
		envp[e] = NULL;
		if (dup2(pipefd[0], 0) < 0)
			_exit(127);
		execve(op_str(op, 0), (char *const *)argv, (char *const *)envp);
		_exit(127);
	}
	close(pipefd[0]);
	feed.fd = pipefd[1];
	return wait_hook(pid, &feed, op);
}
