/* The handler and its installation: see sigfwd.go for why rt does not use
 * os/signal. The handler only writes one byte to a non-blocking pipe,
 * which is async-signal-safe; it runs on the thread's alternate signal
 * stack (SA_ONSTACK), as every handler in a Go process must, since the
 * signal may land on a goroutine's small stack. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sigfwd.h"

static volatile int fwd_fd = -1;

static void fwd_handler(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	if (write(fwd_fd, &b, 1) < 0) {
		/* A full pipe drops the signal, as a full os/signal channel does. */
	}
	errno = saved;
}

int rt_sigfwd_rtmin(void)
{
	return SIGRTMIN;
}

int rt_sigfwd_old_size(void)
{
	return (int)sizeof(struct sigaction);
}

int rt_sigfwd_catch(int fd, const int *sigs, int n, void *old)
{
	struct sigaction *saved = old;
	struct sigaction sa;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fwd_handler;
	sa.sa_flags = SA_ONSTACK | SA_RESTART;
	sigfillset(&sa.sa_mask);
	fwd_fd = fd;
	for (i = 0; i < n; i++) {
		if (sigaction(sigs[i], &sa, &saved[i]) < 0) {
			int err = errno;

			rt_sigfwd_restore(sigs, i, old);
			return -err;
		}
	}
	return 0;
}

void rt_sigfwd_restore(const int *sigs, int n, const void *old)
{
	const struct sigaction *saved = old;
	int i;

	for (i = 0; i < n; i++)
		sigaction(sigs[i], &saved[i], NULL);
}

int rt_sigfwd_installed(int sig)
{
	struct sigaction sa;

	if (sigaction(sig, NULL, &sa) < 0)
		return -1;
	return sa.sa_handler == fwd_handler;
}
