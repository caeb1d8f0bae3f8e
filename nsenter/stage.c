/* The C stage: runs the plan inside the container's namespaces, then execs
 * the user's process. It decides nothing: every operation, its order and its
 * fallbacks come from the plan that Go built. A failure is reported as
 * (op index, errno, detail) and the stage exits; Go writes the sentence. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include "plan.h"
#include "stage.h"

struct stage stage;

/* say_on_stderr writes a failure as one line on the process's stderr, the
 * OS error in Go's words (lower case); a failed exec in runc's: "exec
 * /bin/x: no such file or directory". */
static void say_on_stderr(const struct rt_msg *msg)
{
	char why[128] = "";

	if (msg->err) {
		snprintf(why, sizeof(why), ": %s", strerror(msg->err));
		why[2] = (char)tolower((unsigned char)why[2]);
	}
	if (msg->op < stage.nops && stage.ops[msg->op].code == OP_EXEC)
		dprintf(2, "exec %s%s\n", msg->detail, why);
	else
		dprintf(2, "rt: %s%s\n", msg->detail, why);
}

/* fail reports the current op's failure to the parent and ends the stage
 * with status 255, as runc's init: a process that could not start. */
void fail(int err, const char *fmt, ...)
{
	struct rt_msg msg = { .type = MSG_ERROR, .op = stage.current, .err = err };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg.detail, sizeof(msg.detail), fmt, ap);
	va_end(ap);
	/* After `start`, a byte left in the fifo tells `rt start` that the
	 * process never ran (it then skips the poststart hooks). */
	if (stage.started_fifo > 0 && write(stage.started_fifo, &(char){RT_FIFO_NOT_STARTED}, 1) < 0)
		(void)0;
	/* After READY nobody reads the socket (rt may not have closed it
	 * yet): the process's stderr is the only place left to say it. */
	if (stage.ready || send(stage.sync_fd, &msg, sizeof(msg), MSG_NOSIGNAL) < 0)
		say_on_stderr(&msg);
	_exit(255);
}

void send_msg(uint32_t type, int32_t value)
{
	struct rt_msg msg = { .type = type, .value = value, .op = stage.current };

	if (send(stage.sync_fd, &msg, sizeof(msg), MSG_NOSIGNAL) < 0)
		_exit(1); /* the parent is gone: nobody is left to tell */
}

/* send_warning reports a failure of the current op that does not stop the
 * stage; the parent words it. */
void send_warning(int err, int32_t value)
{
	struct rt_msg msg = { .type = MSG_WARNING, .value = value, .op = stage.current, .err = err };

	if (send(stage.sync_fd, &msg, sizeof(msg), MSG_NOSIGNAL) < 0)
		_exit(1); /* the parent is gone: nobody is left to tell */
}

/* wait_continue blocks until the parent says MSG_CONTINUE. */
void wait_continue(void)
{
	struct rt_msg msg;
	ssize_t n;

	do
		n = recv(stage.sync_fd, &msg, sizeof(msg), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(msg) || msg.type != MSG_CONTINUE)
		_exit(1); /* the parent died or gave up: it cleans up */
}

const char *op_str(const struct rt_op *op, int i)
{
	uint32_t off = op->str[i];

	if (off == RT_STR_NONE)
		return "";
	return stage.strings + off;
}

const char *op_opt(const struct rt_op *op, int i)
{
	const char *s = op_str(op, i);

	return *s ? s : NULL;
}

/* load_plan maps the plan from its memfd and checks that every string
 * offset stays inside the string table. */
static void load_plan(int plan_fd)
{
	struct stat st;
	const struct rt_plan_header *hdr;
	size_t ops_size;
	uint32_t i;
	int j;

	if (fstat(plan_fd, &st) < 0)
		fail(errno, "fstat plan");
	if ((size_t)st.st_size < sizeof(*hdr))
		fail(EINVAL, "plan too short");
	hdr = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, plan_fd, 0);
	if (hdr == MAP_FAILED)
		fail(errno, "mmap plan");
	close(plan_fd);
	ops_size = (size_t)hdr->nops * sizeof(struct rt_op);
	if (hdr->magic != RT_PLAN_MAGIC ||
	    sizeof(*hdr) + ops_size + hdr->strings_len != (size_t)st.st_size)
		fail(EINVAL, "plan header does not match its size");
	stage.ops = (const struct rt_op *)(hdr + 1);
	stage.nops = hdr->nops;
	stage.strings = (const char *)(stage.ops + hdr->nops);
	if (hdr->strings_len > 0 && stage.strings[hdr->strings_len - 1] != '\0')
		fail(EINVAL, "plan string table is not terminated");
	for (i = 0; i < stage.nops; i++)
		for (j = 0; j < 4; j++)
			if (stage.ops[i].str[j] != RT_STR_NONE && stage.ops[i].str[j] >= hdr->strings_len)
				fail(EINVAL, "plan op %u string %d out of range", i, j);
}

static int parse_fd(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || v < 0 || v > 1 << 20)
		return -1;
	if (*end == ',')
		end++;
	return (int)v;
}

/* close_from closes every fd from first on: close_range, else (Linux <
 * 5.9) each fd below the open-files limit. */
static void close_from(int first)
{
	struct rlimit rl;
	rlim_t fd, end = 1 << 20;

	if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < end)
		end = rl.rlim_cur;
	for (fd = (rlim_t)first; fd < end; fd++)
		close((int)fd);
}

/* run_stage is entered from the constructor when the rt binary was started
 * as the C stage. _RT_STAGE is "SYNC_FD,PLAN_FD". It never returns. */
static void run_stage(const char *spec)
{
	const char *comma = strchr(spec, ',');
	int plan_fd;

	stage.sync_fd = parse_fd(spec);
	plan_fd = comma ? parse_fd(comma + 1) : -1;
	if (stage.sync_fd < 0 || plan_fd < 3)
		_exit(1);
	/* rt passes its fds from 3 to the plan's, the last one. Any above it
	 * are the caller's, leaked through rt (a lock, a pipe): the init
	 * must not hold them while it waits for `start`. */
	close_from(plan_fd + 1);
	/* The init must not be dumpable until it execs: /proc/<pid>/exe and
	 * its memory are the rt binary's until then (CVE-2019-5736 class). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	fcntl(stage.sync_fd, F_SETFD, FD_CLOEXEC);
	stage.root_fd = -1;
	unsetenv("_RT_STAGE");
	load_plan(plan_fd);
	for (stage.current = 0; stage.current < stage.nops; stage.current++) {
		const struct rt_op *op = &stage.ops[stage.current];

		if (run_op(op) < 0 && !(op->flags & RT_F_OPTIONAL) &&
		    !((op->flags & RT_F_SKIP_MISSING) && errno == ENOENT))
			fail(errno, "%s", op_detail(op));
	}
	fail(EINVAL, "plan ended without exec");
}

__attribute__((constructor)) static void rt_stage_entry(void)
{
	const char *spec = getenv("_RT_STAGE");

	if (spec)
		run_stage(spec);
}
