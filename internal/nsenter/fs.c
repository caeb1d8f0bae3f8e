/* Filesystem operations. Paths inside the rootfs are resolved with the
 * rootfs as root (openat2 RESOLVE_IN_ROOT) and used through their fd, so a
 * symlink planted in the image cannot send an operation onto the host. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "stage.h"

int open_in_root(const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, stage.root_fd, path, &how, sizeof(how));
}

static void fd_path(char *buf, size_t size, int fd)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}

/* split_parent opens the parent directory of path inside the root and
 * points *name at the last component. */
static int open_parent(const char *path, char *copy, size_t size, const char **name)
{
	char *slash;

	if (strlen(path) >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(copy, path);
	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = '\0';
	slash = strrchr(copy, '/');
	if (!slash) {
		*name = copy;
		return open_in_root("/", O_PATH | O_DIRECTORY);
	}
	*slash = '\0';
	*name = slash + 1;
	return open_in_root(copy[0] ? copy : "/", O_PATH | O_DIRECTORY);
}

/* mkdir_in_root is mkdir -p inside the root: every prefix is resolved in
 * the root again, so a symlinked component stays inside it. */
static int mkdir_in_root(const char *path, mode_t mode)
{
	char prefix[PATH_MAX];
	size_t len = strlen(path), i;

	if (len >= sizeof(prefix)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (i = 1; i <= len; i++) {
		const char *name;
		char parent[PATH_MAX];
		int fd, pfd;

		if (i < len && path[i] != '/')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		fd = open_in_root(prefix, O_PATH | O_DIRECTORY);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		if (errno != ENOENT)
			return -1;
		pfd = open_parent(prefix, parent, sizeof(parent), &name);
		if (pfd < 0)
			return -1;
		if (mkdirat(pfd, name, mode) < 0 && errno != EEXIST) {
			int err = errno;

			close(pfd);
			errno = err;
			return -1;
		}
		close(pfd);
	}
	return 0;
}

int op_mkdir(const struct rt_op *op)
{
	return mkdir_in_root(op_str(op, 0), (mode_t)op->arg[0]);
}

int op_mkfile(const struct rt_op *op)
{
	const char *path = op_str(op, 0), *name;
	char parent[PATH_MAX], copy[PATH_MAX];
	int fd = open_in_root(path, O_PATH), pfd;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	strncpy(copy, path, sizeof(copy) - 1);
	copy[sizeof(copy) - 1] = '\0';
	*strrchr(copy, '/') = '\0';
	if (copy[0] && mkdir_in_root(copy, 0755) < 0)
		return -1;
	pfd = open_parent(path, parent, sizeof(parent), &name);
	if (pfd < 0)
		return -1;
	fd = openat(pfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
		    (mode_t)op->arg[0]);
	close(pfd);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* target_path gives the path to pass to mount(2) for str[i]: inside the
 * root it is the magic link of an O_PATH fd to the resolved target. */
static int target_path(const struct rt_op *op, int i, int in_root, char *buf, size_t size, int *fd)
{
	const char *path = op_str(op, i);

	*fd = -1;
	if (!*path) {
		buf[0] = '\0';
		return 0;
	}
	if (!in_root) {
		snprintf(buf, size, "%s", path);
		return 0;
	}
	/* A symlink's target is refused with ENOTDIR. */
	*fd = open_in_root(path, i == 1 && (op->flags & RT_F_ORDINARY_DIR) ? O_PATH | O_NOFOLLOW | O_DIRECTORY : O_PATH);
	if (*fd < 0)
		return -1;
	fd_path(buf, size, *fd);
	return 0;
}

/* op_open_tree clones the mount at a host path into a detached tree. Taken
 * while the stage is still host root, it reaches sources that a root in a
 * new user namespace could not (a parent directory with mode 0700). */
int op_open_tree(const struct rt_op *op)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (unsigned)op->arg[1];
	int slot = (int)op->arg[0], fd;

	if (slot < 0 || slot >= RT_MAX_TREES) {
		errno = EINVAL;
		return -1;
	}
	fd = (int)syscall(SYS_open_tree, AT_FDCWD, op_str(op, 0), flags);
	if (fd < 0)
		return -1;
	stage.trees[slot] = fd;
	return 0;
}

/* attach_tree moves a detached tree onto the target fd. */
static int attach_tree(const struct rt_op *op)
{
	int slot = (int)op->arg[1], dfd, rc, err;

	if (slot < 0 || slot >= RT_MAX_TREES || stage.trees[slot] <= 0) {
		errno = EBADF;
		return -1;
	}
	dfd = open_in_root(op_str(op, 1), O_PATH);
	if (dfd < 0)
		return -1;
	rc = (int)syscall(SYS_move_mount, stage.trees[slot], "", dfd, "",
			  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	err = errno;
	close(dfd);
	close(stage.trees[slot]);
	stage.trees[slot] = -1;
	errno = err;
	return rc;
}

int copy_up(int under_fd, const char *target);

/* make_tmpfs_target makes the missing target of an RT_F_TMPFS_MODE mount
 * (mkdir -p, 0755) and says so in *made: that tmpfs keeps the kernel's
 * default mode, as runc's does. */
static int make_tmpfs_target(const char *path, int *made)
{
	int fd = open_in_root(path, O_PATH);

	*made = 0;
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno != ENOENT)
		return -1;
	*made = 1;
	return mkdir_in_root(path, 0755);
}

/* tmpfs_mode_data writes into buf "mode=" with the mode of the directory
 * the tmpfs covers, then the plan's data, where a mode= would still win. */
static int tmpfs_mode_data(int dfd, const char *dst, const char *data, char *buf, size_t size)
{
	struct stat st;
	int n;

	if ((dfd >= 0 ? fstat(dfd, &st) : stat(dst, &st)) < 0)
		return -1;
	n = snprintf(buf, size, "mode=%04o%s%s", (unsigned)(st.st_mode & 07777), data ? "," : "",
		     data ? data : "");
	if (n < 0 || (size_t)n >= size) {
		errno = E2BIG;
		return -1;
	}
	return 0;
}

int op_mount(const struct rt_op *op)
{
	char src[64 + PATH_MAX], dst[64 + PATH_MAX], data[4096];
	const char *opts = op_opt(op, 3);
	int sfd = -1, dfd = -1, rc = -1, err, made = 0;

	if (op->flags & RT_F_SRC_TREE)
		return attach_tree(op);
	if ((op->flags & RT_F_TMPFS_MODE) && make_tmpfs_target(op_str(op, 1), &made) < 0)
		return -1;
	if (target_path(op, 0, op->flags & RT_F_SRC_IN_ROOT, src, sizeof(src), &sfd) < 0 ||
	    target_path(op, 1, op->flags & RT_F_IN_ROOT, dst, sizeof(dst), &dfd) < 0)
		goto out;
	if ((op->flags & RT_F_TMPFS_MODE) && !made) {
		if (tmpfs_mode_data(dfd, dst, opts, data, sizeof(data)) < 0)
			goto out;
		opts = data;
	}
	rc = mount(op_opt(op, 0) ? src : NULL, dst, op_opt(op, 2), (unsigned long)op->arg[0], opts);
	if (rc == 0 && (op->flags & RT_F_COPYUP))
		rc = copy_up(dfd, op_str(op, 1));
out:
	err = errno;
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	errno = err;
	return rc;
}

/* Mount flags a remount must repeat: in a user namespace those set on the
 * source are locked, and leaving one out fails with EPERM. Read only for
 * an op with RT_F_KEEP_LOCKED: the mount is one the stage made (a bind
 * inside the container), which Go cannot see; Go says which of them to
 * repeat (OP_REMOUNT_KEEP's arg1). */
unsigned long current_mount_flags(const char *path)
{
	static const struct { unsigned long st, ms; } table[] = {
		{ ST_RDONLY, MS_RDONLY }, { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC }, { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	struct statvfs sv;
	unsigned long flags = 0;
	size_t i;

	if (statvfs(path, &sv) < 0)
		return 0;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (sv.f_flag & table[i].st)
			flags |= table[i].ms;
	return flags;
}

int op_remount_keep(const struct rt_op *op)
{
	char dst[64 + PATH_MAX];
	unsigned long flags;
	int dfd, rc, err;

	if (target_path(op, 1, op->flags & RT_F_IN_ROOT, dst, sizeof(dst), &dfd) < 0)
		return -1;
	flags = (unsigned long)op->arg[0] | MS_REMOUNT | MS_BIND;
	if (op->flags & RT_F_KEEP_LOCKED)
		flags |= current_mount_flags(dst) & (unsigned long)op->arg[1];
	rc = mount(NULL, dst, NULL, flags, NULL);
	err = errno;
	if (dfd >= 0)
		close(dfd);
	errno = err;
	return rc;
}

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* chmod_fd sets the mode of what an O_PATH fd holds (fchmod refuses such
 * an fd): fchmodat2 with AT_EMPTY_PATH (Linux 6.6), or with by_proc (Go
 * found no fchmodat2: RT_F_CHMOD_BY_PROC) the fd's magic link, which names
 * the inode itself and is never a symlink to follow. */
static int chmod_fd(int fd, mode_t mode, int by_proc)
{
	char path[64];

	if (!by_proc)
		return (int)syscall(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH);
	fd_path(path, sizeof(path), fd);
	return chmod(path, mode);
}

/* set_node_attrs gives the node name in pfd its owner and mode through an
 * O_PATH fd opened without following a symlink, after checking that it is
 * the node asked for: a symlink planted or swapped in at the path never
 * has its target changed (fchmodat has no no-follow of its own). */
static int set_node_attrs(int pfd, const char *name, const struct rt_op *op)
{
	mode_t mode = (mode_t)op->arg[0];
	dev_t dev = (dev_t)op->arg[1];
	int64_t owner = op->arg[2];
	struct stat st;
	int fd, rc = -1, err;

	fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto out;
	if ((st.st_mode & S_IFMT) != (mode & S_IFMT) || st.st_rdev != dev) {
		errno = EEXIST;
		goto out;
	}
	if (fchownat(fd, "", (uid_t)(owner >> 32), (gid_t)(owner & 0xffffffff), AT_EMPTY_PATH) < 0)
		goto out;
	rc = chmod_fd(fd, mode & 07777, op->flags & RT_F_CHMOD_BY_PROC);
out:
	err = errno;
	close(fd);
	errno = err;
	return rc;
}

/* op_mknod creates a device node; one that exists already is accepted only
 * if it is the same kind of node with the same device number. */
int op_mknod(const struct rt_op *op)
{
	const char *path = op_str(op, 0), *name;
	char parent[PATH_MAX];
	mode_t mode = (mode_t)op->arg[0];
	dev_t dev = (dev_t)op->arg[1];
	int pfd, rc, err;

	pfd = open_parent(path, parent, sizeof(parent), &name);
	if (pfd < 0)
		return -1;
	rc = mknodat(pfd, name, mode, dev);
	if (rc == 0 || errno == EEXIST)
		rc = set_node_attrs(pfd, name, op);
	err = errno;
	close(pfd);
	errno = err;
	return rc;
}

int op_symlink(const struct rt_op *op)
{
	const char *target = op_str(op, 0), *name;
	char parent[PATH_MAX], have[PATH_MAX];
	ssize_t n;
	int pfd, rc = 0, err;

	pfd = open_parent(op_str(op, 1), parent, sizeof(parent), &name);
	if (pfd < 0)
		return -1;
	if (symlinkat(target, pfd, name) < 0) {
		rc = -1;
		if (errno == EEXIST) {
			n = readlinkat(pfd, name, have, sizeof(have) - 1);
			if (n >= 0) {
				have[n] = '\0';
				rc = strcmp(have, target) == 0 ? 0 : -1;
			}
			if (rc < 0)
				errno = EEXIST;
		}
	}
	err = errno;
	close(pfd);
	errno = err;
	return rc;
}

/* op_pivot_root makes the rootfs the root with the pivot_root(".", ".")
 * idiom: no directory for the old root is needed in the image. */
int op_pivot_root(const struct rt_op *op)
{
	int old_root = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	int new_root = open(op_str(op, 0), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	int rc = -1, err;

	if (old_root < 0 || new_root < 0)
		goto out;
	if (fchdir(new_root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		goto out;
	if (fchdir(old_root) < 0)
		goto out;
	/* Detaching the old root must not propagate the unmount to the host. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 || umount2(".", MNT_DETACH) < 0)
		goto out;
	rc = chdir("/");
out:
	err = errno;
	if (old_root >= 0)
		close(old_root);
	if (new_root >= 0)
		close(new_root);
	if (rc == 0) {
		if (stage.root_fd >= 0)
			close(stage.root_fd);
		stage.root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	errno = err;
	return rc;
}

int op_move_root(const struct rt_op *op)
{
	if (chdir(op_str(op, 0)) < 0 || mount(op_str(op, 0), "/", NULL, MS_MOVE, NULL) < 0)
		return -1;
	if (chroot(".") < 0 || chdir("/") < 0)
		return -1;
	if (stage.root_fd >= 0)
		close(stage.root_fd);
	stage.root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return 0;
}

/* open_in_procfs opens /proc/REST for writing: /proc resolved in the root
 * and checked to be a procfs, REST beneath it without crossing a mount, so
 * a bind mount over /proc/sys/... cannot redirect the write to another
 * procfs file (the CVE-2025-52881 class). */
static int open_in_procfs(const char *path)
{
	struct open_how how = {
		.flags = O_WRONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	struct statfs sfs;
	int proc, fd, err;

	if (strncmp(path, "/proc/", 6) != 0) {
		errno = EINVAL;
		return -1;
	}
	proc = open_in_root("/proc", O_PATH | O_DIRECTORY);
	if (proc < 0)
		return -1;
	if (fstatfs(proc, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
		close(proc);
		errno = EXDEV;
		return -1;
	}
	fd = (int)syscall(SYS_openat2, proc, path + 6, &how, sizeof(how));
	err = errno;
	close(proc);
	errno = err;
	return fd;
}

int op_write_file(const struct rt_op *op)
{
	const char *content = op_str(op, 1);
	struct statfs sfs;
	int fd, err;
	ssize_t n;

	if (op->flags & RT_F_PROCFS)
		fd = open_in_procfs(op_str(op, 0));
	else if (op->flags & RT_F_IN_ROOT)
		fd = open_in_root(op_str(op, 0), O_WRONLY);
	else
		fd = open(op_str(op, 0), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* A /proc of the image's making (a symlink, a tmpfs) must not take a
	 * write meant for the kernel. */
	if ((op->flags & RT_F_PROCFS) && (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	n = write(fd, content, strlen(content));
	err = errno;
	close(fd);
	errno = err;
	return n < 0 ? -1 : 0;
}
