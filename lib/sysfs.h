/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading small sysfs/debugfs/procfs files. */
#ifndef LAB_SYSFS_H
#define LAB_SYSFS_H

#include <stddef.h>
#include <stdint.h>

/* Root prepended to every absolute path read here ("" by default). Tests point
 * it at a fake tree; IOMMU_LAB_SYSROOT sets it for the tools. */
void lab_sysfs_set_root(const char *root);
const char *lab_sysfs_root(void);

/* Read the file at printf-formatted path into buf, trailing newline removed. 0 or -errno. */
int lab_read_str(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Read an integer (any base strtoull accepts, e.g. "0x..."). 0 or -errno. */
int lab_read_u64(uint64_t *val, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Read a hexadecimal integer, with or without "0x" (e.g. VT-d's cap/ecap files). */
int lab_read_hex(uint64_t *val, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Basename of the target of the symlink at path. 0 or -errno. */
int lab_read_link_base(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Does the path exist? */
int lab_path_exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first entry of the directory at path whose name starts with prefix
 * (e.g. a function's "nvme/nvme0" or "vfio-dev/vfio3"), into buf. 0, or
 * -ENOENT when the directory or such an entry is missing. */
int lab_read_dir_entry(char *buf, size_t len, const char *prefix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
