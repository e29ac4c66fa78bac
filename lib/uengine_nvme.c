// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace engine for any NVMe controller (PCI class 010802h) over VFIO:
 * the portable controller driver of lib/drivers/nvme/ (nvme_core.h) given
 * BAR 0, a clock, a barrier and the control memory the generic half
 * allocates, which the test maps at LAB_UENGINE_CTRL_IOVA in every domain it
 * attaches (queues, PRP lists, and here also a pattern area for pairs).
 *
 * The media are written only inside a scratch range that names where
 * (IOMMU_LAB_NVME_SCRATCH, "[BDF@]NSID:LBA+COUNT", docs/nvme.md):
 *   copy src -> dst  Write src -> scratch, then Read scratch -> dst: an exact
 *                    device copy, so every copy test runs unchanged
 *   pair at dst      Write the pattern (labdev's, from control memory) ->
 *                    scratch, Read scratch -> dst (the device writes the
 *                    pattern at dst), Compare dst with scratch (it reads it
 *                    back and compares)
 * Without one, copies and pairs are refused (-EROFS) and only the one-sided
 * operations run, which never write the media:
 *   read to dst      Read of the reference range (LBAs from 0), or Identify
 *                    Controller data (4 KiB) where there is no namespace
 *   compare from src Compare of src with the reference range
 *
 * The controller is set up at the first transfer or interrupt (the test has
 * attached and mapped the control memory by then), and again after a
 * transfer timed out: the engine disables it at once (no DMA from it after
 * that, whatever the domain becomes) and says so in the result (`reset`).
 * Data commands are polled; an interrupt is a command whose completion
 * signals that MSI-X vector (nvme_core_raise()).
 *
 * Results: NVMe says that a command failed, not which page: a FAULT's
 * fault_iova is the start of the failed command's buffer, fault_write
 * whether that command wrote memory (a Read). A device never learns that the
 * IOMMU dropped one of its (posted) writes: blind_writes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "drivers/labdev/labdev_hw.h"
#include "drivers/nvme/nvme_hw.h"
#include "drivers/nvme/nvme_core.h"
#include "iommufd.h"
#include "uengine.h"

#define NVME_UENGINE_VECTORS	4u	/* MSI-X vectors the tests count */
#define NVME_UENGINE_TIMEOUT_MS	5000u	/* one transfer, every command of it */
/* Control memory: the core's, then the pattern pairs write from. */
#define PATTERN_OFF		NVME_CORE_CTRL_SIZE
#define PATTERN_LEN		NVME_CORE_MAX_LEN
#define PCI_CMD			0x04	/* PCI Command register */
#define PCI_CMD_INTX_DISABLE	(1u << 10)

enum nvme_op { OP_NONE, OP_COPY, OP_PAIR, OP_READ, OP_COMPARE, OP_IDENTIFY };

struct nvme_engine {
	struct nvme_core core;
	struct nvme_core_env env;
	bool up;			/* the core is set up (since open or the last reset) */
	uint64_t ctrl_iova;		/* where, at the last setup */
	uint32_t vectors;		/* the MSI-X vectors asked for at the last setup */
	/* The scratch range, if any (parsed at open, checked at setup). */
	bool scratch;
	uint32_t scratch_nsid;
	uint64_t scratch_lba, scratch_count;
	int scratch_err;		/* what setup found wrong with it: copies and pairs fail so */
	/* What the pattern area holds: the pattern for seed, filled bytes. */
	uint32_t pattern_seed, pattern_len;
	/* The transfer in flight: its operation, which command of it, its buffers. */
	enum nvme_op op;
	int step;
	uint64_t src, dst;
	uint32_t len;
};

static struct nvme_engine *eng(const struct lab_uengine *e)
{
	return e->priv;
}

/* --- what the core is given ------------------------------------------------- */

static uint32_t env_read32(void *ctx, uint32_t off)
{
	return lab_mmio_read32(((struct lab_uengine *)ctx)->pci, off);
}

static void env_write32(void *ctx, uint32_t off, uint32_t val)
{
	lab_mmio_write32(((struct lab_uengine *)ctx)->pci, off, val);
}

static uint64_t env_now_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void env_delay_us(void *ctx, uint32_t us)
{
	(void)ctx;
	usleep(us);
}

/* Stores to control memory reach the device before the next BAR write
 * (which may be a doorbell), and what a completion entry says the device
 * wrote is visible before the CPU reads it: a full system barrier. */
static void env_barrier(void *ctx)
{
	(void)ctx;
#if defined(__aarch64__)
	__asm__ __volatile__("dsb sy" ::: "memory");
#elif defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("mfence" ::: "memory");
#else
	__sync_synchronize();
#endif
}

/* --- setting the controller up, and stopping it ------------------------------- */

static void nvme_stop(struct lab_uengine *e)
{
	struct nvme_engine *n = eng(e);

	if (n->core.env)
		nvme_core_disable(&n->core);
	n->up = false;
	n->op = OP_NONE;
	n->pattern_len = 0;	/* filled again at the next pair */
}

/* The scratch range against the namespace the core found. 0 or -errno, with why. */
static int check_scratch(struct lab_uengine *e)
{
	struct nvme_engine *n = eng(e);
	const struct nvme_core *c = &n->core;

	if (!c->nsid) {
		snprintf(e->why, sizeof(e->why), "%s: scratch range on namespace %u, but the controller has no "
			 "active namespace", e->pci->bdf, n->scratch_nsid);
		return -ENODEV;
	}
	if (n->scratch_nsid != c->nsid) {
		snprintf(e->why, sizeof(e->why), "%s: scratch range on namespace %u, but the engine drives "
			 "namespace %u (the first active one)", e->pci->bdf, n->scratch_nsid, c->nsid);
		return -EINVAL;
	}
	if (n->scratch_lba >= c->nsze || n->scratch_count > c->nsze - n->scratch_lba) {
		snprintf(e->why, sizeof(e->why), "%s: scratch range LBAs %llu+%llu beyond namespace %u's %llu LBAs",
			 e->pci->bdf, (unsigned long long)n->scratch_lba, (unsigned long long)n->scratch_count,
			 c->nsid, (unsigned long long)c->nsze);
		return -ERANGE;
	}
	return 0;
}

/*
 * The vectors the controller may be given now: an I/O completion queue can
 * interrupt on a vector above 0 only while MSI-X is on in the function (QEMU
 * refuses Create I/O CQ with Invalid Interrupt Vector otherwise, as the
 * specification allows), so with MSI-X off the controller gets the admin
 * queue's vector 0 only, and is set up again once more are on.
 */
static uint32_t nvme_vectors(const struct lab_uengine *e)
{
	if (e->pci->msix_on <= 1)
		return 1;
	return e->pci->msix_on < NVME_UENGINE_VECTORS ? e->pci->msix_on : NVME_UENGINE_VECTORS;
}

static int nvme_up(struct lab_uengine *e)
{
	struct nvme_engine *n = eng(e);
	int ret;

	/* Set up before MSI-X was on: again, with the vectors now on (its
	 * admin completions interrupt on vector 0, before anyone counts). */
	if (n->up && n->vectors < nvme_vectors(e))
		nvme_stop(e);
	if (n->up)
		return 0;
	n->op = OP_NONE;
	n->vectors = nvme_vectors(e);
	ret = nvme_core_init(&n->core, &n->env, e->ctrl, e->ctrl_iova, n->vectors);
	if (ret) {
		if (ret == -EIO && n->core.last_status)
			snprintf(e->why, sizeof(e->why), "%s: NVMe controller setup failed: a command ended with %s",
				 e->pci->bdf, nvme_core_status_name(n->core.last_status));
		else
			snprintf(e->why, sizeof(e->why), "%s: NVMe controller setup failed: %s%s", e->pci->bdf,
				 strerror(-ret), ret == -ETIMEDOUT || ret == -EIO ? " (is the engine's control "
				 "memory mapped at its IOVA in the domain the function is attached to?)" : "");
		nvme_stop(e);
		return ret;
	}
	n->up = true;
	n->ctrl_iova = e->ctrl_iova;
	n->scratch_err = n->scratch ? check_scratch(e) : 0;
	return 0;
}

/* --- transfers ------------------------------------------------------------------ */

/* Command `step` of the operation in flight: opcode, first LBA, the memory
 * it moves data to or from. false when the operation has no such step. */
static bool step_cmd(const struct nvme_engine *n, int step, uint8_t *opc, uint64_t *slba, uint64_t *iova)
{
	static const uint8_t copy[] = { NVME_CMD_WRITE, NVME_CMD_READ };
	static const uint8_t pair[] = { NVME_CMD_WRITE, NVME_CMD_READ, NVME_CMD_COMPARE };

	*slba = n->scratch_lba;
	switch (n->op) {
	case OP_COPY:
		if (step >= 2)
			return false;
		*opc = copy[step];
		*iova = step ? n->dst : n->src;
		return true;
	case OP_PAIR:
		if (step >= 3)
			return false;
		*opc = pair[step];
		*iova = step ? n->dst : n->ctrl_iova + PATTERN_OFF;
		return true;
	case OP_READ:
	case OP_COMPARE:
		if (step)
			return false;
		*opc = n->op == OP_READ ? NVME_CMD_READ : NVME_CMD_COMPARE;
		*slba = 0;	/* the reference range */
		*iova = n->op == OP_READ ? n->dst : n->src;
		return true;
	case OP_IDENTIFY:
		if (step)
			return false;
		*opc = NVME_ADMIN_IDENTIFY;
		*iova = n->dst;
		return true;
	default:
		return false;
	}
}

static int issue(struct lab_uengine *e)
{
	struct nvme_engine *n = eng(e);
	uint64_t slba, iova;
	uint8_t opc;

	if (!step_cmd(n, n->step, &opc, &slba, &iova))
		return -EINVAL;
	if (n->op == OP_IDENTIFY)
		return nvme_core_identify_to(&n->core, iova);
	return nvme_core_io(&n->core, opc, slba, iova, n->len);
}

/* Checks every operation shares: no PASID, a length the core takes, the
 * controller up, the length a multiple of the LBA size. */
static int check_len(struct lab_uengine *e, uint32_t len, uint32_t pasid)
{
	struct nvme_engine *n = eng(e);
	int ret;

	if (pasid != LAB_NO_PASID)
		return -EOPNOTSUPP;	/* an NVMe function has no PASID capability to tag with */
	if (!len || len > NVME_CORE_MAX_LEN)
		return -EINVAL;
	ret = nvme_up(e);
	if (ret)
		return ret;
	if (n->core.nsid && len % n->core.lba_size) {
		snprintf(e->why, sizeof(e->why), "%s: %u bytes: not a multiple of the %u-byte LBA", e->pci->bdf,
			 len, n->core.lba_size);
		return -EINVAL;
	}
	return 0;
}

/* Copies and pairs: a scratch range, and the transfer fits it. */
static int check_write(struct lab_uengine *e, uint32_t len, uint32_t pasid)
{
	struct nvme_engine *n = eng(e);
	int ret;

	if (pasid != LAB_NO_PASID)
		return -EOPNOTSUPP;
	if (!n->scratch) {
		snprintf(e->why, sizeof(e->why), "%s: no scratch range for it (%s): the engine never writes "
			 "the media without one", e->pci->bdf, LAB_NVME_SCRATCH_ENV);
		return -EROFS;
	}
	ret = check_len(e, len, pasid);
	if (ret)
		return ret;
	if (n->scratch_err)
		return check_scratch(e);	/* says again what is wrong with it */
	if (len / n->core.lba_size > n->scratch_count) {
		snprintf(e->why, sizeof(e->why), "%s: %u bytes: more than the scratch range's %llu LBAs", e->pci->bdf,
			 len, (unsigned long long)n->scratch_count);
		return -EINVAL;
	}
	return 0;
}

static int start(struct lab_uengine *e, enum nvme_op op, uint64_t src, uint64_t dst, uint32_t len)
{
	struct nvme_engine *n = eng(e);
	int ret;

	n->op = op;
	n->step = 0;
	n->src = src;
	n->dst = dst;
	n->len = len;
	ret = issue(e);
	if (ret)
		n->op = OP_NONE;
	return ret;
}

static int nvme_memcpy_start(struct lab_uengine *e, uint64_t src, uint64_t dst, uint32_t len, uint32_t pasid)
{
	int ret = check_write(e, len, pasid);

	return ret ? ret : start(e, OP_COPY, src, dst, len);
}

static int nvme_pair_start(struct lab_uengine *e, uint64_t dst, uint32_t len, uint32_t seed, uint32_t pasid)
{
	struct nvme_engine *n = eng(e);
	uint8_t *pat = (uint8_t *)e->ctrl + PATTERN_OFF;
	int ret = check_write(e, len, pasid);

	if (ret)
		return ret;
	/* The pattern of byte i depends on seed and i only: a longer fill for
	 * the same seed holds every shorter one. */
	if (seed != n->pattern_seed || len > n->pattern_len) {
		for (uint32_t i = 0; i < len; i++)
			pat[i] = labdev_pattern_byte(seed, i);
		n->pattern_seed = seed;
		n->pattern_len = len;
	}
	return start(e, OP_PAIR, 0, dst, len);
}

/* A one-sided transfer against the reference range: a Read into IOVA
 * (device to memory) or a Compare of IOVA with it (memory to device).
 * Without a namespace a read is the Identify data and nothing compares. */
static int oneway_start(struct lab_uengine *e, bool to_device, uint64_t iova, uint32_t len,
			uint32_t pasid)
{
	struct nvme_engine *n = eng(e);
	int ret = check_len(e, len, pasid);

	if (ret)
		return ret;
	if (n->core.nsid)
		return to_device ? start(e, OP_COMPARE, iova, 0, len) : start(e, OP_READ, 0, iova, len);
	if (to_device) {
		snprintf(e->why, sizeof(e->why), "%s: no namespace to compare with", e->pci->bdf);
		return -EOPNOTSUPP;
	}
	if (len != NVME_IDDATA_SIZE) {
		snprintf(e->why, sizeof(e->why), "%s: no namespace: a read is the %u bytes of Identify data",
			 e->pci->bdf, NVME_IDDATA_SIZE);
		return -EINVAL;
	}
	return start(e, OP_IDENTIFY, 0, iova, len);
}

static int nvme_read_start(struct lab_uengine *e, uint64_t dst, uint32_t len, uint32_t pasid)
{
	return oneway_start(e, false, dst, len, pasid);
}

static int nvme_compare_start(struct lab_uengine *e, uint64_t src, uint32_t len, uint32_t pasid)
{
	return oneway_start(e, true, src, len, pasid);
}

/* The failed command `step`'s result in r. */
static void failed(struct nvme_engine *n, enum nvme_core_result res, struct lab_dma_result *r)
{
	uint64_t slba, iova;
	uint8_t opc;

	step_cmd(n, n->step, &opc, &slba, &iova);
	r->device_status = n->core.first_status;
	switch (res) {
	case NVME_CORE_FAULT:
		r->status = LAB_DMA_FAULT;
		r->fault_iova = iova;
		r->fault_write = opc == NVME_CMD_READ || opc == NVME_ADMIN_IDENTIFY;
		break;
	case NVME_CORE_MISMATCH:
		r->status = LAB_DMA_MISMATCH;	/* NVMe does not say where: offset 0 */
		break;
	case NVME_CORE_REFUSED:
		/* Refused before any DMA only if it was the first command. */
		r->status = n->step ? LAB_DMA_ERROR : LAB_DMA_BAD_REQUEST;
		break;
	default:
		r->status = LAB_DMA_ERROR;
	}
}

static int nvme_wait(struct lab_uengine *e, struct lab_dma_result *r)
{
	struct nvme_engine *n = eng(e);

	*r = (struct lab_dma_result){ .status = LAB_DMA_OK };
	if (n->op == OP_NONE)
		return -EINVAL;
	for (;;) {
		enum nvme_core_result res = NVME_CORE_ERROR;
		int ret = nvme_core_wait(&n->core, NVME_UENGINE_TIMEOUT_MS, &res);

		if (ret) {
			/* The controller did not finish (or failed fatally): stop
			 * it now, so that nothing it still holds reaches memory
			 * later; it is set up again at the next transfer. */
			snprintf(e->why, sizeof(e->why), "%s: NVMe command %d of the transfer: %s; controller "
				 "disabled, set up again at the next transfer", e->pci->bdf, n->step,
				 ret == -EIO ? "the controller failed (CSTS.CFS: it could not fetch or post a "
				 "queue entry)" : strerror(-ret));
			nvme_stop(e);
			r->status = LAB_DMA_ERROR;
			r->reset = true;
			return 0;
		}
		if (res != NVME_CORE_OK) {
			failed(n, res, r);
			n->op = OP_NONE;
			return 0;
		}
		n->step++;
		if (!step_cmd(n, n->step, &(uint8_t){ 0 }, &(uint64_t){ 0 }, &(uint64_t){ 0 })) {
			n->op = OP_NONE;
			return 0;
		}
		ret = issue(e);
		if (ret) {
			snprintf(e->why, sizeof(e->why), "%s: NVMe command %d of the transfer not issued: %s",
				 e->pci->bdf, n->step, strerror(-ret));
			r->status = LAB_DMA_ERROR;
			n->op = OP_NONE;
			return 0;
		}
	}
}

/* --- interrupts, and what the tests ask of the engine ---------------------------- */

static int nvme_send_msi(struct lab_uengine *e, uint32_t vector)
{
	struct nvme_engine *n = eng(e);
	int ret;

	ret = nvme_up(e);

	if (ret)
		return ret;
	ret = nvme_core_raise(&n->core, vector);
	if (ret == -ETIMEDOUT) {
		snprintf(e->why, sizeof(e->why), "%s: NVMe command for MSI-X vector %u timed out; controller "
			 "disabled", e->pci->bdf, vector);
		nvme_stop(e);
	}
	return ret;
}

static int nvme_prepare(struct lab_uengine *e)
{
	bool was_up = eng(e)->up;
	int ret = nvme_up(e);

	return ret ? ret : !was_up;
}

static int nvme_limits(struct lab_uengine *e, struct lab_uengine_limits *l)
{
	struct nvme_engine *n = eng(e);
	const struct nvme_core *c = &n->core;
	int ret = nvme_up(e);
	uint64_t bytes;

	if (ret)
		return ret;
	if (!c->nsid) {
		*l = (struct lab_uengine_limits){ .granule = NVME_IDDATA_SIZE, .max_read = NVME_IDDATA_SIZE };
		return 0;
	}
	l->granule = c->lba_size;
	bytes = c->nsze * c->lba_size;
	l->max_read = bytes < NVME_CORE_MAX_LEN ? (uint32_t)bytes : NVME_CORE_MAX_LEN;
	bytes = n->scratch && !n->scratch_err ? n->scratch_count * c->lba_size : 0;
	l->max_write = bytes < NVME_CORE_MAX_LEN ? (uint32_t)bytes : NVME_CORE_MAX_LEN;
	return 0;
}

static bool nvme_can_write(const struct lab_uengine *e)
{
	return eng(e)->scratch;
}

static int nvme_open(struct lab_uengine *e)
{
	struct nvme_engine *n = eng(e);
	const char *spec = getenv(LAB_NVME_SCRATCH_ENV);
	char err[160];
	uint16_t cmd;
	int ret;

	ret = lab_nvme_scratch_parse(spec, e->pci->bdf, &n->scratch_nsid, &n->scratch_lba, &n->scratch_count,
				     err, sizeof(err));
	if (ret < 0) {
		snprintf(e->why, sizeof(e->why), "%s='%s': %s", LAB_NVME_SCRATCH_ENV, spec, err);
		return ret;
	}
	n->scratch = ret == 1;
	n->env = (struct nvme_core_env){ .ctx = e, .read32 = env_read32, .write32 = env_write32,
					 .now_ns = env_now_ns, .delay_us = env_delay_us, .barrier = env_barrier };
	n->core.env = &n->env;	/* so that a stop before any setup disables it too */
	/* The engine polls or uses MSI-X: the legacy interrupt stays off, so
	 * that a completion before MSI-X is enabled asserts nothing. */
	if (!lab_vfio_pci_cfg_read(e->pci, PCI_CMD, &cmd, 2)) {
		cmd |= PCI_CMD_INTX_DISABLE;
		lab_vfio_pci_cfg_write(e->pci, PCI_CMD, &cmd, 2);
	}
	return 0;
}


void lab_uengine_nvme_use_env(struct lab_uengine *e, const struct nvme_core_env *env)
{
	struct nvme_engine *n = eng(e);

	nvme_stop(e);
	n->env = *env;
	n->core.env = &n->env;
}

/* --- the scratch range syntax ------------------------------------------------------ */

static int bad(char *err, size_t errlen, int idx, const char *entry, size_t len, const char *what)
{
	snprintf(err, errlen, "entry %d '%.*s': %s (expected [BDF@]NSID:LBA+COUNT, e.g. "
		 "0000:00:07.0@1:1024+256)", idx, (int)len, entry, what);
	return -EINVAL;
}

/* A number of the entry, up to ':' or '+' or its end. */
static bool number(const char **p, const char *end, uint64_t *v)
{
	char buf[32], *stop;
	size_t n = 0;

	while (*p + n < end && n < sizeof(buf) - 1 && (*p)[n] != ':' && (*p)[n] != '+')
		n++;
	if (!n || n >= sizeof(buf) - 1 || **p == '-' || **p == '+' || **p == ' ')
		return false;
	memcpy(buf, *p, n);
	buf[n] = 0;
	errno = 0;
	/* Decimal, or hexadecimal with 0x; never octal (a leading 0 is decimal). */
	*v = strtoull(buf, &stop, n > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X') ? 16 : 10);
	if (errno || *stop)
		return false;
	*p += n;
	return true;
}

/* Whether the BDF of an entry names function bdf ("0000:00:07.0"; the
 * domain may be left out, and case does not matter). */
static bool same_bdf(const char *spec, size_t len, const char *bdf)
{
	char full[32];
	int colons = 0;

	for (size_t i = 0; i < len; i++)
		colons += spec[i] == ':';
	if (!bdf || len > 16)
		return false;
	snprintf(full, sizeof(full), "%s%.*s", colons == 1 ? "0000:" : "", (int)len, spec);
	return !strcasecmp(full, bdf);
}

int lab_nvme_scratch_parse(const char *spec, const char *bdf, uint32_t *nsid, uint64_t *lba, uint64_t *count,
			   char *err, size_t errlen)
{
	bool found = false, found_any = false;
	uint64_t any[3] = { 0 };
	int idx = 0;

	if (err && errlen)
		err[0] = 0;
	if (!spec)
		return 0;
	for (const char *p = spec; *p;) {
		const char *end = strchr(p, ','), *e, *at, *q;
		uint64_t ns, first, n;
		size_t len;

		if (!end)
			end = p + strlen(p);
		idx++;
		/* Spaces around an entry are allowed, not inside it. */
		while (p < end && *p == ' ')
			p++;
		for (e = end; e > p && e[-1] == ' '; e--)
			;
		len = (size_t)(e - p);
		if (!len)
			return bad(err, errlen, idx, p, len, "empty");
		at = memchr(p, '@', len);
		q = at ? at + 1 : p;
		if (at && (at == p || memchr(p, ' ', (size_t)(at - p))))
			return bad(err, errlen, idx, p, len, "no function before '@'");
		if (!number(&q, e, &ns) || q >= e || *q++ != ':')
			return bad(err, errlen, idx, p, len, "no NSID before ':'");
		if (!ns || ns >= 0xffffffffull)
			return bad(err, errlen, idx, p, len, "NSID must be 1 .. 4294967294");
		if (!number(&q, e, &first) || q >= e || *q++ != '+')
			return bad(err, errlen, idx, p, len, "no first LBA before '+'");
		if (!number(&q, e, &n) || q != e)
			return bad(err, errlen, idx, p, len, "no LBA count after '+'");
		if (!n)
			return bad(err, errlen, idx, p, len, "the LBA count must be at least 1");
		if (first + n < first)
			return bad(err, errlen, idx, p, len, "the range wraps around");
		if (!found && at && same_bdf(p, (size_t)(at - p), bdf)) {
			found = true;
			*nsid = (uint32_t)ns, *lba = first, *count = n;
		} else if (!found_any && !at) {
			found_any = true;
			any[0] = ns, any[1] = first, any[2] = n;
		}
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return bad(err, errlen, idx + 1, p, 0, "empty");
	}
	if (found)
		return 1;
	if (!found_any)
		return 0;
	*nsid = (uint32_t)any[0], *lba = any[1], *count = any[2];
	return 1;
}

const struct lab_uengine_ops lab_uengine_nvme = {
	.name = NVME_NAME,
	.max_len = NVME_CORE_MAX_LEN,
	.dev = { .class_code = NVME_CLASS_CODE, .regs_end = NVME_BAR_MIN_SIZE },
	.priv_size = sizeof(struct nvme_engine),
	.ctrl_size = NVME_CORE_CTRL_SIZE + PATTERN_LEN,
	.msix_vectors = NVME_UENGINE_VECTORS,
	.msi_needs_dma = true,
	.blind_writes = true,
	.open = nvme_open,
	.stop = nvme_stop,
	.prepare = nvme_prepare,
	.limits = nvme_limits,
	.can_write = nvme_can_write,
	.memcpy_start = nvme_memcpy_start,
	.pair_start = nvme_pair_start,
	.read_start = nvme_read_start,
	.compare_start = nvme_compare_start,
	.wait = nvme_wait,
	.send_msi = nvme_send_msi,
};
