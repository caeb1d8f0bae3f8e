/* startContainer hooks: run by the init, in the container, after `start`. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "stage.h"

static void write_state(int fd, const char *state)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	size_t len = strlen(state), off = 0;
	ssize_t n;

	/* A hook that does not read its stdin must not kill the init. */
	sigaction(SIGPIPE, &ign, &old);
	while (off < len) {
		n = write(fd, state + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	sigaction(SIGPIPE, &old, NULL);
}

/* wait_hook waits for pid, killing it past timeout seconds (0: none). */
static int wait_hook(pid_t pid, int timeout)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), status;
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	if (pidfd >= 0 && timeout > 0) {
		int n;

		do
			n = poll(&pfd, 1, timeout * 1000);
		while (n < 0 && errno == EINTR);
		if (n == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			close(pidfd);
			fail(0, "startContainer hook %s timed out", op_str(&stage.ops[stage.current], 0));
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(status))
		fail(0, "startContainer hook %s killed by signal %d", op_str(&stage.ops[stage.current], 0), WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		fail(0, "startContainer hook %s exited with status %d", op_str(&stage.ops[stage.current], 0), WEXITSTATUS(status));
	return 0;
}

int op_hook(const struct rt_op *op)
{
	uint32_t first = stage.current + 1, end = first, i;
	size_t nargs = 0, nenv = 0;
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
	write_state(pipefd[1], stage.start_state);
	close(pipefd[1]);
	return wait_hook(pid, (int)op->arg[0]);
}
