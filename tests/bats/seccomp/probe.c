/* probe: makes one raw syscall for tests/bats/seccomp.bats and prints what
 * came back, "NAME: ok" or "NAME: errno N (text)". busybox cannot make raw
 * syscalls; this is built with `gcc -static` at test time. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int report(const char *name, long ret)
{
	if (ret < 0) {
		int err = errno;

		printf("%s: errno %d (%s)\n", name, err, strerror(err));
		return 1;
	}
	printf("%s: ok\n", name);
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	char buf[4096];

	if (!strcmp(what, "clone3"))
		/* NULL args: a kernel that has clone3 says EFAULT or EINVAL */
		return report(what, syscall(SYS_clone3, NULL, 0));
	if (!strcmp(what, "getcwd"))
		return report(what, syscall(SYS_getcwd, buf, sizeof(buf)));
	if (!strcmp(what, "personality") && argc > 2)
		return report(what, syscall(SYS_personality, strtoul(argv[2], NULL, 0)));
	if (!strcmp(what, "socket") && argc > 2) {
		int family = !strcmp(argv[2], "inet") ? AF_INET : !strcmp(argv[2], "inet6") ? AF_INET6 : AF_UNIX;

		return report(what, syscall(SYS_socket, family, SOCK_STREAM, 0));
	}
	if (!strcmp(what, "mkdir") && argc > 2)
		return report(what, syscall(SYS_mkdir, argv[2], 0755));
	fprintf(stderr, "usage: probe clone3|getcwd|personality N|socket inet|inet6|unix|mkdir PATH\n");
	return 2;
}
