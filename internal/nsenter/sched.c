/* Scheduling: policy and attributes, I/O priority, CPU affinity. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "stage.h"

struct rt_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

int op_sched(const struct rt_op *op)
{
	struct rt_sched_attr attr = { .size = sizeof(attr) };
	char *end;

	attr.sched_policy = (uint32_t)((uint64_t)op->arg[0] & 0xffffffff);
	attr.sched_flags = (uint64_t)op->arg[0] >> 32;
	attr.sched_nice = (int32_t)((uint64_t)op->arg[1] & 0xffffffff);
	attr.sched_priority = (uint32_t)((uint64_t)op->arg[1] >> 32);
	attr.sched_runtime = (uint64_t)op->arg[2];
	attr.sched_deadline = strtoull(op_str(op, 0), &end, 10);
	attr.sched_period = strtoull(end, NULL, 10);
	return (int)syscall(SYS_sched_setattr, 0, &attr, 0);
}

int op_ioprio(const struct rt_op *op)
{
	const int who_process = 1;

	return (int)syscall(SYS_ioprio_set, who_process, 0, (int)op->arg[0]);
}

/* op_affinity: str0 lists the cpus, "0,1,5"; "" is every cpu (the kernel
 * clamps the mask to its cpus and the task's cpuset). */
int op_affinity(const struct rt_op *op)
{
	const char *p = op_str(op, 0);
	size_t size = CPU_ALLOC_SIZE(8192);
	cpu_set_t set[8192 / (8 * sizeof(cpu_set_t)) + 1];
	char *end;

	memset(set, *p ? 0 : 0xff, sizeof(set));
	while (*p) {
		unsigned long cpu = strtoul(p, &end, 10);

		if (end == p || cpu >= 8192) {
			errno = EINVAL;
			return -1;
		}
		CPU_SET_S(cpu, size, set);
		p = *end == ',' ? end + 1 : end;
	}
	return sched_setaffinity(0, size, set);
}
