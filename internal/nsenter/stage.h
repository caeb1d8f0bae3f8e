/* Shared state and helpers of the C stage. */
#ifndef RT_STAGE_H
#define RT_STAGE_H

#include <stdint.h>
#include <sys/types.h>
#include "plan.h"

struct stage {
	int sync_fd;                /* socketpair end shared with the Go parent */
	int root_fd;                /* O_PATH fd of the rootfs (or of / after pivot) */
	const struct rt_op *ops;
	uint32_t nops;
	uint32_t current;           /* index of the op being run, for errors */
	const char *strings;
	char exec_path[4096];       /* argv[0] resolved by OP_FIND_EXEC */
	int trees[RT_MAX_TREES];    /* fds of OP_OPEN_TREE, by slot */
	char *start_state;          /* what `rt start` wrote into the fifo (any size) */
	size_t start_state_len;
	int started_fifo;           /* the fifo after `start`: a failure is written back to it */
	uint32_t ready;             /* OP_READY ran (its index + 1): nobody reads the socket any
	                             * more, and its str0 words later failures */
};

extern struct stage stage;

/* fail: (errno, enum rt_why, detail: a path or a number), never words. */
void fail(int err, int why, const char *detail) __attribute__((noreturn));
void fail_number(int err, int why, long long value) __attribute__((noreturn));
void send_msg(uint32_t type, int32_t value);
void send_warning(int err, int32_t value);
void wait_continue(void);
/* op_str: string i of op ("" if none); op_opt: the same, NULL if empty. */
const char *op_str(const struct rt_op *op, int i);
const char *op_opt(const struct rt_op *op, int i);

/* run_op executes one op: 0, or -1 with errno set. */
int run_op(const struct rt_op *op);
/* op_detail names what the failed op was working on (a path, mostly). */
const char *op_detail(const struct rt_op *op);

/* ns.c */
int op_setns(const struct rt_op *op);
int op_unshare(const struct rt_op *op);
int op_usermap(void);
int op_setid_root(void);
int op_fork(void);

/* fs.c */
int open_in_root(const char *path, int flags);
int op_mount(const struct rt_op *op);
int op_remount_keep(const struct rt_op *op);
unsigned long current_mount_flags(const char *path);
int op_mkdir(const struct rt_op *op);
int op_mkfile(const struct rt_op *op);
int op_mknod(const struct rt_op *op);
int op_symlink(const struct rt_op *op);
int op_pivot_root(const struct rt_op *op);
int op_move_root(const struct rt_op *op);
int op_write_file(const struct rt_op *op);
int op_open_tree(const struct rt_op *op);

/* mountattr.c */
int op_mount_setattr(const struct rt_op *op);
int op_idmap_tree(const struct rt_op *op);

/* masks.c */
int op_mask(const struct rt_op *op);
int op_readonly(const struct rt_op *op);
int op_hide_mount(const struct rt_op *op);

/* proc.c */
int op_console(const struct rt_op *op);
int op_user(const struct rt_op *op);
int op_caps_bounding(const struct rt_op *op);
int op_caps(const struct rt_op *op);
int op_caps_ambient(const struct rt_op *op);
int op_chdir(const struct rt_op *op);
int op_find_exec(const struct rt_op *op);
int op_exec(void);

/* home.c */
int op_passwd_home(const struct rt_op *op);
const char *passwd_home_env(void); /* "HOME=...", once OP_PASSWD_HOME ran */

/* hook.c */
int op_hook(const struct rt_op *op);

/* sched.c */
int op_sched(const struct rt_op *op);
int op_ioprio(const struct rt_op *op);
int op_affinity(const struct rt_op *op);
int op_mempolicy(const struct rt_op *op);

/* seccomp.c */
int op_seccomp(const struct rt_op *op);

#endif
