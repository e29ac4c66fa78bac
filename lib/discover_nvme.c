// SPDX-License-Identifier: GPL-2.0-only
/*
 * NVMe functions as the kernel's nvme driver shows them: their namespaces
 * (block devices) and who uses those. The runner asks before it takes a
 * function from the nvme driver (scripts/lib/nvme.sh): a namespace that is
 * mounted, held, swapped on or open must not disappear under its user.
 *
 * sysfs: /sys/bus/pci/devices/BDF/nvme/nvmeC is the controller. Under it,
 * nvmeCnN is a namespace's disk, or with native multipath nvmeScCnN is the
 * controller's path to the disk nvmeSnN (S: the subsystem's instance), which
 * is the block device users open.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "discover.h"
#include "sysfs.h"

bool lab_pci_is_nvme(const char *bdf)
{
	uint64_t class;

	return !lab_read_hex(&class, "/sys/bus/pci/devices/%s/class", bdf) &&
	       class == LAB_PCI_CLASS_NVME;
}

/* The first nvme controller the driver made of BDF ("nvme0"). 0 or -ENOENT. */
static int nvme_ctrl_of(const char *bdf, char *ctrl, size_t len)
{
	return lab_read_dir_entry(ctrl, len, "nvme", "/sys/bus/pci/devices/%s/nvme", bdf);
}

int lab_nvme_model(const char *bdf, char *buf, size_t len)
{
	char ctrl[32];
	int ret = nvme_ctrl_of(bdf, ctrl, sizeof(ctrl));

	if (ret)
		return ret;
	return lab_read_str(buf, len, "/sys/bus/pci/devices/%s/nvme/%s/model", bdf, ctrl);
}

/* The block device of a controller's child entry: nvmeCnN itself, or the
 * head nvmeSnN of the path nvmeScCnN; "" for anything else. */
static void disk_of_entry(const char *entry, char *disk, size_t len)
{
	unsigned int s, c, n;
	int end = 0;

	disk[0] = 0;
	if (sscanf(entry, "nvme%uc%un%u%n", &s, &c, &n, &end) == 3 && !entry[end])
		snprintf(disk, len, "nvme%un%u", s, n);
	else if ((end = 0, sscanf(entry, "nvme%un%u%n", &s, &n, &end)) == 2 && !entry[end])
		snprintf(disk, len, "%s", entry);
}

static int cmp_ns(const void *a, const void *b)
{
	const struct lab_nvme_ns *x = a, *y = b;

	return x->nsid < y->nsid ? -1 : x->nsid > y->nsid;
}

static int read_ns(struct lab_nvme_ns *ns, const char *disk)
{
	uint64_t nsid, sectors, lba;
	int ret;

	ret = lab_read_u64(&nsid, "/sys/class/block/%s/nsid", disk);
	if (!ret)
		ret = lab_read_u64(&sectors, "/sys/class/block/%s/size", disk);
	if (!ret)
		ret = lab_read_u64(&lba, "/sys/class/block/%s/queue/logical_block_size", disk);
	if (!ret)
		ret = lab_read_str(ns->dev, sizeof(ns->dev), "/sys/class/block/%s/dev", disk);
	if (ret)
		return ret;
	if (!lba || lba & (lba - 1))
		return -EINVAL;
	snprintf(ns->name, sizeof(ns->name), "%s", disk);
	ns->nsid = (uint32_t)nsid;
	ns->lba_size = (uint32_t)lba;
	ns->lbas = sectors * 512 / lba;	/* size counts 512-byte sectors */
	return 0;
}

int lab_nvme_namespaces(const char *bdf, struct lab_nvme_ns *ns, int max)
{
	char ctrl[32], path[512], disk[32];
	struct dirent *e;
	int n = 0;
	DIR *d;

	if (nvme_ctrl_of(bdf, ctrl, sizeof(ctrl)))
		return 0;
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/nvme/%s", lab_sysfs_root(), bdf, ctrl);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < max) {
		bool seen = false;

		disk_of_entry(e->d_name, disk, sizeof(disk));
		if (!disk[0])
			continue;
		for (int i = 0; i < n; i++)
			seen |= !strcmp(ns[i].name, disk);
		/* A namespace being removed or not yet set up has no readable size. */
		if (!seen && !read_ns(&ns[n], disk))
			n++;
	}
	closedir(d);
	qsort(ns, (size_t)n, sizeof(*ns), cmp_ns);
	return n;
}

struct blockdev {
	char name[64];
	char dev[16];		/* "major:minor" */
	unsigned int major, minor;
};

/* NAME and its partitions (subdirectories with a `partition` file), at most max. */
static int blockdevs_of(const char *name, struct blockdev *b, int max)
{
	char path[512];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(b[0].name, sizeof(b[0].name), "%s", name);
	if (lab_read_str(b[0].dev, sizeof(b[0].dev), "/sys/class/block/%s/dev", name))
		return -ENOENT;
	n = 1;
	snprintf(path, sizeof(path), "%s/sys/class/block/%s", lab_sysfs_root(), name);
	d = opendir(path);
	while (d && (e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.' || !lab_path_exists("/sys/class/block/%s/%s/partition", name, e->d_name))
			continue;
		snprintf(b[n].name, sizeof(b[n].name), "%s", e->d_name);
		if (!lab_read_str(b[n].dev, sizeof(b[n].dev), "/sys/class/block/%s/%s/dev", name, e->d_name))
			n++;
	}
	if (d)
		closedir(d);
	for (int i = 0; i < n; i++)
		if (sscanf(b[i].dev, "%u:%u", &b[i].major, &b[i].minor) != 2)
			b[i].major = b[i].minor = 0;
	return n;
}

struct uses {
	void (*fn)(void *ctx, const char *use);
	void *ctx;
	int n;
};

static void use(struct uses *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void use(struct uses *u, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	u->fn(u->ctx, buf);
	u->n++;
}

static FILE *open_root(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s%s", lab_sysfs_root(), rel);
	return fopen(path, "r");
}

/* /proc/self/mountinfo (proc(5)): "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS] - FSTYPE SOURCE ..."
 * A filesystem such as btrfs shows an anonymous MAJ:MIN; its SOURCE names the device. */
static void check_mounts(struct uses *u, const struct blockdev *b, int nb)
{
	char line[4096];
	FILE *f = open_root("/proc/self/mountinfo");

	while (f && fgets(line, sizeof(line), f)) {
		char dev[32], mnt[2048], fstype[64] = "?", source[512] = "", *sep;

		if (sscanf(line, "%*u %*u %31s %*s %2047s", dev, mnt) != 2)
			continue;
		sep = strstr(line, " - ");
		if (sep)
			sscanf(sep + 3, "%63s %511s", fstype, source);
		for (int i = 0; i < nb; i++) {
			const char *s = !strncmp(source, "/dev/", 5) ? source + 5 : "";

			if (!strcmp(dev, b[i].dev) || !strcmp(s, b[i].name)) {
				use(u, "%s is mounted on %s (%s)", b[i].name, mnt, fstype);
				break;
			}
		}
	}
	if (f)
		fclose(f);
}

/* Stacked devices (device-mapper, LVM, md RAID, bcache) list themselves in holders/. */
static void check_holders(struct uses *u, const char *disk, const struct blockdev *b, int nb)
{
	for (int i = 0; i < nb; i++) {
		char path[512], what[160];
		struct dirent *e;
		DIR *d;

		if (i == 0)
			snprintf(path, sizeof(path), "%s/sys/class/block/%s/holders", lab_sysfs_root(), disk);
		else
			snprintf(path, sizeof(path), "%s/sys/class/block/%s/%s/holders", lab_sysfs_root(),
				 disk, b[i].name);
		d = opendir(path);
		while (d && (e = readdir(d))) {
			char name[128];

			if (e->d_name[0] == '.')
				continue;
			if (!lab_read_str(name, sizeof(name), "/sys/class/block/%s/dm/name", e->d_name))
				snprintf(what, sizeof(what), "device-mapper device '%s' (LVM, dm-crypt, multipath)", name);
			else if (lab_path_exists("/sys/class/block/%s/md", e->d_name))
				snprintf(what, sizeof(what), "RAID array");
			else
				snprintf(what, sizeof(what), "stacked block device");
			use(u, "%s is held by %s, a %s", b[i].name, e->d_name, what);
		}
		if (d)
			closedir(d);
	}
}

/* The block device a path names: its basename, or on the real root the device it is. */
static bool path_is(const char *path, const struct blockdev *b)
{
	const char *base = strrchr(path, '/');
	struct stat st;

	if (!strncmp(path, "/dev/", 5) && base && !strcmp(base + 1, b->name))
		return true;
	return !lab_sysfs_root()[0] && path[0] == '/' && !stat(path, &st) && S_ISBLK(st.st_mode) &&
	       major(st.st_rdev) == b->major && minor(st.st_rdev) == b->minor;
}

/* /proc/swaps: a header line, then "FILENAME TYPE SIZE USED PRIORITY". */
static void check_swaps(struct uses *u, const struct blockdev *b, int nb)
{
	char line[1024], file[512];
	FILE *f = open_root("/proc/swaps");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%511s", file) != 1 || !strcmp(file, "Filename"))
			continue;
		for (int i = 0; i < nb; i++)
			if (path_is(file, &b[i]))
				use(u, "%s is active swap (swapoff %s)", b[i].name, file);
	}
	if (f)
		fclose(f);
}

/* Loop devices backed by the device, and mounted btrfs filesystems that span it
 * (mountinfo names only one device of a multi-device btrfs). */
static void check_kernel_users(struct uses *u, const struct blockdev *b, int nb)
{
	char path[512], file[512];
	struct dirent *e, *f;
	DIR *d, *fs;

	snprintf(path, sizeof(path), "%s/sys/class/block", lab_sysfs_root());
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "loop", 4) ||
		    lab_read_str(file, sizeof(file), "/sys/class/block/%s/loop/backing_file", e->d_name))
			continue;
		for (int i = 0; i < nb; i++)
			if (path_is(file, &b[i]))
				use(u, "%s is the backing file of %s", b[i].name, e->d_name);
	}
	if (d)
		closedir(d);
	snprintf(path, sizeof(path), "%s/sys/fs/btrfs", lab_sysfs_root());
	fs = opendir(path);
	while (fs && (f = readdir(fs))) {
		if (f->d_name[0] == '.')
			continue;
		for (int i = 0; i < nb; i++)
			if (lab_path_exists("/sys/fs/btrfs/%s/devices/%s", f->d_name, b[i].name))
				use(u, "%s is a device of the btrfs filesystem %s", b[i].name, f->d_name);
	}
	if (fs)
		closedir(fs);
}

/* Every process's open file descriptors: /proc/PID/fd/N links to the device
 * node it opened. Only the link is read: a stat() through it could block on
 * a file of a hung network filesystem. */
static void check_open_files(struct uses *u, const struct blockdev *b, int nb)
{
	char path[512];
	struct dirent *p;
	DIR *proc;

	snprintf(path, sizeof(path), "%s/proc", lab_sysfs_root());
	proc = opendir(path);
	while (proc && (p = readdir(proc))) {
		char fdpath[512], target[512], comm[64] = "?";
		struct dirent *e;
		bool found[64] = { false };
		DIR *fds;

		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/proc/%s/fd", lab_sysfs_root(), p->d_name);
		fds = opendir(fdpath);
		while (fds && (e = readdir(fds))) {
			char link[1024];
			ssize_t n;

			if (e->d_name[0] == '.')
				continue;
			snprintf(link, sizeof(link), "%s/%s", fdpath, e->d_name);
			n = readlink(link, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = 0;
			for (int i = 0; i < nb && i < 64; i++) {
				char want[80];

				snprintf(want, sizeof(want), "/dev/%s", b[i].name);
				if (!strcmp(target, want))
					found[i] = true;
			}
		}
		if (fds)
			closedir(fds);
		lab_read_str(comm, sizeof(comm), "/proc/%s/comm", p->d_name);
		for (int i = 0; i < nb && i < 64; i++)
			if (found[i])
				use(u, "%s is open by pid %s (%s)", b[i].name, p->d_name, comm);
	}
	if (proc)
		closedir(proc);
}

/* What holds a device without saying so above (a filesystem, ZFS, a driver
 * that claimed it): an exclusive open fails with EBUSY. Real root only. */
static void check_claims(struct uses *u, const struct blockdev *b, int nb)
{
	if (lab_sysfs_root()[0] || u->n)
		return;	/* a named use already explains a claim */
	for (int i = 0; i < nb; i++) {
		char path[80];
		int fd;

		snprintf(path, sizeof(path), "/dev/%s", b[i].name);
		fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		else if (errno == EBUSY)
			use(u, "%s is claimed by the kernel (an exclusive open is refused: a filesystem, "
			    "volume manager or driver holds it)", b[i].name);
	}
}

int lab_blockdev_uses(const char *name, void (*fn)(void *ctx, const char *use), void *ctx)
{
	struct blockdev b[64];
	struct uses u = { fn, ctx, 0 };
	int nb = blockdevs_of(name, b, 64);

	if (nb < 0)
		return nb;
	check_mounts(&u, b, nb);
	check_holders(&u, name, b, nb);
	check_swaps(&u, b, nb);
	check_kernel_users(&u, b, nb);
	check_open_files(&u, b, nb);
	check_claims(&u, b, nb);
	return u.n;
}
