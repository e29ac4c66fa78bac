/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Results files that a crash cannot tear: the new content goes to a file
 * beside the target, is flushed to the disk, and is renamed over it, so a
 * SIGKILL or a power cut at any point leaves either the previous content or
 * the new one, never a part of a line. Writers of the same file serialise on
 * its directory (flock), so appends from two processes both land. A PATH
 * that is not a regular file (/dev/null, a FIFO) is written in place, and a
 * symbolic link stays a link to the replaced file.
 */
#ifndef LAB_COMMIT_H
#define LAB_COMMIT_H

#include <stdbool.h>
#include <stddef.h>

/* PATH's content becomes its old content followed by BUF (append), or BUF
 * (replace); created (0644) when missing. 0 or -errno, PATH untouched then. */
int lab_commit_file(const char *path, const void *buf, size_t len, bool append);

#endif
