/* Mount attributes through mount_setattr(2): the recursive options (rro,
 * rnosuid, the ratime family...) on a mount once it is made, and the id
 * mapping of a detached bind tree before it is attached. What to set, how
 * deep, and which user namespace carries the mapping come from the plan. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <linux/mount.h>
#include <sys/syscall.h>

#include "stage.h"

static int do_setattr(int dfd, const char *path, unsigned flags, struct mount_attr *attr)
{
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, sizeof(*attr));
}

/* op_mount_setattr changes the attributes of the mount at str1, and with
 * AT_RECURSIVE those of every mount below it. Inside the root the target is
 * pinned by an O_PATH fd, so a symlink cannot redirect it. */
int op_mount_setattr(const struct rt_op *op)
{
	struct mount_attr attr = {
		.attr_set = (uint64_t)op->arg[0],
		.attr_clr = (uint64_t)op->arg[1],
	};
	unsigned flags = (unsigned)op->arg[2] & AT_RECURSIVE;
	int dfd, rc, err;

	if (!(op->flags & RT_F_IN_ROOT))
		return do_setattr(AT_FDCWD, op_str(op, 1), flags, &attr);
	dfd = open_in_root(op_str(op, 1), O_PATH);
	if (dfd < 0)
		return -1;
	rc = do_setattr(dfd, "", flags | AT_EMPTY_PATH, &attr);
	err = errno;
	close(dfd);
	errno = err;
	return rc;
}

/* op_idmap_tree gives a detached tree (OP_OPEN_TREE) the id mapping of the
 * user namespace whose fd the parent passed down. The kernel allows it only
 * on a mount not yet attached, and only to a caller privileged over the
 * filesystem: it runs before the stage enters a new user namespace. */
int op_idmap_tree(const struct rt_op *op)
{
	int slot = (int)op->arg[0], userns = (int)op->arg[1], rc, err;
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_IDMAP,
		.userns_fd = (uint64_t)userns,
	};

	if (slot < 0 || slot >= RT_MAX_TREES || stage.trees[slot] <= 0 || userns < 0) {
		errno = EBADF;
		return -1;
	}
	rc = do_setattr(stage.trees[slot], "", AT_EMPTY_PATH | ((unsigned)op->arg[2] & AT_RECURSIVE),
			   &attr);
	err = errno;
	if (op->flags & RT_F_CLOSE_FD)
		close(userns);
	errno = err;
	return rc;
}
