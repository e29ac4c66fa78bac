// SPDX-License-Identifier: GPL-2.0-only
/*
 * The NVMe controller driver of nvme_core.h, written from the NVMe Base
 * Specification 2.0 and the NVM Command Set Specification 1.0. Portable: the
 * module compiles it through drivers/testdev/nvme_core.c, the library as a
 * source of its own; it calls only its env callbacks, memset and memcpy.
 *
 * Control memory, NVME_CORE_PAGE pages from ctrl_iova (queue qid's SQ is page
 * 2 * qid and its CQ page 2 * qid + 1):
 *
 *   page  0, 1    admin SQ, CQ (qid 0; its completions interrupt on vector 0)
 *   page  2, 3    data SQ, CQ (qid 1; polled, interrupts disabled)
 *   page  4 .. 17 SQ, CQ of vector v = 1 .. 7 (qid 1 + v; interrupt on v)
 *   page 18 .. 25 PRP lists, one per data command in flight that needs one
 *   page 26       Identify data read by nvme_core_init()
 *   page 27       bounce page: nvme_core_raise()'s one-LBA Reads land here
 *
 * Every queue has qdepth (<= 64) entries: an SQ of 64-byte entries or a CQ of
 * 16-byte ones fits in its page. A PRP list page holds 512 entries, enough
 * for one command of NVME_CORE_MAX_LEN (2 MiB) at any dword offset (PRP1
 * covers the first partial page, the list the 512 pages after it), so lists
 * never chain. Commands are at most max_xfer bytes (MDTS); a longer transfer
 * is split, and nvme_core_wait() submits the remaining commands as earlier
 * ones complete.
 *
 * The only commands it sends: admin Identify, Set Features and Get Features
 * (Number of Queues), Create I/O Completion Queue, Create I/O Submission
 * Queue; NVM Read, Compare, Write (only when nvme_core_io() is asked to) and
 * Flush (nvme_core_raise() without a namespace). Never Format, Sanitize,
 * namespace management, firmware or Delete commands: a reset (CC.EN = 0)
 * drops the I/O queues.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#else
#include <errno.h>
#include <string.h>
#endif

#include "nvme_core.h"
#include "nvme_hw.h"

/* The SQ and CQ entries and PRP lists are used in place, in CPU order. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "nvme_core.c uses NVMe's little-endian structures in place: little-endian hosts only"
#endif

static inline uint16_t nvmec_le16(uint16_t v) { return v; }	/* from little endian */
static inline uint32_t nvmec_le32(uint32_t v) { return v; }
static inline uint64_t nvmec_to_le64(uint64_t v) { return v; }	/* to little endian */
static inline uint32_t nvmec_to_le32(uint32_t v) { return v; }
static inline uint16_t nvmec_to_le16(uint16_t v) { return v; }

#define NVMEC_PAGE_MASK_LOW		(NVME_CORE_PAGE - 1u)
#define NVMEC_PRP_PER_PAGE		(NVME_CORE_PAGE / 8u)
#define NVMEC_CTRL_PAGE_PRP(i)	(2u + 2u * NVME_CORE_MAX_VECTORS + (i))
#define NVMEC_CTRL_PAGE_IDENTIFY	NVMEC_CTRL_PAGE_PRP(NVME_CORE_PRP_PAGES)
#define NVMEC_CTRL_PAGE_BOUNCE	(NVMEC_CTRL_PAGE_IDENTIFY + 1u)
#define NVMEC_DATA_QID		1u
#define NVMEC_MSI_QID(v)		(1u + (v))
/* Namespaces init looks at for one it can use. */
#define NVMEC_NS_CANDIDATES		16u
/* Poll delays: commands complete in microseconds, CSTS.RDY in milliseconds. */
#define NVMEC_POLL_CMD_MAX_US		16u
#define NVMEC_POLL_RDY_MAX_US		1000u

_Static_assert(NVMEC_CTRL_PAGE_BOUNCE + 1u == NVME_CORE_CTRL_PAGES,
	       "the control memory layout fills it");
_Static_assert(NVME_CORE_QDEPTH <= 64u, "command ids in flight fit struct nvme_core_queue.cids");
_Static_assert(NVME_CORE_QDEPTH * NVME_SQE_SIZE <= NVME_CORE_PAGE, "an SQ fits in its page");
_Static_assert(NVME_CORE_PRP_PAGES <= 8u, "PRP list pages fit struct nvme_core.prp_free");
_Static_assert(NVME_CORE_MAX_LEN <= NVMEC_PRP_PER_PAGE * NVME_CORE_PAGE,
	       "one PRP list page per command");
_Static_assert(NVME_CORE_MAX_VECTORS + 1u <= NVME_CORE_QDEPTH, "I/O queue ids stay small");

static inline uint32_t nvmec_min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* --- registers, time --------------------------------------------------- */

static uint32_t nvmec_rd32(struct nvme_core *c, uint32_t off)
{
	return c->env->read32(c->env->ctx, off);
}

static void nvmec_wr32(struct nvme_core *c, uint32_t off, uint32_t val)
{
	c->env->write32(c->env->ctx, off, val);
}

/* 64-bit registers as two 32-bit accesses, low half first. */
static uint64_t nvmec_rd64(struct nvme_core *c, uint32_t off)
{
	uint64_t lo = nvmec_rd32(c, off);

	return lo | (uint64_t)nvmec_rd32(c, off + 4) << 32;
}

static void nvmec_wr64(struct nvme_core *c, uint32_t off, uint64_t val)
{
	nvmec_wr32(c, off, (uint32_t)val);
	nvmec_wr32(c, off + 4, (uint32_t)(val >> 32));
}

struct nvmec_poll {
	uint64_t deadline;
	uint32_t delay_us, max_us;
};

static void nvmec_poll_start(struct nvme_core *c, struct nvmec_poll *p, uint32_t timeout_ms,
			     uint32_t max_us)
{
	p->deadline = c->env->now_ns(c->env->ctx) + (uint64_t)timeout_ms * 1000000u;
	p->delay_us = 1;
	p->max_us = max_us;
}

/* Sleep a little longer each time nothing happened; false once expired. */
static bool nvmec_poll_again(struct nvme_core *c, struct nvmec_poll *p)
{
	if (c->env->now_ns(c->env->ctx) >= p->deadline)
		return false;
	c->env->delay_us(c->env->ctx, p->delay_us);
	p->delay_us = nvmec_min_u32(p->delay_us * 2u, p->max_us);
	return true;
}

/* The kernel's barrier() is a function-like macro: the parentheses keep the
 * callback call from expanding it. */
static void nvmec_env_barrier(struct nvme_core *c)
{
	(c->env->barrier)(c->env->ctx);
}

/* CSTS says the controller cannot go on: fatal status, or gone from the bus. */
static bool nvmec_ctrl_failed(struct nvme_core *c)
{
	uint32_t csts = nvmec_rd32(c, NVME_BAR_CSTS);

	return csts == NVME_BAR_CSTS_GONE || (csts & NVME_BAR_CSTS_CFS);
}

/* Wait (CAP.TO) for CSTS.RDY to read `want`. */
static int nvmec_wait_ready(struct nvme_core *c, bool want)
{
	struct nvmec_poll p;
	uint32_t csts;

	nvmec_poll_start(c, &p, c->timeout_ms, NVMEC_POLL_RDY_MAX_US);
	for (;;) {
		csts = nvmec_rd32(c, NVME_BAR_CSTS);
		if (csts == NVME_BAR_CSTS_GONE)
			return -ENODEV;
		if (want && (csts & NVME_BAR_CSTS_CFS))
			return -EIO;
		if (!!(csts & NVME_BAR_CSTS_RDY) == want)
			return 0;
		if (!nvmec_poll_again(c, &p))
			return -ETIMEDOUT;
	}
}

/*
 * Controller reset: CC.EN = 0, then CSTS.RDY = 0; clears CSTS.CFS too.
 * settle: first let a controller that is still becoming ready finish (3.5.1:
 * the state another driver may have left it in).
 */
static int nvmec_ctrl_disable(struct nvme_core *c, bool settle)
{
	uint32_t cc = nvmec_rd32(c, NVME_BAR_CC);
	uint32_t csts = nvmec_rd32(c, NVME_BAR_CSTS);

	if (cc == NVME_BAR_CSTS_GONE && csts == NVME_BAR_CSTS_GONE)
		return -ENODEV;
	if (cc & NVME_BAR_CC_EN) {
		if (settle && !(csts & (NVME_BAR_CSTS_RDY | NVME_BAR_CSTS_CFS)))
			nvmec_wait_ready(c, true);
		nvmec_wr32(c, NVME_BAR_CC, cc & ~NVME_BAR_CC_EN);
	}
	return nvmec_wait_ready(c, false);
}

/* --- control memory, queues --------------------------------------------- */

static uint8_t *nvmec_page_cpu(struct nvme_core *c, uint32_t page)
{
	return c->ctrl + (size_t)page * NVME_CORE_PAGE;
}

static uint64_t nvmec_page_iova(struct nvme_core *c, uint32_t page)
{
	return c->ctrl_iova + (uint64_t)page * NVME_CORE_PAGE;
}

static void nvmec_queue_reset(struct nvme_core_queue *q, uint16_t qid, uint16_t vector, bool irq)
{
	memset(q, 0, sizeof(*q));
	q->qid = qid;
	q->phase = 1;	/* the controller's first pass posts P = 1 (CQs start zeroed) */
	q->vector = vector;
	q->irq = irq;
}

/* A free command id, or -1. They rotate, so a stale completion stands out. */
static int nvmec_cid_alloc(struct nvme_core *c, struct nvme_core_queue *q)
{
	uint32_t i, cid;

	for (i = 0; i < c->qdepth; i++) {
		cid = (q->next_cid + i) % c->qdepth;
		if (!(q->cids & (1ull << cid))) {
			q->cids |= 1ull << cid;
			q->next_cid = (uint16_t)((cid + 1u) % c->qdepth);
			return (int)cid;
		}
	}
	return -1;
}

/* Put a command in q's SQ (the doorbell rings later: nvmec_sq_ring()). */
static void nvmec_sq_put(struct nvme_core *c, struct nvme_core_queue *q,
			 const struct nvme_sqe *cmd, uint16_t cid)
{
	struct nvme_sqe *slot = (struct nvme_sqe *)nvmec_page_cpu(c, 2u * q->qid) + q->sq_tail;
	struct nvme_sqe e = *cmd;

	e.cid = nvmec_to_le16(cid);
	e.nsid = nvmec_to_le32(e.nsid);
	e.prp1 = nvmec_to_le64(e.prp1);
	e.prp2 = nvmec_to_le64(e.prp2);
	e.cdw10 = nvmec_to_le32(e.cdw10);
	e.cdw11 = nvmec_to_le32(e.cdw11);
	e.cdw12 = nvmec_to_le32(e.cdw12);
	memcpy(slot, &e, sizeof(e));
	q->sq_tail = (uint16_t)((q->sq_tail + 1u) % c->qdepth);
	q->outstanding++;
}

static void nvmec_sq_ring(struct nvme_core *c, struct nvme_core_queue *q)
{
	nvmec_env_barrier(c);	/* the entries before the doorbell */
	nvmec_wr32(c, nvme_bar_sq_tail_db(q->qid, c->doorbell_stride), q->sq_tail);
}

/*
 * Take the next completion the controller posted on q, if any: its phase tag
 * is the one this pass of the CQ expects. Returns the command id it
 * completes, -1 if the CQ is empty, -2 for an entry that completes no command
 * in flight (consumed and ignored).
 */
static int nvmec_cq_take(struct nvme_core *c, struct nvme_core_queue *q, struct nvme_cqe *out)
{
	const volatile struct nvme_cqe *e =
		(const volatile struct nvme_cqe *)nvmec_page_cpu(c, 2u * q->qid + 1u) + q->cq_head;
	uint16_t cid;

	out->status = nvmec_le16(e->status);
	if ((out->status & NVME_CQE_PHASE) != q->phase)
		return -1;
	nvmec_env_barrier(c);	/* the rest of the entry, and the data */
	out->dw0 = nvmec_le32(e->dw0);
	out->status = nvmec_le16(e->status);
	cid = nvmec_le16(e->cid);
	out->cid = cid;
	if (++q->cq_head == c->qdepth) {
		q->cq_head = 0;
		q->phase ^= 1u;
	}
	if (cid >= c->qdepth || !(q->cids & (1ull << cid)))
		return -2;
	q->cids &= ~(1ull << cid);
	q->outstanding--;
	return cid;
}

/* Tell the controller the CQ entries up to cq_head are consumed. */
static void nvmec_cq_release(struct nvme_core *c, struct nvme_core_queue *q)
{
	nvmec_wr32(c, nvme_bar_cq_head_db(q->qid, c->doorbell_stride), q->cq_head);
}

/*
 * Run one command on q and poll for its completion (timeout CAP.TO). 0 with
 * the completion's DW0; -EIO with last_status if it failed; -ETIMEDOUT, or
 * -EIO for CSTS.CFS, and the core is no longer ready.
 */
static int nvmec_sync_cmd(struct nvme_core *c, struct nvme_core_queue *q,
			  const struct nvme_sqe *cmd, uint32_t *dw0)
{
	struct nvme_cqe cqe;
	struct nvmec_poll p;
	uint16_t status;
	bool took;
	int cid, got;

	cid = nvmec_cid_alloc(c, q);
	if (cid < 0)
		return -EBUSY;
	nvmec_sq_put(c, q, cmd, (uint16_t)cid);
	nvmec_sq_ring(c, q);
	nvmec_poll_start(c, &p, c->timeout_ms, NVMEC_POLL_CMD_MAX_US);
	for (;;) {
		took = false;
		do {
			got = nvmec_cq_take(c, q, &cqe);
			took |= got != -1;
		} while (got != -1 && got != cid);
		if (took)
			nvmec_cq_release(c, q);
		if (got == cid)
			break;
		if (nvmec_ctrl_failed(c) || !nvmec_poll_again(c, &p)) {
			/* The queue is in an unknown state: init again. */
			c->ready = false;
			return nvmec_ctrl_failed(c) ? -EIO : -ETIMEDOUT;
		}
	}
	status = nvme_cqe_status(cqe.status);
	if (status) {
		c->last_status = status;
		return -EIO;
	}
	if (dw0)
		*dw0 = cqe.dw0;
	return 0;
}

/* --- init ---------------------------------------------------------------- */

static int nvmec_identify(struct nvme_core *c, uint8_t cns, uint32_t nsid)
{
	struct nvme_sqe cmd = {
		.opcode = NVME_ADMIN_IDENTIFY,
		.nsid = nsid,
		.prp1 = nvmec_page_iova(c, NVMEC_CTRL_PAGE_IDENTIFY),
		.cdw10 = cns,
	};

	return nvmec_sync_cmd(c, &c->admin, &cmd, NULL);
}

/* An Identify string: trailing spaces dropped, anything not printable as '?'. */
static void nvmec_id_string(char *dst, const uint8_t *src, uint32_t len)
{
	uint32_t i, end = 0;

	for (i = 0; i < len; i++) {
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
		if (src[i] != ' ' && src[i] != 0)
			end = i + 1;
	}
	dst[end] = 0;
}

static void nvmec_identify_controller_parse(struct nvme_core *c, uint32_t *nn)
{
	const uint8_t *id = nvmec_page_cpu(c, NVMEC_CTRL_PAGE_IDENTIFY);
	uint32_t mdts = id[NVME_IDCTRL_MDTS];

	nvmec_id_string(c->model, id + NVME_IDCTRL_MN, NVME_IDCTRL_MN_LEN);
	nvmec_id_string(c->serial, id + NVME_IDCTRL_SN, NVME_IDCTRL_SN_LEN);
	nvmec_id_string(c->firmware, id + NVME_IDCTRL_FR, NVME_IDCTRL_FR_LEN);
	/* MDTS counts CAP.MPSMIN pages, which init requires to be 4 KiB; 2 MiB
	 * (NVME_CORE_MAX_LEN) is 4 KiB << 9. */
	c->max_xfer = NVME_CORE_MAX_LEN;
	if (mdts && mdts < 9u)
		c->max_xfer = NVME_CORE_PAGE << mdts;
	c->compare = (nvme_hw_le16(id, NVME_IDCTRL_ONCS) & NVME_IDCTRL_ONCS_COMPARE) != 0;
	*nn = nvme_hw_le32(id, NVME_IDCTRL_NN);
}

/*
 * Whether the Identify Namespace data in the Identify page describes a
 * namespace the core can use: not empty, LBAs of 512 B .. 4 KiB without
 * metadata (a metadata buffer or protection information would need MPTR).
 */
static bool nvmec_namespace_usable(struct nvme_core *c, uint32_t nsid)
{
	const uint8_t *id = nvmec_page_cpu(c, NVMEC_CTRL_PAGE_IDENTIFY);
	uint64_t nsze = nvme_hw_le64(id, NVME_IDNS_NSZE);
	uint32_t fmt = NVME_IDNS_FLBAS_INDEX(id[NVME_IDNS_FLBAS]);
	uint32_t lbaf, lbads;

	if (!nsze || fmt > id[NVME_IDNS_NLBAF] || fmt >= NVME_IDNS_LBAF_MAX)
		return false;
	lbaf = nvme_hw_le32(id, NVME_IDNS_LBAF(fmt));
	lbads = NVME_IDNS_LBAF_LBADS(lbaf);
	if (NVME_IDNS_LBAF_MS(lbaf) || lbads < 9u || lbads > 12u)
		return false;
	c->nsid = nsid;
	c->lba_size = 1u << lbads;
	c->nsze = nsze;
	return true;
}

/* The first active namespace the core can use, among the first few. */
static int nvmec_namespace_find(struct nvme_core *c, uint32_t nn)
{
	const uint8_t *id = nvmec_page_cpu(c, NVMEC_CTRL_PAGE_IDENTIFY);
	uint32_t nsids[NVMEC_NS_CANDIDATES];
	uint32_t i, n = 0;
	int ret;

	if (!nn)
		return 0;
	ret = nvmec_identify(c, NVME_CNS_ACTIVE_NSIDS, 0);
	if (ret == 0) {
		for (n = 0; n < NVMEC_NS_CANDIDATES; n++) {
			nsids[n] = nvme_hw_le32(id, 4u * n);
			if (!nsids[n])
				break;
		}
	} else if (ret == -EIO) {
		/* Before NVMe 1.1 there is no list: namespaces are 1 .. NN. */
		for (n = 0; n < nvmec_min_u32(nn, NVMEC_NS_CANDIDATES); n++)
			nsids[n] = n + 1u;
	} else {
		return ret;
	}
	for (i = 0; i < n; i++) {
		ret = nvmec_identify(c, NVME_CNS_NS, nsids[i]);
		if (ret == -EIO)
			continue;	/* inactive */
		if (ret)
			return ret;
		if (nvmec_namespace_usable(c, nsids[i]))
			return 0;
	}
	return 0;
}

/* Create I/O queue pair qid: its CQ first, then the SQ that posts to it. */
static int nvmec_queue_create(struct nvme_core *c, struct nvme_core_queue *q, uint16_t qid,
			      uint16_t vector, bool irq)
{
	struct nvme_sqe cq = {
		.opcode = NVME_ADMIN_CREATE_CQ,
		.prp1 = nvmec_page_iova(c, 2u * qid + 1u),
		.cdw10 = NVME_CREATEQ_CDW10(qid, c->qdepth),
		.cdw11 = NVME_CREATEQ_PC | (irq ? NVME_CREATEQ_IEN | NVME_CREATEQ_IV(vector) : 0),
	};
	struct nvme_sqe sq = {
		.opcode = NVME_ADMIN_CREATE_SQ,
		.prp1 = nvmec_page_iova(c, 2u * qid),
		.cdw10 = NVME_CREATEQ_CDW10(qid, c->qdepth),
		.cdw11 = NVME_CREATEQ_PC | NVME_CREATEQ_CQID(qid),
	};
	int ret;

	nvmec_queue_reset(q, qid, vector, irq);
	ret = nvmec_sync_cmd(c, &c->admin, &cq, NULL);
	return ret ? ret : nvmec_sync_cmd(c, &c->admin, &sq, NULL);
}

/* Ask for one I/O queue pair per vector (at least the data pair). */
static int nvmec_queues_request(struct nvme_core *c, uint32_t nr_vectors)
{
	uint32_t pairs = nr_vectors ? nr_vectors : 1u, dw0;
	struct nvme_sqe cmd = {
		.opcode = NVME_ADMIN_SET_FEATURES,
		.cdw10 = NVME_FID_NUM_QUEUES,
		.cdw11 = NVME_FID_NUM_QUEUES_VALUE(pairs, pairs),
	};
	int ret = nvmec_sync_cmd(c, &c->admin, &cmd, &dw0);

	if (ret)
		return ret;
	c->nr_vectors = nvmec_min_u32(nr_vectors, nvmec_min_u32(NVME_FID_NUM_QUEUES_NSQA(dw0),
						     NVME_FID_NUM_QUEUES_NCQA(dw0)));
	return 0;
}

static int nvmec_ctrl_enable(struct nvme_core *c)
{
	uint32_t cc = NVME_BAR_CC_CSS(NVME_BAR_CC_CSS_NVM) | NVME_BAR_CC_MPS(0) |
		      NVME_BAR_CC_AMS(0) | NVME_BAR_CC_IOSQES(NVME_SQE_SIZE_LOG2) |
		      NVME_BAR_CC_IOCQES(NVME_CQE_SIZE_LOG2);

	nvmec_queue_reset(&c->admin, 0, 0, true);
	nvmec_wr32(c, NVME_BAR_AQA, NVME_BAR_AQA_VALUE(c->qdepth, c->qdepth));
	nvmec_wr64(c, NVME_BAR_ASQ, nvmec_page_iova(c, 0));
	nvmec_wr64(c, NVME_BAR_ACQ, nvmec_page_iova(c, 1));
	nvmec_wr32(c, NVME_BAR_CC, cc);
	nvmec_wr32(c, NVME_BAR_CC, cc | NVME_BAR_CC_EN);
	return nvmec_wait_ready(c, true);
}

static int nvmec_init_steps(struct nvme_core *c, uint32_t nr_vectors)
{
	uint32_t nn, v;
	int ret;

	c->cap = nvmec_rd64(c, NVME_BAR_CAP);
	c->vs = nvmec_rd32(c, NVME_BAR_VS);
	if (c->cap == ~0ull || !(NVME_BAR_CAP_CSS(c->cap) & NVME_BAR_CAP_CSS_NVM) ||
	    NVME_BAR_CAP_MPSMIN(c->cap) != 0 || NVME_BAR_CAP_MQES(c->cap) == 0)
		return -ENODEV;	/* not NVMe, no NVM command set, or no 4 KiB pages */
	c->doorbell_stride = 4u << NVME_BAR_CAP_DSTRD(c->cap);
	c->timeout_ms = (NVME_BAR_CAP_TO(c->cap) ? NVME_BAR_CAP_TO(c->cap) : 1u) *
			NVME_BAR_CAP_TO_UNIT_MS;
	c->qdepth = (uint16_t)nvmec_min_u32(NVME_CORE_QDEPTH, NVME_BAR_CAP_MQES(c->cap) + 1u);

	ret = nvmec_ctrl_disable(c, true);
	if (ret)
		return ret;
	/* Disabled: no DMA from the controller, the control memory is ours. */
	memset(c->ctrl, 0, NVME_CORE_CTRL_SIZE);
	c->prp_free = (uint8_t)((1u << NVME_CORE_PRP_PAGES) - 1u);
	ret = nvmec_ctrl_enable(c);
	if (ret)
		return ret;

	ret = nvmec_identify(c, NVME_CNS_CTRL, 0);
	if (ret)
		return ret;
	nvmec_identify_controller_parse(c, &nn);
	ret = nvmec_namespace_find(c, nn);
	if (ret)
		return ret;

	ret = nvmec_queues_request(c, nvmec_min_u32(nr_vectors, NVME_CORE_MAX_VECTORS));
	if (ret)
		return ret;
	ret = nvmec_queue_create(c, &c->data, NVMEC_DATA_QID, 0, false);
	for (v = 1; !ret && v < c->nr_vectors; v++)
		ret = nvmec_queue_create(c, &c->msi[v], NVMEC_MSI_QID(v), (uint16_t)v, true);
	return ret;
}

int nvme_core_init(struct nvme_core *c, const struct nvme_core_env *env, void *ctrl_cpu,
		   uint64_t ctrl_iova, uint32_t nr_vectors)
{
	int ret;

	if (!c || !env || !ctrl_cpu || !env->read32 || !env->write32 || !env->now_ns ||
	    !env->delay_us || !env->barrier || (ctrl_iova & NVMEC_PAGE_MASK_LOW))
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->env = env;
	c->ctrl = ctrl_cpu;
	c->ctrl_iova = ctrl_iova;
	c->timeout_ms = NVME_BAR_CAP_TO_UNIT_MS;

	ret = nvmec_init_steps(c, nr_vectors);
	if (ret) {
		/* Leave it disabled: nothing half set up keeps running. */
		if (ret != -ENODEV && (nvmec_rd32(c, NVME_BAR_CC) & NVME_BAR_CC_EN))
			nvmec_ctrl_disable(c, false);
		c->nr_vectors = 0;
		return ret;
	}
	c->last_status = 0;	/* Identify of inactive namespaces is no failure */
	c->ready = true;
	return 0;
}

void nvme_core_disable(struct nvme_core *c)
{
	if (!c || !c->env)
		return;
	nvmec_ctrl_disable(c, false);
	c->ready = false;
	c->xfer.active = false;
}

/* --- transfers ---------------------------------------------------------- */

/*
 * PRP entries for len bytes at iova (4.1.1): PRP1 is iova (any dword offset),
 * PRP2 the second page when two pages hold the data, else a PRP list of the
 * pages after the first, in list page `list`.
 */
static void nvmec_prp_fill(struct nvme_core *c, struct nvme_sqe *cmd, uint64_t iova,
			   uint32_t len, uint32_t list)
{
	uint32_t first = NVME_CORE_PAGE - (uint32_t)(iova & NVMEC_PAGE_MASK_LOW);
	uint64_t next = (iova | NVMEC_PAGE_MASK_LOW) + 1u;
	uint64_t *entries;
	uint32_t i, n;

	cmd->prp1 = iova;
	cmd->prp2 = 0;
	if (len <= first)
		return;
	if (len - first <= NVME_CORE_PAGE) {
		cmd->prp2 = next;
		return;
	}
	n = (len - first + NVMEC_PAGE_MASK_LOW) / NVME_CORE_PAGE;	/* <= NVMEC_PRP_PER_PAGE */
	entries = (uint64_t *)nvmec_page_cpu(c, NVMEC_CTRL_PAGE_PRP(list));
	for (i = 0; i < n; i++)
		entries[i] = nvmec_to_le64(next + (uint64_t)i * NVME_CORE_PAGE);
	cmd->prp2 = nvmec_page_iova(c, NVMEC_CTRL_PAGE_PRP(list));
}

static bool nvmec_prp_needs_list(uint64_t iova, uint32_t len)
{
	return (iova & NVMEC_PAGE_MASK_LOW) + len > 2u * NVME_CORE_PAGE;
}

static int nvmec_prp_list_alloc(struct nvme_core *c)
{
	uint32_t i;

	for (i = 0; i < NVME_CORE_PRP_PAGES; i++) {
		if (c->prp_free & (1u << i)) {
			c->prp_free &= (uint8_t)~(1u << i);
			return (int)i;
		}
	}
	return -1;
}

/* Submit as many of the transfer's remaining commands as the data SQ, CQ and
 * the PRP list pages allow. */
static void nvmec_xfer_submit(struct nvme_core *c)
{
	struct nvme_core_queue *q = &c->data;
	uint32_t off, len, list;
	struct nvme_sqe cmd;
	uint64_t slba, iova;
	bool rung = false;
	int cid, slot;

	while (!c->xfer.failed && c->xfer.submitted < c->xfer.len &&
	       q->outstanding + 1u < c->qdepth) {
		off = c->xfer.submitted;
		len = nvmec_min_u32(c->xfer.len - off, c->max_xfer);
		iova = c->xfer.iova + off;
		slot = -1;
		if (nvmec_prp_needs_list(iova, len)) {
			slot = nvmec_prp_list_alloc(c);
			if (slot < 0)
				break;	/* more once a command completes */
		}
		list = slot < 0 ? NVME_CORE_PRP_NONE : (uint32_t)slot;
		/* One is free: fewer than qdepth - 1 are in flight. */
		cid = nvmec_cid_alloc(c, q);
		if (cid < 0) {
			if (slot >= 0)
				c->prp_free |= (uint8_t)(1u << slot);
			break;
		}
		slba = c->xfer.slba + off / c->lba_size;
		memset(&cmd, 0, sizeof(cmd));
		cmd.opcode = c->xfer.opcode;
		cmd.nsid = c->nsid;
		cmd.cdw10 = (uint32_t)slba;
		cmd.cdw11 = (uint32_t)(slba >> 32);
		cmd.cdw12 = NVME_NLB(len / c->lba_size);
		nvmec_prp_fill(c, &cmd, iova, len, list);
		c->prp_of_cid[cid] = (uint8_t)list;
		nvmec_sq_put(c, q, &cmd, (uint16_t)cid);
		c->xfer.submitted += len;
		rung = true;
	}
	if (rung)
		nvmec_sq_ring(c, q);
}

static void nvmec_xfer_start(struct nvme_core *c, uint8_t opcode, uint64_t slba, uint64_t iova,
		       uint32_t len, bool admin)
{
	c->xfer.active = true;
	c->xfer.admin = admin;
	c->xfer.failed = false;
	c->xfer.opcode = opcode;
	c->xfer.slba = slba;
	c->xfer.iova = iova;
	c->xfer.len = len;
	c->xfer.submitted = 0;
	c->first_status = 0;
}

int nvme_core_io(struct nvme_core *c, uint8_t opcode, uint64_t slba, uint64_t data_iova,
		 uint32_t len)
{
	if (!c)
		return -EINVAL;
	if (!c->ready)
		return -EIO;
	if (opcode != NVME_CMD_READ && opcode != NVME_CMD_WRITE && opcode != NVME_CMD_COMPARE)
		return -EINVAL;
	if (c->xfer.active)
		return -EBUSY;
	if (!c->nsid)
		return -ENODEV;
	if (!len || len > NVME_CORE_MAX_LEN || len % c->lba_size || (data_iova & 3u) ||
	    data_iova + len < data_iova)
		return -EINVAL;
	if (slba >= c->nsze || len / c->lba_size > c->nsze - slba)
		return -ERANGE;
	if (opcode == NVME_CMD_COMPARE && !c->compare)
		return -EOPNOTSUPP;
	nvmec_xfer_start(c, opcode, slba, data_iova, len, false);
	nvmec_xfer_submit(c);
	return 0;
}

int nvme_core_identify_to(struct nvme_core *c, uint64_t data_iova)
{
	struct nvme_sqe cmd = {
		.opcode = NVME_ADMIN_IDENTIFY,
		.cdw10 = NVME_CNS_CTRL,
	};
	int cid;

	if (!c)
		return -EINVAL;
	if (!c->ready)
		return -EIO;
	if (c->xfer.active)
		return -EBUSY;
	if ((data_iova & 3u) || data_iova + NVME_IDDATA_SIZE < data_iova)
		return -EINVAL;
	cid = nvmec_cid_alloc(c, &c->admin);
	if (cid < 0)
		return -EBUSY;
	nvmec_prp_fill(c, &cmd, data_iova, NVME_IDDATA_SIZE, NVME_CORE_PRP_NONE);
	nvmec_xfer_start(c, NVME_ADMIN_IDENTIFY, 0, data_iova, NVME_IDDATA_SIZE, true);
	c->xfer.submitted = NVME_IDDATA_SIZE;
	nvmec_sq_put(c, &c->admin, &cmd, (uint16_t)cid);
	nvmec_sq_ring(c, &c->admin);
	return 0;
}

/* Consume the transfer's completions; true if there were any. */
static bool nvmec_xfer_reap(struct nvme_core *c, struct nvme_core_queue *q)
{
	struct nvme_cqe cqe;
	uint16_t status;
	bool took = false;
	int cid;

	while ((cid = nvmec_cq_take(c, q, &cqe)) != -1) {
		took = true;
		if (cid < 0)
			continue;
		if (!c->xfer.admin && c->prp_of_cid[cid] != NVME_CORE_PRP_NONE) {
			c->prp_free |= (uint8_t)(1u << c->prp_of_cid[cid]);
			c->prp_of_cid[cid] = NVME_CORE_PRP_NONE;
		}
		status = nvme_cqe_status(cqe.status);
		if (status) {
			if (!c->first_status)
				c->first_status = status;
			c->last_status = status;
			c->xfer.failed = true;	/* the rest would say nothing new */
		}
	}
	if (took)
		nvmec_cq_release(c, q);
	return took;
}

int nvme_core_wait(struct nvme_core *c, uint32_t timeout_ms, enum nvme_core_result *result)
{
	struct nvme_core_queue *q;
	struct nvmec_poll p;

	if (!c)
		return -EINVAL;
	q = c->xfer.admin ? &c->admin : &c->data;
	nvmec_poll_start(c, &p, timeout_ms, NVMEC_POLL_CMD_MAX_US);
	while (c->xfer.active) {
		if (nvmec_xfer_reap(c, q)) {
			if (!c->xfer.admin)
				nvmec_xfer_submit(c);
			if (!q->outstanding && (c->xfer.failed || c->xfer.submitted == c->xfer.len))
				c->xfer.active = false;
			p.delay_us = 1;
			continue;
		}
		if (nvmec_ctrl_failed(c) || !nvmec_poll_again(c, &p)) {
			/* The queues are in an unknown state: init again. */
			c->ready = false;
			c->xfer.active = false;
			return nvmec_ctrl_failed(c) ? -EIO : -ETIMEDOUT;
		}
	}
	if (result)
		*result = nvme_core_result(c->first_status);
	return 0;
}

int nvme_core_raise(struct nvme_core *c, uint32_t vector)
{
	struct nvme_sqe cmd;
	int ret;

	if (!c)
		return -EINVAL;
	if (!c->ready)
		return -EIO;
	if (vector >= c->nr_vectors)
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	if (vector == 0) {
		if (c->xfer.active && c->xfer.admin)
			return -EBUSY;
		cmd.opcode = NVME_ADMIN_GET_FEATURES;
		cmd.cdw10 = NVME_FID_NUM_QUEUES;	/* mandatory, no data */
		return nvmec_sync_cmd(c, &c->admin, &cmd, NULL);
	}
	if (c->nsid) {
		cmd.opcode = NVME_CMD_READ;
		cmd.nsid = c->nsid;
		cmd.prp1 = nvmec_page_iova(c, NVMEC_CTRL_PAGE_BOUNCE);
		cmd.cdw12 = NVME_NLB(1);
		return nvmec_sync_cmd(c, &c->msi[vector], &cmd, NULL);
	}
	/* No namespace: a Flush of all of them still posts a completion, and
	 * the interrupt with it, even where broadcast Flush is not supported. */
	cmd.opcode = NVME_CMD_FLUSH;
	cmd.nsid = NVME_BROADCAST_NSID;
	ret = nvmec_sync_cmd(c, &c->msi[vector], &cmd, NULL);
	if (ret == -EIO && c->last_status == NVME_STS_INVALID_NS_OR_FORMAT)
		ret = 0;
	return ret;
}

/* --- status ---------------------------------------------------------------- */

enum nvme_core_result nvme_core_result(uint16_t status)
{
	switch (status) {
	case NVME_STS_SUCCESS:
		return NVME_CORE_OK;
	case NVME_STS_DATA_XFER_ERROR:
	case NVME_STS_INTERNAL_PATH_ERROR:
		return NVME_CORE_FAULT;
	case NVME_STS_COMPARE_FAILURE:
		return NVME_CORE_MISMATCH;
	case NVME_STS_INVALID_OPCODE:
	case NVME_STS_INVALID_FIELD:
	case NVME_STS_CID_CONFLICT:
	case NVME_STS_INVALID_NS_OR_FORMAT:
	case NVME_STS_CMD_SEQUENCE_ERROR:
	case NVME_STS_PRP_OFFSET_INVALID:
	case NVME_STS_OPERATION_DENIED:
	case NVME_STS_SANITIZE_IN_PROGRESS:
	case NVME_STS_NS_WRITE_PROTECTED:
	case NVME_STS_LBA_OUT_OF_RANGE:
	case NVME_STS_CAPACITY_EXCEEDED:
	case NVME_STS_NS_NOT_READY:
	case NVME_STS_RESERVATION_CONFLICT:
	case NVME_STS_FORMAT_IN_PROGRESS:
	case NVME_STS_ACCESS_DENIED:
		return NVME_CORE_REFUSED;
	}
	if (NVME_STS_SCT(status) == NVME_STS_SCT_CMD_SPECIFIC)
		return NVME_CORE_REFUSED;	/* the command's own fields were wrong */
	return NVME_CORE_ERROR;
}

static const struct {
	uint16_t status;
	const char *name;
} nvmec_status_names[] = {
	{ NVME_STS_SUCCESS, "Successful Completion" },
	{ NVME_STS_INVALID_OPCODE, "Invalid Command Opcode" },
	{ NVME_STS_INVALID_FIELD, "Invalid Field in Command" },
	{ NVME_STS_CID_CONFLICT, "Command ID Conflict" },
	{ NVME_STS_DATA_XFER_ERROR, "Data Transfer Error" },
	{ NVME_STS_ABORTED_POWER_LOSS, "Commands Aborted due to Power Loss Notification" },
	{ NVME_STS_INTERNAL_ERROR, "Internal Error" },
	{ NVME_STS_ABORT_REQUESTED, "Command Abort Requested" },
	{ NVME_STS_ABORTED_SQ_DELETED, "Command Aborted due to SQ Deletion" },
	{ NVME_STS_INVALID_NS_OR_FORMAT, "Invalid Namespace or Format" },
	{ NVME_STS_CMD_SEQUENCE_ERROR, "Command Sequence Error" },
	{ NVME_STS_PRP_OFFSET_INVALID, "PRP Offset Invalid" },
	{ NVME_STS_OPERATION_DENIED, "Operation Denied" },
	{ NVME_STS_SANITIZE_IN_PROGRESS, "Sanitize In Progress" },
	{ NVME_STS_NS_WRITE_PROTECTED, "Namespace is Write Protected" },
	{ NVME_STS_COMMAND_INTERRUPTED, "Command Interrupted" },
	{ NVME_STS_TRANSIENT_TRANSPORT, "Transient Transport Error" },
	{ NVME_STS_LBA_OUT_OF_RANGE, "LBA Out of Range" },
	{ NVME_STS_CAPACITY_EXCEEDED, "Capacity Exceeded" },
	{ NVME_STS_NS_NOT_READY, "Namespace Not Ready" },
	{ NVME_STS_RESERVATION_CONFLICT, "Reservation Conflict" },
	{ NVME_STS_FORMAT_IN_PROGRESS, "Format In Progress" },
	{ NVME_STS_INVALID_CQ, "Completion Queue Invalid" },
	{ NVME_STS_INVALID_QID, "Invalid Queue Identifier" },
	{ NVME_STS_INVALID_QSIZE, "Invalid Queue Size" },
	{ NVME_STS_INVALID_VECTOR, "Invalid Interrupt Vector" },
	{ NVME_STS_READ_ONLY_RANGE, "Attempted Write to Read Only Range" },
	{ NVME_STS_WRITE_FAULT, "Write Fault" },
	{ NVME_STS_UNRECOVERED_READ, "Unrecovered Read Error" },
	{ NVME_STS_GUARD_CHECK, "End-to-end Guard Check Error" },
	{ NVME_STS_APP_TAG_CHECK, "End-to-end Application Tag Check Error" },
	{ NVME_STS_REF_TAG_CHECK, "End-to-end Reference Tag Check Error" },
	{ NVME_STS_COMPARE_FAILURE, "Compare Failure" },
	{ NVME_STS_ACCESS_DENIED, "Access Denied" },
	{ NVME_STS_DEALLOCATED, "Deallocated or Unwritten Logical Block" },
	{ NVME_STS_INTERNAL_PATH_ERROR, "Internal Path Error" },
};

const char *nvme_core_status_name(uint16_t status)
{
	uint32_t i;

	for (i = 0; i < sizeof(nvmec_status_names) / sizeof(nvmec_status_names[0]); i++)
		if (nvmec_status_names[i].status == status)
			return nvmec_status_names[i].name;
	switch (NVME_STS_SCT(status)) {
	case NVME_STS_SCT_GENERIC:
		return "Generic Command Status";
	case NVME_STS_SCT_CMD_SPECIFIC:
		return "Command Specific Status";
	case NVME_STS_SCT_MEDIA:
		return "Media and Data Integrity Error";
	case NVME_STS_SCT_PATH:
		return "Path Related Status";
	case NVME_STS_SCT_VENDOR:
		return "Vendor Specific Status";
	}
	return "Reserved Status Code Type";
}
