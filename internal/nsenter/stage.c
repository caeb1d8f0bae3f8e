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

#include "errwords.h"
#include "plan.h"
#include "stage.h"

struct stage stage;

/* template_for: the words Go put in the plan for a failure after READY:
 * the failing op's own, else OP_READY's (plan.h). */
static const char *template_for(const struct rt_msg *msg)
{
	const struct rt_op *op = msg->op < stage.nops ? &stage.ops[msg->op] : NULL;
	const char *own = "";

	if (op && op->code == OP_HOOK && msg->value >= RT_WHY_HOOK_STATUS && msg->value <= RT_WHY_HOOK_TIMEOUT)
		own = op_str(op, 1 + msg->value - RT_WHY_HOOK_STATUS);
	else if (op && op->code == OP_EXEC)
		own = op_str(op, 0);
	if (*own || !stage.ready)
		return own;
	return op_str(&stage.ops[stage.ready - 1], 0);
}

/* errword is Go's word for err (errwords.h), as rt's Go side would say it;
 * the C library's, lower-cased, for one Go has no word for. */
static const char *errword(int err)
{
	static char own[128];

	if (err > 0 && (size_t)err < sizeof(rt_errwords) / sizeof(rt_errwords[0]) && rt_errwords[err])
		return rt_errwords[err];
	snprintf(own, sizeof(own), "%s", strerror(err));
	own[0] = (char)tolower((unsigned char)own[0]);
	return own;
}

/* say_on_stderr prints a failure after READY on the process's stderr: the
 * plan's template with %s the detail and %e the OS error substituted; no
 * word of the stage's own. */
static void say_on_stderr(const struct rt_msg *msg)
{
	const char *t = template_for(msg);
	char why[128] = "", line[1024];
	size_t n = 0;

	if (msg->err)
		snprintf(why, sizeof(why), "%s", errword(msg->err));
	for (; *t && n < sizeof(line) - 1; t++) {
		const char *sub = NULL;

		if (t[0] == '%' && (t[1] == 's' || t[1] == 'e' || t[1] == '%'))
			sub = *++t == 's' ? msg->detail : *t == 'e' ? why : "%";
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s", sub ? sub : (char[2]){ *t, 0 });
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
	}
	line[n] = '\0';
	if (n > 0)
		dprintf(2, "%s\n", line);
}

/* fail reports the current op's failure to the parent, as (op index,
 * errno, why, detail: a path or a number), and ends the stage with status
 * 255, as runc's init: a process that could not start. Go words it. */
void fail(int err, int why, const char *detail)
{
	struct rt_msg msg = { .type = MSG_ERROR, .op = stage.current, .err = err, .value = why };

	snprintf(msg.detail, sizeof(msg.detail), "%s", detail);
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

/* fail_number is fail with a number as the detail. */
void fail_number(int err, int why, long long value)
{
	char detail[32];

	snprintf(detail, sizeof(detail), "%lld", value);
	fail(err, why, detail);
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
 * offset stays inside the string table. It returns the plan's flags. */
static uint32_t load_plan(int plan_fd)
{
	struct stat st;
	const struct rt_plan_header *hdr;
	size_t ops_size;
	uint32_t i;
	int j;

	if (fstat(plan_fd, &st) < 0)
		fail(errno, RT_WHY_PLAN_BAD, "fstat");
	if ((size_t)st.st_size < sizeof(*hdr))
		fail(EINVAL, RT_WHY_PLAN_BAD, "size");
	hdr = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, plan_fd, 0);
	if (hdr == MAP_FAILED)
		fail(errno, RT_WHY_PLAN_BAD, "mmap");
	close(plan_fd);
	ops_size = (size_t)hdr->nops * sizeof(struct rt_op);
	if (hdr->magic != RT_PLAN_MAGIC ||
	    sizeof(*hdr) + ops_size + hdr->strings_len != (size_t)st.st_size)
		fail(EINVAL, RT_WHY_PLAN_BAD, "size");
	stage.ops = (const struct rt_op *)(hdr + 1);
	stage.nops = hdr->nops;
	stage.strings = (const char *)(stage.ops + hdr->nops);
	if (hdr->strings_len > 0 && stage.strings[hdr->strings_len - 1] != '\0')
		fail(EINVAL, RT_WHY_PLAN_BAD, "strings");
	for (i = 0; i < stage.nops; i++)
		for (j = 0; j < 4; j++)
			if (stage.ops[i].str[j] != RT_STR_NONE && stage.ops[i].str[j] >= hdr->strings_len)
				fail_number(EINVAL, RT_WHY_PLAN_BAD, (long long)i);
	return hdr->flags;
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


/* run_stage is entered from the constructor when the rt binary was started
 * as the C stage. _RT_STAGE is "SYNC_FD,PLAN_FD", or "SYNC_FD,PLAN_FD,wait"
 * when rt writes the plan while the stage starts: then the stage waits for
 * MSG_CONTINUE before it maps it. It never returns. */
static void run_stage(const char *spec)
{
	const char *comma = strchr(spec, ',');
	const char *last = comma ? strrchr(comma + 1, ',') : NULL;
	int wait_plan = last && strcmp(last, ",wait") == 0;
	int plan_fd;

	stage.sync_fd = parse_fd(spec);
	plan_fd = comma ? parse_fd(comma + 1) : -1;
	if (stage.sync_fd < 0 || plan_fd < 3)
		_exit(1);
	/* The init must not be dumpable until it execs: /proc/<pid>/exe and
	 * its memory are the rt binary's until then (CVE-2019-5736 class). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	fcntl(stage.sync_fd, F_SETFD, FD_CLOEXEC);
	stage.root_fd = -1;
	unsetenv("_RT_STAGE");
	if (wait_plan)
		wait_continue();
	/* rt passes its fds from 3 to the plan's, the last one; any above it
	 * are the caller's (RT_PLAN_F_KEEP_LEAKED). */
	if (!(load_plan(plan_fd) & RT_PLAN_F_KEEP_LEAKED) &&
	    syscall(SYS_close_range, (unsigned)plan_fd + 1, ~0U, 0) < 0)
		fail_number(errno, RT_WHY_CLOSE_LEAKED, (long long)plan_fd + 1);
	for (stage.current = 0; stage.current < stage.nops; stage.current++) {
		const struct rt_op *op = &stage.ops[stage.current];

		if (run_op(op) < 0 && !(op->flags & RT_F_OPTIONAL) &&
		    !((op->flags & RT_F_SKIP_MISSING) && errno == ENOENT) &&
		    !((op->flags & RT_F_NOSYS_OK) && errno == ENOSYS))
			fail(errno, RT_WHY_ERRNO, op_detail(op));
	}
	fail(EINVAL, RT_WHY_PLAN_END, "");
}

__attribute__((constructor)) static void rt_stage_entry(void)
{
	const char *spec = getenv("_RT_STAGE");

	if (spec)
		run_stage(spec);
}
