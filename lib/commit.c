// SPDX-License-Identifier: GPL-2.0-only
/*
 * Crash-safe results files (commit.h): write beside, fsync, rename over.
 * rename(2) within one directory replaces the name atomically; the fsync of
 * the new file before it, and of the directory after it, make the rename
 * stand after a power cut with the data it names.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "commit.h"

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n, len -= n;
	}
	return 0;
}

/* The old content of PATH into FD (nothing when PATH does not exist). */
static int copy_old(const char *path, int fd)
{
	char buf[65536];
	int in = open(path, O_RDONLY | O_CLOEXEC), ret = 0;
	ssize_t n;

	if (in < 0)
		return errno == ENOENT ? 0 : -errno;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		ret = write_all(fd, buf, n);
		if (ret)
			break;
	}
	close(in);
	return ret;
}

/* Not a regular file (/dev/null, /dev/stdout, a FIFO): written in place.
 * A rename over it would replace the device node with a regular file for
 * every program on the machine (and /dev/null would start keeping data). */
static int write_in_place(const char *path, const void *buf, size_t len, bool append)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)), ret;

	if (fd < 0)
		return -errno;
	ret = write_all(fd, buf, len);
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

int lab_commit_file(const char *path_arg, const void *buf, size_t len, bool append)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 32], real[PATH_MAX];
	const char *path = path_arg, *slash;
	int dfd, fd, ret;
	struct stat st;

	if (!stat(path_arg, &st)) {
		if (!S_ISREG(st.st_mode))
			return write_in_place(path_arg, buf, len, append);
		/* A symbolic link stays one: the file it names is replaced. */
		if (!realpath(path_arg, real))
			return -errno;
		path = real;
	}
	slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	/* One writer of the directory's files at a time: an append sees the
	 * content the previous writer committed. */
	while (flock(dfd, LOCK_EX) && errno == EINTR)
		;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (path != path_arg)	/* it existed: keep its mode */
		fchmod(fd, st.st_mode & 07777);
	ret = append ? copy_old(path, fd) : 0;
	if (!ret)
		ret = write_all(fd, buf, len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	else
		fsync(dfd);
out:
	close(dfd);	/* and the lock with it */
	return ret;
}
