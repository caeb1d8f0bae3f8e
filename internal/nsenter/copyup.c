/* tmpcopyup: a tmpfs mounted over a directory starts with what that
 * directory held (files, directories, symlinks, nodes; modes and owners). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "stage.h"

static int copy_tree(int src_dir, int dst_dir, int depth);

static int copy_file(int src_dir, int dst_dir, const char *name, const struct stat *st)
{
	char buf[65536];
	ssize_t n;
	int in, out, rc = 0;

	in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			rc = -1;
			break;
		}
	if (n < 0)
		rc = -1;
	close(in);
	close(out);
	return rc;
}

static int copy_entry(int src_dir, int dst_dir, const char *name, int depth)
{
	struct stat st;
	char link[4096];
	ssize_t n;
	int rc, sub_src, sub_dst;

	if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		if (mkdirat(dst_dir, name, st.st_mode & 07777) < 0)
			return -1;
		sub_src = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		sub_dst = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		rc = (sub_src < 0 || sub_dst < 0) ? -1 : copy_tree(sub_src, sub_dst, depth + 1);
		if (sub_src >= 0)
			close(sub_src);
		if (sub_dst >= 0)
			close(sub_dst);
		break;
	case S_IFREG:
		rc = copy_file(src_dir, dst_dir, name, &st);
		break;
	case S_IFLNK:
		n = readlinkat(src_dir, name, link, sizeof(link) - 1);
		if (n < 0)
			return -1;
		link[n] = '\0';
		rc = symlinkat(link, dst_dir, name);
		break;
	default:
		rc = mknodat(dst_dir, name, st.st_mode, st.st_rdev);
	}
	if (rc < 0)
		return -1;
	if (fchownat(dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!S_ISLNK(st.st_mode) && fchmodat(dst_dir, name, st.st_mode & 07777, 0) < 0)
		return -1;
	return 0;
}

static int copy_tree(int src_dir, int dst_dir, int depth)
{
	int fd = dup(src_dir), rc = 0;
	struct dirent *e;
	DIR *d;

	if (depth > 64) {
		errno = ELOOP;
		return -1;
	}
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (rc == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		rc = copy_entry(src_dir, dst_dir, e->d_name, depth);
	}
	closedir(d);
	return rc;
}

/* copy_up copies what under_fd (an O_PATH fd of the directory, opened
 * before the mount) held into the mount now at target. */
int copy_up(int under_fd, const char *target)
{
	int src = openat(under_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), dst, rc, err;

	if (src < 0)
		return -1;
	dst = open_in_root(target, O_RDONLY | O_DIRECTORY);
	if (dst < 0) {
		close(src);
		return -1;
	}
	rc = copy_tree(src, dst, 0);
	err = errno;
	close(src);
	close(dst);
	errno = err;
	return rc;
}
