// SPDX-License-Identifier: GPL-2.0-only
/* What the benchmarks share: bench_common.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "bench_common.h"
#include "lab_platform.h"
#include "lab_results.h"
#include "lab_engines.h"
#include "../iommufd/vfio_setup.h"

static const char *smmuv3_note(const char *bdf)
{
	return lab_pci_iommu_type(bdf) == LAB_IOMMU_SMMUV3 ?
	       " behind this SMMUv3 (no substreams in use)" : "";
}

static int open_module(struct bench_dev *d, const char *engine)
{
	const char *list = getenv("IOMMU_LAB_TESTDEV");
	struct itd_info info;

	d->tfd = lab_td_open_engine(list ? list : "", engine ? engine : "labdev", d->bdf, sizeof(d->bdf), &info);
	if (d->tfd == -ENOENT && !engine)
		d->tfd = lab_td_open_engine(list ? list : "", "nvme", d->bdf, sizeof(d->bdf), &info);
	if (d->tfd == -ENOENT) {
		snprintf(d->why, sizeof(d->why), "no %s handed to iommu_testdev (iommu-lab run --testdev BDF)",
			 engine ? engine : "labdev or nvme");
		return -EOPNOTSUPP;
	}
	if (d->tfd < 0) {
		snprintf(d->why, sizeof(d->why), "iommu_testdev %s: %s", engine ? engine : "", strerror(-d->tfd));
		return d->tfd;
	}
	snprintf(d->engine, sizeof(d->engine), "%s", info.engine);
	d->kind = info.engine_kind == ITD_ENGINE_EMULATED ? LAB_ENGINE_EMULATED :
		  info.engine_kind == ITD_ENGINE_DEVICE ? LAB_ENGINE_DEVICE : LAB_ENGINE_HARDWARE;
	d->max_len = info.dma_max_len;
	/* PASID 0 stands for "no PASID": max_pasids 1 leaves none. */
	d->pasids = info.max_pasids > 1 ? info.max_pasids - 1 : 0;
	if (!d->pasids)
		snprintf(d->no_pasids, sizeof(d->no_pasids), "%s: %u PASIDs usable%s", d->bdf, info.max_pasids,
			 smmuv3_note(d->bdf));
	return 0;
}

/* The function for engine (NULL: any that does pairs here) in IOMMU_LAB_VFIO. */
static int find_iommufd(struct bench_dev *d, const char *engine)
{
	const char *list = getenv("IOMMU_LAB_VFIO");
	const struct lab_uengine_ops *ops;

	for (int skip = 0; !lab_uengine_find_pairs(list, skip, d->bdf, &ops); skip++)
		if (!engine || !strcmp(engine, ops->name))
			return 0;
	if (engine && !strcmp(engine, lab_uengine_nvme.name) &&
	    !lab_uengine_find(list, &lab_uengine_nvme, false, 0, d->bdf))
		snprintf(d->why, sizeof(d->why), "%s (nvme): no scratch range for it: its pairs would write its "
			 "media (iommu-lab run --nvme-scratch [BDF@]NSID:LBA+COUNT)", d->bdf);
	else
		snprintf(d->why, sizeof(d->why), "no %s handed to vfio-pci (iommu-lab run --vfio BDF)",
			 engine ? engine : "labdev, nor nvme with a scratch range,");
	return -EOPNOTSUPP;
}

static int open_iommufd(struct bench_dev *d, const char *engine)
{
	struct lab_hw_info hw;
	const char *why;
	int ret;

	ret = find_iommufd(d, engine);
	if (ret)
		return ret;
	d->ifd = lab_iommufd_open();
	if (d->ifd == -ENOENT) {
		snprintf(d->why, sizeof(d->why), "%s", lab_iommufd_unusable(LAB_NEED_IOMMUFD));
		return -EOPNOTSUPP;
	}
	ret = d->ifd < 0 ? d->ifd : lab_vfio_pci_open(d->ifd, d->bdf, &d->pci);
	if (!ret)
		ret = lab_uengine_open(&d->pci, &d->eng);
	if (!ret)
		ret = lab_iommufd_hw_info_dev(d->ifd, d->pci.dev_id, &hw);
	if (ret) {
		snprintf(d->why, sizeof(d->why), "%s through iommufd: %s %s", d->bdf, strerror(-ret), d->eng.why);
		return ret;
	}
	snprintf(d->engine, sizeof(d->engine), "%s", d->eng.ops->name);
	d->kind = d->eng.emulated ? LAB_ENGINE_EMULATED : LAB_ENGINE_DEVICE;
	d->max_len = d->eng.ops->max_len;
	if ((why = lab_iommufd_unusable(LAB_NEED_PASID)))
		snprintf(d->no_pasids, sizeof(d->no_pasids), "%s", why);
	else if (!hw.has_max_pasid)
		snprintf(d->no_pasids, sizeof(d->no_pasids), "uAPI headers lack IOMMU_GET_HW_INFO's "
			 "out_max_pasid_log2");
	else if (!hw.max_pasid_log2)
		snprintf(d->no_pasids, sizeof(d->no_pasids), "%s: iommufd reports no PASIDs%s", d->bdf,
			 smmuv3_note(d->bdf));
	else
		d->pasids = hw.max_pasid_log2 >= 20 ? (1u << 20) - 1 : (1u << hw.max_pasid_log2) - 1;
	return 0;
}

int bench_open(struct bench_dev *d, bool module, const char *engine)
{
	memset(d, 0, sizeof(*d));
	d->module = module;
	d->ifd = d->tfd = d->pci.fd = -1;
	return module ? open_module(d, engine) : open_iommufd(d, engine);
}

void bench_record_engine(const struct bench_dev *d)
{
	lab_record_engine(d->engine, d->kind);
}

void bench_close(struct bench_dev *d)
{
	test_teardown_vfio_device(d->ifd, &d->pci, &d->eng);
	for (int i = 0; i < d->nsp; i++)
		if (d->sp[i].page)
			munmap(d->sp[i].page, d->len);
	if (d->tfd >= 0)
		close(d->tfd);	/* the module tears down its domains and buffers */
}

/* The source of module space i is filled with this byte: each space's data
 * differs, so a transfer that went through the wrong space shows. */
static uint8_t bench_fill(int i)
{
	return 0x40 + i;
}

static int iommufd_space(struct bench_dev *d, struct bench_space *s)
{
	int ret;

	s->page = mmap(NULL, d->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->page == MAP_FAILED) {
		s->page = NULL;
		return -errno;
	}
	ret = lab_ioas_alloc(d->ifd, &s->ioas);
	if (!ret)
		ret = lab_ioas_map(d->ifd, s->ioas, s->page, d->len, BENCH_IOVA_DST, LAB_IOAS_READ | LAB_IOAS_WRITE);
	/* The engine's queues (nvme), in every space it is attached to. */
	if (!ret)
		ret = lab_uengine_ctrl_map(&d->eng, d->ifd, s->ioas);
	if (!ret)
		ret = lab_hwpt_alloc(d->ifd, d->pci.dev_id, s->ioas, d->pasids ? LAB_HWPT_PASID : 0, &s->hwpt);
	return ret;
}

static int module_space(struct bench_dev *d, struct bench_space *s, uint8_t fill)
{
	uint8_t buf[4096];
	int ret;

	memset(buf, fill, sizeof(buf));
	ret = lab_td_buf_alloc(d->tfd, d->len, 0, 0, &s->src, NULL);
	if (!ret)
		ret = lab_td_buf_alloc(d->tfd, d->len, 0, 0, &s->dst, NULL);
	for (uint64_t off = 0; !ret && off < d->len; off += sizeof(buf))
		ret = lab_td_buf_write(d->tfd, s->src, off, buf, sizeof(buf));
	if (!ret)
		ret = lab_td_domain_alloc(d->tfd, d->pasids ? ITD_DOMAIN_PASID : 0, &s->dom);
	if (!ret)
		ret = lab_td_map(d->tfd, s->dom, BENCH_IOVA_SRC, s->src, 0, d->len, ITD_MAP_READ);
	if (!ret)
		ret = lab_td_map(d->tfd, s->dom, BENCH_IOVA_DST, s->dst, 0, d->len, ITD_MAP_READ | ITD_MAP_WRITE);
	return ret;
}

int bench_spaces(struct bench_dev *d, int n, uint64_t len)
{
	int ret = 0;

	if (n > BENCH_MAX_SPACES) {
		snprintf(d->why, sizeof(d->why), "%d address spaces: at most %d", n, BENCH_MAX_SPACES);
		return -EINVAL;
	}
	if (len % 4096 || len > d->max_len) {
		snprintf(d->why, sizeof(d->why), "%llu-byte transfers: the engine takes 4 KiB multiples "
			 "up to %llu bytes", (unsigned long long)len, (unsigned long long)d->max_len);
		return -EINVAL;
	}
	d->len = len;
	/* The module owns the device from here: its RID blocked until attached. */
	if (d->module) {
		ret = lab_td_attach(d->tfd, ITD_DOMAIN_BLOCKED);
		if (ret == -EOPNOTSUPP)
			snprintf(d->why, sizeof(d->why), "the module cannot block the RID: built for a "
				 "kernel without DMA ownership (before Linux 5.19)");
	}
	for (; !ret && d->nsp < n; d->nsp++) {
		ret = d->module ? module_space(d, &d->sp[d->nsp], bench_fill(d->nsp)) :
				  iommufd_space(d, &d->sp[d->nsp]);
		if (ret)
			snprintf(d->why, sizeof(d->why), "address space %d: %s", d->nsp, strerror(-ret));
	}
	return ret;
}

int bench_attach(struct bench_dev *d, int i, uint32_t pasid)
{
	if (!d->module)
		return lab_vfio_attach_pt(d->pci.fd, pasid, d->sp[i].hwpt);
	return pasid == BENCH_RID ? lab_td_attach(d->tfd, d->sp[i].dom) :
				    lab_td_attach_pasid(d->tfd, d->sp[i].dom, pasid);
}

int bench_detach(struct bench_dev *d, uint32_t pasid)
{
	if (!d->module)
		return lab_vfio_detach_pt(d->pci.fd, pasid);
	return pasid == BENCH_RID ? lab_td_detach(d->tfd) : lab_td_detach_pasid(d->tfd, pasid);
}

int bench_transfer(struct bench_dev *d, uint32_t pasid, uint32_t seed)
{
	bool tagged = pasid != BENCH_RID;

	if (!d->module) {
		struct lab_dma_result r;
		int ret = lab_uengine_pair(&d->eng, BENCH_IOVA_DST, d->len, seed, pasid, &r);

		return ret ? ret : (int)r.status;
	}
	struct itd_dma op = { .flags = tagged ? ITD_DMA_PASID : 0, .pasid = tagged ? pasid : 0,
			      .src_iova = BENCH_IOVA_SRC, .dst_iova = BENCH_IOVA_DST, .length = d->len };
	int ret = lab_td_dma(d->tfd, &op);

	if (!ret && op.engine_kind == ITD_ENGINE_SOFTWARE)
		return -EPROTO;	/* never count a software copy as device DMA */
	return ret ? ret : (int)op.status;
}

static int clear_dst(struct bench_dev *d, int i)
{
	uint8_t zero[4096] = { 0 };
	int ret = 0;

	if (!d->module) {
		memset(d->sp[i].page, 0, d->len);
		return 0;
	}
	for (uint64_t off = 0; !ret && off < d->len; off += sizeof(zero))
		ret = lab_td_buf_write(d->tfd, d->sp[i].dst, off, zero, sizeof(zero));
	return ret;
}

/* The transfer's data in space i: the pattern for seed (iommufd), the
 * space's fill byte in every byte (module). */
static bool landed(struct bench_dev *d, int i, uint32_t seed)
{
	uint8_t buf[4096];

	if (!d->module)
		return lab_labdev_has_pattern(d->sp[i].page, d->len, seed);
	for (uint64_t off = 0; off < d->len; off += sizeof(buf)) {
		if (lab_td_buf_read(d->tfd, d->sp[i].dst, off, buf, sizeof(buf)))
			return false;
		for (size_t b = 0; b < sizeof(buf); b++)
			if (buf[b] != bench_fill(i))
				return false;
	}
	return true;
}

int bench_check(struct bench_dev *d, int i, uint32_t pasid, uint32_t seed)
{
	int ret = clear_dst(d, i);

	if (!ret)
		ret = bench_transfer(d, pasid, seed);
	if (!ret && !landed(d, i, seed))
		ret = -EBADMSG;
	return ret;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int bench_batch(int (*op)(void *ctx, long n), void *ctx, double *rate, long *count)
{
	double t0 = now_s(), dt;
	long n = 0;

	do {
		int ret = op(ctx, n);

		if (ret) {
			*count = n;
			return ret;
		}
		n++;
		dt = now_s() - t0;
	} while (n < BENCH_BATCH_MIN || dt < BENCH_BATCH_S);
	*rate = n / dt;
	*count = n;
	return 0;
}

void bench_record(const char *tag, const char *what, const double *samples, int n, double scale,
		  const char *unit, struct lab_summary *s)
{
	double v[BENCH_ROUNDS];
	struct lab_summary sum;
	char name[64];

	if (n > BENCH_ROUNDS)
		n = BENCH_ROUNDS;
	for (int k = 0; k < n; k++)
		v[k] = samples[k] * scale;
	lab_summarize(v, n, &sum);
	snprintf(name, sizeof(name), "%s.%s", tag, what);
	lab_record_metric_range(name, sum.p50, sum.min, sum.max, unit);
	if (s)
		*s = sum;
}
