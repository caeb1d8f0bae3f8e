/* Masked and read-only paths, and the host mounts --no-pivot hides. Masks
 * and read-only binds are made after the switch of root, by fd: a detached
 * mount (fsmount, open_tree) moved onto an O_PATH fd of the target
 * (move_mount), so no procfs is needed to name either end, and a /proc
 * that the config left out, or that the image made, cannot make them
 * "missing". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "stage.h"

/* attach_at moves the detached mount tree onto the mount point pinned by
 * dfd. Both ends are fds: no path is resolved again, and no procfs of the
 * container's (or of the image's making) is needed to name them. */
static int attach_at(int tree, int dfd)
{
	return (int)syscall(SYS_move_mount, tree, "", dfd, "",
			    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

/* empty_tmpfs makes a detached, empty, read-only tmpfs. */
static int empty_tmpfs(void)
{
	int fs, mnt = -1, err;

	fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) == 0 &&
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
	err = errno;
	close(fs);
	errno = err;
	return mnt;
}

/* null_tree makes a detached bind of the root's /dev/null, which must
 * really be the null device, so that an image cannot make rt bind
 * something else over the path. Without one the path must not stay
 * unmasked, and its ENOENT must not read as "the masked path is absent":
 * ENXIO. */
static int null_tree(void)
{
	struct stat st;
	int nfd, tree, err;

	nfd = open_in_root("/dev/null", O_PATH | O_NOFOLLOW);
	if (nfd < 0 || fstat(nfd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		if (nfd >= 0)
			close(nfd);
		errno = ENXIO;
		return -1;
	}
	tree = (int)syscall(SYS_open_tree, nfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	err = errno;
	close(nfd);
	errno = err;
	return tree;
}

/* op_mask hides a path: a directory under an empty read-only tmpfs,
 * anything else under /dev/null. Only a path that is not there (ENOENT
 * from opening it) may be skipped; once it is open, every failure is one. */
int op_mask(const struct rt_op *op)
{
	struct stat st;
	int dfd, tree = -1, rc = -1, err;

	dfd = open_in_root(op_str(op, 0), O_PATH);
	if (dfd < 0)
		return -1;
	if (fstat(dfd, &st) == 0)
		tree = S_ISDIR(st.st_mode) ? empty_tmpfs() : null_tree();
	if (tree >= 0)
		rc = attach_at(tree, dfd);
	err = errno;
	close(dfd);
	if (tree >= 0)
		close(tree);
	errno = err;
	return rc;
}

/* remount_readonly_by_proc makes the attached mount of tree read-only
 * before Linux 5.12 (no mount_setattr: Go plans RT_F_REMOUNT_BY_PROC): a
 * remount, which takes a path, of
 * the fd's magic link, reached through the container's /proc checked to be
 * a procfs and without crossing a mount inside it (a bind over
 * /proc/self/fd cannot redirect it). Without such a /proc: ENOSYS. With
 * RT_F_KEEP_LOCKED the remount repeats the flags the mount has (a user
 * namespace locks them). */
static int remount_readonly_by_proc(int tree, uint32_t op_flags)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	struct statfs sfs;
	char name[16];
	int proc, fds = -1, rc = -1, err = ENOSYS;

	proc = open_in_root("/proc", O_PATH | O_DIRECTORY);
	if (proc >= 0 && fstatfs(proc, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC)
		fds = (int)syscall(SYS_openat2, proc, "self/fd", &how, sizeof(how));
	if (fds >= 0 && fchdir(fds) == 0) {
		snprintf(name, sizeof(name), "%d", tree);
		rc = mount(NULL, name, NULL, ((op_flags & RT_F_KEEP_LOCKED) ? current_mount_flags(name) : 0) |
			   MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
		err = errno;
		if (fchdir(stage.root_fd) < 0 && rc == 0) {
			rc = -1;
			err = errno;
		}
	}
	if (proc >= 0)
		close(proc);
	if (fds >= 0)
		close(fds);
	errno = err;
	return rc;
}

/* op_readonly makes the path read-only under a bind of itself, as runc
 * does: a recursive clone of what is mounted there is attached over the
 * path, then its top mount made read-only (keeping the flags it has,
 * which a user namespace may have locked). Both go through fds, so no
 * procfs is needed (but before Linux 5.12, for the second). Only a path
 * that is not there (ENOENT from opening it) may be skipped. */
int op_readonly(const struct rt_op *op)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	int dfd, tree, rc = -1, err;

	dfd = open_in_root(op_str(op, 0), O_PATH);
	if (dfd < 0)
		return -1;
	tree = (int)syscall(SYS_open_tree, dfd, "",
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (tree >= 0 && attach_at(tree, dfd) == 0) {
		if (op->flags & RT_F_REMOUNT_BY_PROC)
			rc = remount_readonly_by_proc(tree, op->flags);
		else
			rc = (int)syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr));
	}
	err = errno;
	if (tree >= 0)
		close(tree);
	close(dfd);
	errno = err;
	return rc;
}

/* op_hide_mount takes host mounts out of the container's mount namespace
 * before a move of the root (--no-pivot), where the old root stays
 * underneath: the mount point is made a slave first, so that no unmount
 * propagates to the host, then the arg0 mounts stacked there are detached
 * one by one. With RT_F_COVER_LOCKED a mount this namespace may not
 * unmount (one locked by a new user namespace: EINVAL, or EPERM) is
 * covered with an empty read-only tmpfs instead. */
int op_hide_mount(const struct rt_op *op)
{
	const char *path = op_str(op, 0);
	int64_t i;

	if (mount(NULL, path, NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return -1;
	for (i = 0; i < op->arg[0]; i++) {
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			continue;
		if (!(op->flags & RT_F_COVER_LOCKED) || (errno != EINVAL && errno != EPERM))
			return -1;
		return mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	}
	return 0;
}
