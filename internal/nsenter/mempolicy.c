/* NUMA memory policy: set_mempolicy(2) with the mode, flags and nodes Go
 * checked (specconv/mempolicy.go). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "stage.h"

#define RT_MAX_NODES 1024

/* op_mempolicy: str0 lists the nodes, "0,1,5"; none: no mask. */
int op_mempolicy(const struct rt_op *op)
{
	unsigned long mask[RT_MAX_NODES / (8 * sizeof(unsigned long))];
	const size_t word = 8 * sizeof(unsigned long);
	const char *p = op_str(op, 0);
	unsigned long maxnode = 0;
	char *end;
	long rc;

	memset(mask, 0, sizeof(mask));
	while (*p) {
		unsigned long node = strtoul(p, &end, 10);

		if (end == p || node >= RT_MAX_NODES) {
			errno = EINVAL;
			return -1;
		}
		mask[node / word] |= 1UL << (node % word);
		/* The kernel reads maxnode - 1 bits. */
		if (node + 2 > maxnode)
			maxnode = node + 2;
		p = *end == ',' ? end + 1 : end;
	}
	do
		rc = syscall(SYS_set_mempolicy, (int)op->arg[0], maxnode ? mask : NULL, maxnode);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? -1 : 0;
}
