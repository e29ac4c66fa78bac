// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sysfs.h"

static char sysroot[PATH_MAX];
static int sysroot_init;

void lab_sysfs_set_root(const char *root)
{
	snprintf(sysroot, sizeof(sysroot), "%s", root ? root : "");
	sysroot_init = 1;
}

const char *lab_sysfs_root(void)
{
	if (!sysroot_init)
		lab_sysfs_set_root(getenv("IOMMU_LAB_SYSROOT"));
	return sysroot;
}

static int vpath(char *path, size_t len, const char *fmt, va_list ap)
{
	int n = snprintf(path, len, "%s", lab_sysfs_root());

	if (vsnprintf(path + n, len - (size_t)n, fmt, ap) >= (int)(len - (size_t)n))
		return -ENAMETOOLONG;
	return 0;
}

static int read_path(char *buf, size_t len, const char *path)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

/* In a function taking (..., fmt, ...): the printf-formatted path under the
 * root into the array path; 0 or -ENAMETOOLONG into ret. */
#define FORMAT_PATH(ret, path, fmt)                                     \
	do {                                                            \
		va_list _ap;                                            \
		va_start(_ap, fmt);                                     \
		(ret) = vpath(path, sizeof(path), fmt, _ap);            \
		va_end(_ap);                                            \
	} while (0)

int lab_read_str(char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];
	int ret;

	FORMAT_PATH(ret, path, fmt);
	return ret ? ret : read_path(buf, len, path);
}

static int read_num(uint64_t *val, int base, const char *path)
{
	char buf[64], *end;
	int ret = read_path(buf, sizeof(buf), path);

	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, base);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

int lab_read_u64(uint64_t *val, const char *fmt, ...)
{
	char path[PATH_MAX];
	int ret;

	FORMAT_PATH(ret, path, fmt);
	return ret ? ret : read_num(val, 0, path);
}

int lab_read_hex(uint64_t *val, const char *fmt, ...)
{
	char path[PATH_MAX];
	int ret;

	FORMAT_PATH(ret, path, fmt);
	return ret ? ret : read_num(val, 16, path);
}

int lab_read_link_base(char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;
	int ret;

	FORMAT_PATH(ret, path, fmt);
	if (ret)
		return ret;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	base = strrchr(target, '/');
	snprintf(buf, len, "%s", base ? base + 1 : target);
	return 0;
}

int lab_path_exists(const char *fmt, ...)
{
	char path[PATH_MAX];
	int ret;

	FORMAT_PATH(ret, path, fmt);
	return !ret && access(path, F_OK) == 0;
}

int lab_read_dir_entry(char *buf, size_t len, const char *prefix, const char *fmt, ...)
{
	char path[PATH_MAX];
	struct dirent *e;
	int ret;
	DIR *d;

	FORMAT_PATH(ret, path, fmt);
	if (ret)
		return ret;
	d = opendir(path);
	if (!d)
		return -ENOENT;
	ret = -ENOENT;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix))) {
			snprintf(buf, len, "%s", e->d_name);
			ret = 0;
			break;
		}
	closedir(d);
	return ret;
}
