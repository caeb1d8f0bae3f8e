/* flip DIR A B: swaps the names A and B in DIR (renameat2 RENAME_EXCHANGE)
 * until killed. Each round holds the first arrangement a little longer than
 * the swapped one, so that a runtime that checks A and then uses it by name
 * often sees the first arrangement at the check and the second at the use.
 * Stands for a racing process that shares the rootfs (trust_stage.bats). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static int exchange(int dfd, const char *a, const char *b)
{
	return (int)syscall(SYS_renameat2, dfd, a, dfd, b, RENAME_EXCHANGE);
}

int main(int argc, char **argv)
{
	volatile unsigned long spin;
	int dfd;

	if (argc != 4) {
		fprintf(stderr, "usage: flip DIR A B\n");
		return 2;
	}
	dfd = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || exchange(dfd, argv[2], argv[3]) < 0 || exchange(dfd, argv[2], argv[3]) < 0) {
		perror("flip");
		return 1;
	}
	for (;;) {
		exchange(dfd, argv[2], argv[3]);
		exchange(dfd, argv[2], argv[3]);
		for (spin = 0; spin < 2000; spin++)
			;
	}
}
