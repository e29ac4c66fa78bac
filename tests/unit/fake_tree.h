/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake sysfs/procfs tree under a temporary root for the library's readers
 * (lab_sysfs_set_root()): making its directories and files, and removing it.
 * For the unit tests' fixtures; include after kselftest_harness.h.
 */
#ifndef TESTS_UNIT_FAKE_TREE_H
#define TESTS_UNIT_FAKE_TREE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "sysfs.h"

/* root/rel and every directory above it. */
static inline void mkdirs(const char *root, const char *rel)
{
	char path[512], *p;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

/* LEN bytes of DATA in root/rel, creating its directories. */
static inline void put_bytes(const char *root, const char *rel, const void *data, size_t len)
{
	char path[512], dir[512];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	if (strrchr(dir, '/')) {
		*strrchr(dir, '/') = 0;
		mkdirs(root, dir);
	}
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, len, f);
	fclose(f);
}

/* Text in root/rel, creating its directories. */
static inline void put(const char *root, const char *rel, const char *text)
{
	put_bytes(root, rel, text, strlen(text));
}

/* The readers back on the real root, and the fake tree removed. */
static inline void fake_tree_remove(struct __test_metadata *_metadata, const char *root)
{
	char cmd[128];

	lab_sysfs_set_root(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		TH_LOG("could not remove %s", root);
}

#endif
