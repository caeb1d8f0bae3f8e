/* HOME from the container's passwd file, for a process.env without one:
 * the lookup runc's init makes once the root is the container's. The file
 * belongs to the image, so it is hostile: it is opened inside the root and
 * read through a bounded buffer; a line too long, a home too long or any
 * read error gives "/", as runc's lookup does on an error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "stage.h"

#define LINE_MAX_LEN 65536 /* bufio.Scanner's limit, which runc's lookup has */

static char home_env[sizeof("HOME=") + PATH_MAX] = "HOME=/";
static char buf[LINE_MAX_LEN + 1];

const char *passwd_home_env(void)
{
	return home_env;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* field returns field n (0-based) of a ':'-separated line, its length in *len. */
static const char *field(const char *line, int n, size_t *len)
{
	const char *end;

	for (; n > 0; n--) {
		line = strchr(line, ':');
		if (!line)
			return NULL;
		line++;
	}
	end = strchrnul(line, ':');
	*len = (size_t)(end - line);
	return line;
}

/* match_line: 1 and the home set if the line (NUL-terminated, trimmed)
 * is uid's entry: name:password:uid:gid:gecos:home:shell. */
static int match_line(const char *line, long long uid)
{
	char num[24], *end;
	const char *f;
	size_t len;

	f = field(line, 2, &len);
	if (!f || len == 0 || len >= sizeof(num))
		return 0;
	memcpy(num, f, len);
	num[len] = '\0';
	errno = 0;
	if (strtoll(num, &end, 10) != uid || *end || errno)
		return 0;
	f = field(line, 5, &len);
	if (!f)
		len = 0;
	if (len >= PATH_MAX)
		return -1;
	memcpy(home_env + 5, f ? f : "", len);
	home_env[5 + len] = '\0';
	return 1;
}

/* scan_lines looks at each complete line of buf[0..n); returns 1 on a
 * match, -1 on an error, else 0 with the incomplete rest moved to the front
 * and its length in *rest. */
static int scan_lines(size_t n, long long uid, size_t *rest)
{
	char *line = buf, *nl, *end;
	int rc;

	while ((nl = memchr(line, '\n', n - (size_t)(line - buf)))) {
		*nl = '\0';
		while (is_space(*line))
			line++;
		for (end = nl; end > line && is_space(end[-1]); end--)
			end[-1] = '\0';
		if (*line && (rc = match_line(line, uid)) != 0)
			return rc;
		line = nl + 1;
	}
	*rest = n - (size_t)(line - buf);
	memmove(buf, line, *rest);
	return 0;
}

static int lookup(int fd, long long uid)
{
	size_t have = 0;
	ssize_t got;
	int rc;

	for (;;) {
		got = read(fd, buf + have, LINE_MAX_LEN - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0) { /* the last line may lack its newline */
			buf[have++] = '\n';
			return scan_lines(have, uid, &have);
		}
		rc = scan_lines(have + (size_t)got, uid, &have);
		if (rc != 0)
			return rc;
		if (have == LINE_MAX_LEN)
			return -1; /* a line too long */
	}
}

/* op_passwd_home never fails: HOME is "/" when the lookup does not find
 * the user, as runc sets it. */
int op_passwd_home(const struct rt_op *op)
{
	int fd, err = errno;
	struct stat st;

	if (stage.root_fd < 0)
		stage.root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* O_NONBLOCK: a FIFO there must not stop the stage; only a file is read. */
	fd = open_in_root(op_str(op, 0), O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || lookup(fd, op->arg[0]) != 1))
		strcpy(home_env, "HOME=/");
	if (fd >= 0)
		close(fd);
	errno = err;
	return 0;
}
