// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "discover.h"
#include "testdev.h"

static int open_node(const char *dir, const char *bdf)
{
	char path[80];
	int fd;

	/* A BDF never holds '/': refuse to open anything outside the directory. */
	if (!bdf || !*bdf || strchr(bdf, '/'))
		return -EINVAL;
	/* Device nodes are not redirected by lab_sysfs_root(): a fake sysfs tree
	 * cannot stand in for the module. */
	if (snprintf(path, sizeof(path), "%s/%s", dir, bdf) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int lab_td_open(const char *bdf)
{
	return open_node(LAB_TD_DEV_DIR, bdf);
}

int lab_td_io_open(const char *bdf)
{
	return open_node(LAB_TD_IO_DIR, bdf);
}

int lab_td_open_engine(const char *list, const char *engine, char *bdf, size_t bdf_len,
		       struct itd_info *info)
{
	char cur[32];
	int best = -ENOENT;

	if (!list || !bdf || !bdf_len || !info)
		return -EINVAL;
	for (const char *p = list; lab_bdf_next(&p, cur);) {
		struct itd_info i;
		int fd, ret;

		fd = lab_td_open(cur);
		if (fd < 0)
			return fd;
		ret = lab_td_info(fd, &i);
		if (ret) {
			close(fd);
			return ret;
		}
		if (engine ? strncmp(i.engine, engine, sizeof(i.engine)) != 0 :
			     best >= 0 && i.max_pasids <= info->max_pasids) {
			close(fd);
			continue;
		}
		if (best >= 0)
			close(best);
		best = fd;
		*info = i;
		snprintf(bdf, bdf_len, "%s", cur);
		if (engine)
			break;
	}
	return best;
}

int lab_td_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

/* Every command below returns 0 on success; anything positive is not ours to pass on. */
static int td_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int lab_td_info(int fd, struct itd_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return td_ioctl(fd, ITD_INFO, info);
}

int lab_td_buf_alloc(int fd, uint64_t length, uint64_t align, uint32_t flags,
		     uint32_t *buf_id, uint64_t *dma_addr)
{
	struct itd_buf_alloc a = {
		.size = sizeof(a), .flags = flags, .length = length, .align = align,
	};
	int ret = td_ioctl(fd, ITD_BUF_ALLOC, &a);

	if (ret)
		return ret;
	*buf_id = a.buf_id;
	if (dma_addr)
		*dma_addr = a.dma_addr;
	return 0;
}

int lab_td_buf_free(int fd, uint32_t buf_id)
{
	struct itd_buf_free f = { .size = sizeof(f), .buf_id = buf_id };

	return td_ioctl(fd, ITD_BUF_FREE, &f);
}

static int buf_rw(int fd, uint32_t flags, uint32_t buf_id, uint64_t off,
		  const void *p, size_t len)
{
	struct itd_buf_rw rw = {
		.size = sizeof(rw), .flags = flags, .buf_id = buf_id,
		.offset = off, .length = len, .uptr = (uintptr_t)p,
	};

	return td_ioctl(fd, ITD_BUF_RW, &rw);
}

int lab_td_buf_write(int fd, uint32_t buf_id, uint64_t off, const void *p, size_t len)
{
	return buf_rw(fd, ITD_BUF_WRITE, buf_id, off, p, len);
}

int lab_td_buf_read(int fd, uint32_t buf_id, uint64_t off, void *p, size_t len)
{
	return buf_rw(fd, 0, buf_id, off, p, len);
}

int lab_td_domain_alloc(int fd, uint32_t flags, uint32_t *domain_id)
{
	struct itd_domain_alloc a = { .size = sizeof(a), .flags = flags };
	int ret = td_ioctl(fd, ITD_DOMAIN_ALLOC, &a);

	if (!ret)
		*domain_id = a.domain_id;
	return ret;
}

int lab_td_domain_free(int fd, uint32_t domain_id)
{
	struct itd_domain_free f = { .size = sizeof(f), .domain_id = domain_id };

	return td_ioctl(fd, ITD_DOMAIN_FREE, &f);
}

static int attach(int fd, unsigned long cmd, uint32_t flags, uint32_t domain_id, uint32_t pasid)
{
	struct itd_attach a = {
		.size = sizeof(a), .flags = flags, .domain_id = domain_id, .pasid = pasid,
	};

	return td_ioctl(fd, cmd, &a);
}

int lab_td_attach(int fd, uint32_t domain_id)
{
	return attach(fd, ITD_ATTACH, 0, domain_id, 0);
}

int lab_td_attach_pasid(int fd, uint32_t domain_id, uint32_t pasid)
{
	return attach(fd, ITD_ATTACH, ITD_ATTACH_PASID, domain_id, pasid);
}

int lab_td_detach(int fd)
{
	return attach(fd, ITD_DETACH, 0, 0, 0);
}

int lab_td_detach_pasid(int fd, uint32_t pasid)
{
	return attach(fd, ITD_DETACH, ITD_ATTACH_PASID, 0, pasid);
}

int lab_td_map(int fd, uint32_t domain_id, uint64_t iova, uint32_t buf_id,
	       uint64_t buf_offset, uint64_t length, uint32_t prot_flags)
{
	struct itd_map m = {
		.size = sizeof(m), .flags = prot_flags, .domain_id = domain_id,
		.buf_id = buf_id, .iova = iova, .length = length, .buf_offset = buf_offset,
	};

	return td_ioctl(fd, ITD_MAP, &m);
}

int lab_td_unmap(int fd, uint32_t domain_id, uint64_t iova, uint64_t length)
{
	struct itd_map m = {
		.size = sizeof(m), .domain_id = domain_id, .iova = iova, .length = length,
	};

	return td_ioctl(fd, ITD_UNMAP, &m);
}

int lab_td_dma(int fd, struct itd_dma *op)
{
	op->size = sizeof(*op);
	return td_ioctl(fd, ITD_DMA, op);
}

int lab_td_faults(int fd, struct itd_fault *recs, uint32_t *count, uint32_t *lost)
{
	struct itd_faults f = {
		.size = sizeof(f), .count = *count, .uptr = (uintptr_t)recs,
	};
	int ret = td_ioctl(fd, ITD_FAULTS, &f);

	if (ret)
		return ret;
	*count = f.count;
	if (lost)
		*lost = f.lost;
	return 0;
}

static const char *const engine_kind_names[] = {
	[ITD_ENGINE_HARDWARE] = "hardware",
	[ITD_ENGINE_EMULATED] = "emulated",
	[ITD_ENGINE_SOFTWARE] = "software",
	[ITD_ENGINE_DEVICE] = "device",
};

static const char *const state_names[] = {
	[ITD_STATE_DEFAULT] = "default",
	[ITD_STATE_BLOCKED] = "blocked",
	[ITD_STATE_DOMAIN] = "domain",
};

/* names[val], or "unknown" for a value the table does not name. */
static const char *name_of(const char *const *names, size_t n, uint32_t val)
{
	return val < n && names[val] ? names[val] : "unknown";
}
#define NAME_OF(names, val) name_of(names, sizeof(names) / sizeof((names)[0]), val)

const char *lab_td_engine_kind_name(uint32_t kind)
{
	return NAME_OF(engine_kind_names, kind);
}

const char *lab_td_state_name(uint32_t state)
{
	return NAME_OF(state_names, state);
}

int lab_td_msi(int fd, uint32_t count, uint32_t timeout_ms, uint32_t *delivered)
{
	struct itd_msi m = { .size = sizeof(m), .count = count, .timeout_ms = timeout_ms };
	int ret = lab_td_ioctl(fd, ITD_MSI, &m);

	if (!ret && delivered)
		*delivered = m.delivered;
	return ret;
}

int lab_td_io_stats(int fd, bool reset, struct itd_io_stats *st)
{
	*st = (struct itd_io_stats){ .size = sizeof(*st), .flags = reset ? ITD_IO_STATS_RESET : 0 };
	return lab_td_ioctl(fd, ITD_IO_STATS, st);
}
