// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fake NVMe controller of nvme_fake.h, written for this test from the
 * NVMe Base Specification 2.0: only what nvme_core.c uses, and strict where
 * the core could go wrong (doorbells, queue sizes, PRP offsets, CQ overflow).
 */
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/nvme_hw.h"
#include "nvme_fake.h"

#define PAGE	4096u

static void rule_broken(struct fake_nvme *f, const char *what)
{
	f->errors++;
	f->last_error = what;
}

/* --- DMA: IOVA = offset into mem ------------------------------------------ */

static bool dma_ok(struct fake_nvme *f, uint64_t iova, uint32_t len)
{
	return iova < f->mem_size && len <= f->mem_size - iova;
}

static bool dma_read(struct fake_nvme *f, uint64_t iova, void *buf, uint32_t len)
{
	if (!dma_ok(f, iova, len))
		return false;
	memcpy(buf, f->mem + iova, len);
	return true;
}

static bool dma_write(struct fake_nvme *f, uint64_t iova, const void *buf, uint32_t len)
{
	if (!dma_ok(f, iova, len))
		return false;
	memcpy(f->mem + iova, buf, len);
	return true;
}

/*
 * Move len bytes between buf and the host pages the PRPs describe (4.1.1);
 * to_host: a Read. Returns a status.
 */
static uint16_t prp_move(struct fake_nvme *f, uint64_t prp1, uint64_t prp2, uint8_t *buf,
			 uint32_t len, bool to_host)
{
	uint32_t n = PAGE - (uint32_t)(prp1 & (PAGE - 1)), done, entries = 0;
	uint64_t list = 0, page;
	bool ok;

	if (prp1 & 3)
		return NVME_STS_PRP_OFFSET_INVALID;
	if (n > len)
		n = len;
	ok = to_host ? dma_write(f, prp1, buf, n) : dma_read(f, prp1, buf, n);
	if (!ok)
		return NVME_STS_DATA_XFER_ERROR;
	done = n;
	if (done == len)
		return NVME_STS_SUCCESS;
	if (len - done > PAGE) {
		if (prp2 & 7)
			return NVME_STS_PRP_OFFSET_INVALID;
		list = prp2;
		f->prp_lists++;
	} else {
		f->prp2_pages++;
	}
	while (done < len) {
		if (!list) {
			page = prp2;
		} else {
			if (!dma_read(f, list, &page, 8))
				return NVME_STS_DATA_XFER_ERROR;
			list += 8;
			/* The last entry of a list page points to the next one when more
			 * than one page of data is left. */
			if (!(list & (PAGE - 1)) && len - done > PAGE) {
				f->prp_chains++;
				list = page;
				if (list & 7)
					return NVME_STS_PRP_OFFSET_INVALID;
				continue;
			}
			entries++;
		}
		if (page & (PAGE - 1))
			return NVME_STS_PRP_OFFSET_INVALID;
		n = len - done < PAGE ? len - done : PAGE;
		ok = to_host ? dma_write(f, page, buf + done, n) : dma_read(f, page, buf + done, n);
		if (!ok)
			return NVME_STS_DATA_XFER_ERROR;
		done += n;
	}
	if (entries > f->prp_list_max)
		f->prp_list_max = entries;
	return NVME_STS_SUCCESS;
}

/* --- completions ------------------------------------------------------------- */

static void post(struct fake_nvme *f, uint16_t sqid, uint16_t cid, uint16_t status, uint32_t dw0)
{
	struct fake_queue *sq = &f->sq[sqid];
	struct fake_queue *cq = &f->cq[sq->cqid];
	struct nvme_cqe e = {
		.dw0 = dw0,
		.sq_head = (uint16_t)sq->head,
		.sq_id = sqid,
		.cid = cid,
		.status = (uint16_t)(status << 1 | cq->phase),
	};

	if ((cq->tail + 1) % cq->size == cq->head) {
		rule_broken(f, "a completion queue overflowed");
		return;
	}
	if (!dma_write(f, cq->base + (uint64_t)cq->tail * NVME_CQE_SIZE, &e, sizeof(e))) {
		rule_broken(f, "a completion queue is outside memory");
		return;
	}
	if (++cq->tail == cq->size) {
		cq->tail = 0;
		cq->phase ^= 1;
		cq->wraps++;
	}
	/* The admin CQ interrupts on vector 0 (no IEN bit); I/O CQs if IEN. */
	if (sq->cqid == 0)
		f->irqs[0]++;
	else if (cq->ien)
		f->irqs[cq->iv]++;
}

/* --- admin commands ------------------------------------------------------- */

static void pad(uint8_t *dst, const char *s, size_t len)
{
	memset(dst, ' ', len);
	memcpy(dst, s, strlen(s) < len ? strlen(s) : len);
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t identify(struct fake_nvme *f, const struct nvme_sqe *c)
{
	uint8_t id[NVME_IDDATA_SIZE] = { 0 };

	switch (c->cdw10 & 0xff) {
	case NVME_CNS_CTRL:
		put_le(id + NVME_IDCTRL_VID, 0x1b36, 2);
		pad(id + NVME_IDCTRL_SN, "FAKE-SN-0001", NVME_IDCTRL_SN_LEN);
		pad(id + NVME_IDCTRL_MN, "iommu-lab fake nvme", NVME_IDCTRL_MN_LEN);
		pad(id + NVME_IDCTRL_FR, "1.0", NVME_IDCTRL_FR_LEN);
		id[NVME_IDCTRL_MDTS] = f->mdts;
		id[NVME_IDCTRL_SQES] = 0x66;
		id[NVME_IDCTRL_CQES] = 0x44;
		put_le(id + NVME_IDCTRL_NN, f->nn, 4);
		put_le(id + NVME_IDCTRL_ONCS, f->oncs, 2);
		break;
	case NVME_CNS_NS:
		if (c->nsid == 0 || c->nsid == NVME_BROADCAST_NSID || c->nsid > f->nn)
			return NVME_STS_INVALID_NS_OR_FORMAT;
		put_le(id + NVME_IDNS_NSZE, f->nsze, 8);
		put_le(id + NVME_IDNS_NCAP, f->nsze, 8);
		id[NVME_IDNS_NLBAF] = 2;	/* three formats: 512 B, 4 KiB, 512 B + meta */
		put_le(id + NVME_IDNS_LBAF(0), 9u << 16, 4);
		put_le(id + NVME_IDNS_LBAF(1), 12u << 16, 4);
		put_le(id + NVME_IDNS_LBAF(2), 9u << 16 | 8u, 4);
		id[NVME_IDNS_FLBAS] = f->meta_size ? 2 : f->lba_shift == 12 ? 1 : 0;
		break;
	case NVME_CNS_ACTIVE_NSIDS:
		if (f->no_nsid_list)
			return NVME_STS_INVALID_FIELD;
		if (f->nn && c->nsid < 1)
			put_le(id, 1, 4);
		break;
	default:
		return NVME_STS_INVALID_FIELD;
	}
	return prp_move(f, c->prp1, c->prp2, id, sizeof(id), true);
}

static uint16_t create_queue(struct fake_nvme *f, const struct nvme_sqe *c, bool is_cq)
{
	uint32_t qid = c->cdw10 & 0xffff, size = (c->cdw10 >> 16) + 1;
	struct fake_queue *q = is_cq ? &f->cq[qid] : &f->sq[qid];

	if (qid == 0 || qid > f->granted || qid >= FAKE_QUEUES || q->live)
		return NVME_STS_INVALID_QID;
	if (size < 2 || size > f->mqes + 1)
		return NVME_STS_INVALID_QSIZE;
	if (!(c->cdw11 & NVME_CREATEQ_PC) || (c->prp1 & (PAGE - 1)))
		return NVME_STS_INVALID_FIELD;
	memset(q, 0, sizeof(*q));
	q->base = c->prp1;
	q->size = size;
	if (is_cq) {
		q->ien = c->cdw11 & NVME_CREATEQ_IEN;
		q->iv = (uint16_t)(c->cdw11 >> 16);
		if (q->ien && (q->iv >= f->msix || (q->iv && f->msix_off)))
			return NVME_STS_INVALID_VECTOR;
		q->phase = 1;
	} else {
		q->cqid = (uint16_t)(c->cdw11 >> 16);
		if (q->cqid == 0 || q->cqid >= FAKE_QUEUES || !f->cq[q->cqid].live)
			return NVME_STS_INVALID_CQ;
	}
	q->live = true;
	return NVME_STS_SUCCESS;
}

static uint16_t admin(struct fake_nvme *f, const struct nvme_sqe *c, uint32_t *dw0)
{
	uint32_t nsq, ncq, i;

	f->admin_cmds[c->opcode]++;
	switch (c->opcode) {
	case NVME_ADMIN_IDENTIFY:
		return identify(f, c);
	case NVME_ADMIN_SET_FEATURES:
		if ((c->cdw10 & 0xff) != NVME_FID_NUM_QUEUES)
			return NVME_STS_INVALID_FIELD;
		for (i = 1; i < FAKE_QUEUES; i++)
			if (f->sq[i].live || f->cq[i].live)
				return NVME_STS_CMD_SEQUENCE_ERROR;
		nsq = NVME_FID_NUM_QUEUES_NSQA(c->cdw11);
		ncq = NVME_FID_NUM_QUEUES_NCQA(c->cdw11);
		f->granted = nsq < ncq ? nsq : ncq;
		if (f->granted > f->max_pairs)
			f->granted = f->max_pairs;
		*dw0 = NVME_FID_NUM_QUEUES_VALUE(f->granted, f->granted);
		return NVME_STS_SUCCESS;
	case NVME_ADMIN_GET_FEATURES:
		if ((c->cdw10 & 0xff) != NVME_FID_NUM_QUEUES)
			return NVME_STS_INVALID_FIELD;
		*dw0 = NVME_FID_NUM_QUEUES_VALUE(f->max_pairs, f->max_pairs);
		return NVME_STS_SUCCESS;
	case NVME_ADMIN_CREATE_CQ:
		return create_queue(f, c, true);
	case NVME_ADMIN_CREATE_SQ:
		return create_queue(f, c, false);
	}
	return NVME_STS_INVALID_OPCODE;
}

/* --- NVM commands ------------------------------------------------------------ */

static uint16_t io(struct fake_nvme *f, const struct nvme_sqe *c)
{
	uint64_t slba = c->cdw10 | (uint64_t)c->cdw11 << 32;
	uint32_t nlb = (c->cdw12 & 0xffff) + 1, len;
	uint8_t *buf, *media;
	uint16_t st;

	f->io_cmds[c->opcode]++;
	if (c->opcode == NVME_CMD_FLUSH)
		return (c->nsid == NVME_BROADCAST_NSID || (c->nsid >= 1 && c->nsid <= f->nn)) ?
			NVME_STS_SUCCESS : NVME_STS_INVALID_NS_OR_FORMAT;
	if (c->opcode != NVME_CMD_READ && c->opcode != NVME_CMD_WRITE &&
	    c->opcode != NVME_CMD_COMPARE)
		return NVME_STS_INVALID_OPCODE;
	if (c->nsid != 1 || !f->nn)
		return NVME_STS_INVALID_NS_OR_FORMAT;
	if (c->opcode == NVME_CMD_COMPARE && !(f->oncs & NVME_IDCTRL_ONCS_COMPARE))
		return NVME_STS_INVALID_OPCODE;
	if (slba >= f->nsze || nlb > f->nsze - slba)
		return NVME_STS_LBA_OUT_OF_RANGE;
	len = nlb << f->lba_shift;
	if (f->mdts && len > PAGE << f->mdts)
		return NVME_STS_INVALID_FIELD;
	if (c->opcode == NVME_CMD_WRITE && f->write_protected)
		return NVME_STS_NS_WRITE_PROTECTED;
	if (c->opcode == NVME_CMD_READ && f->media_error && f->media_error_lba >= slba &&
	    f->media_error_lba - slba < nlb)
		return NVME_STS_UNRECOVERED_READ;
	if (len > f->max_cmd_bytes)
		f->max_cmd_bytes = len;
	media = f->disk + (slba << f->lba_shift);
	buf = malloc(len);
	if (!buf)
		return NVME_STS_INTERNAL_ERROR;
	if (c->opcode == NVME_CMD_READ) {
		memcpy(buf, media, len);
		st = prp_move(f, c->prp1, c->prp2, buf, len, true);
	} else {
		st = prp_move(f, c->prp1, c->prp2, buf, len, false);
		if (!st && c->opcode == NVME_CMD_WRITE)
			memcpy(media, buf, len);
		if (!st && c->opcode == NVME_CMD_COMPARE && memcmp(media, buf, len))
			st = NVME_STS_COMPARE_FAILURE;
	}
	free(buf);
	return st;
}

/* The host rang SQ qid's tail doorbell: run everything up to the tail. */
static void sq_run(struct fake_nvme *f, uint16_t qid)
{
	struct fake_queue *sq = &f->sq[qid];
	struct nvme_sqe c;
	uint32_t dw0;
	uint16_t st;

	while (sq->head != sq->tail) {
		if (!dma_read(f, sq->base + (uint64_t)sq->head * NVME_SQE_SIZE, &c, sizeof(c))) {
			rule_broken(f, "a submission queue is outside memory");
			return;
		}
		sq->head = (sq->head + 1) % sq->size;
		if (c.flags)
			rule_broken(f, "a command asked for fused operation or SGLs");
		if (qid && f->drop_io)
			continue;
		dw0 = 0;
		st = qid ? io(f, &c) : admin(f, &c, &dw0);
		post(f, qid, c.cid, st, dw0);
	}
}

/* --- registers ------------------------------------------------------------------ */

static void ctrl_reset(struct fake_nvme *f)
{
	memset(f->sq, 0, sizeof(f->sq));
	memset(f->cq, 0, sizeof(f->cq));
	f->granted = 0;
	f->csts = 0;	/* RDY and CFS clear */
	f->resets++;
}

static void ctrl_enable(struct fake_nvme *f)
{
	if (f->cc & NVME_BAR_CC_SHN_MASK || (f->cc >> 4 & 7) != NVME_BAR_CC_CSS_NVM ||
	    (f->cc >> 7 & 0xf) != 0 || (f->cc >> 16 & 0xf) != NVME_SQE_SIZE_LOG2 ||
	    (f->cc >> 20 & 0xf) != NVME_CQE_SIZE_LOG2)
		rule_broken(f, "CC enabled with a configuration the core should not use");
	if ((f->asq | f->acq) & (PAGE - 1))
		rule_broken(f, "the admin queues are not page aligned");
	f->enables++;
	if (f->fatal_on_enable)
		f->csts |= NVME_BAR_CSTS_CFS;
	if (f->never_ready || f->fatal_on_enable)
		return;
	f->sq[0] = (struct fake_queue){ .live = true, .base = f->asq, .size = (f->aqa & 0xfff) + 1 };
	f->cq[0] = (struct fake_queue){ .live = true, .base = f->acq,
					.size = (f->aqa >> 16 & 0xfff) + 1, .phase = 1 };
	f->csts |= NVME_BAR_CSTS_RDY;
}

static void doorbell(struct fake_nvme *f, uint32_t off, uint32_t val)
{
	uint32_t stride = 4u << f->dstrd, idx = (off - NVME_BAR_DOORBELLS) / stride;
	uint16_t qid = (uint16_t)(idx / 2);
	struct fake_queue *q;

	if ((off - NVME_BAR_DOORBELLS) % stride || qid >= FAKE_QUEUES) {
		rule_broken(f, "a write between doorbells");
		return;
	}
	q = idx % 2 ? &f->cq[qid] : &f->sq[qid];
	if (!q->live || !(f->csts & NVME_BAR_CSTS_RDY) || val >= q->size) {
		rule_broken(f, "a doorbell of a queue that does not exist, or beyond it");
		return;
	}
	if (idx % 2) {
		/* The new head may not pass the entries posted. */
		if ((val - q->head + q->size) % q->size > (q->tail - q->head + q->size) % q->size)
			rule_broken(f, "a CQ head doorbell beyond the posted completions");
		q->head = val;
	} else {
		q->tail = val;
		sq_run(f, qid);
	}
}

static uint32_t fake_read32(void *ctx, uint32_t off)
{
	struct fake_nvme *f = ctx;
	uint64_t cap;

	if (f->gone)
		return 0xffffffffu;
	cap = f->mqes | 1ull << 16 /* CQR */ | (uint64_t)f->to << 24 | (uint64_t)f->dstrd << 32 |
	      (uint64_t)f->css << 37 | (uint64_t)f->mpsmin << 48;
	switch (off) {
	case NVME_BAR_CAP:
		return (uint32_t)cap;
	case NVME_BAR_CAP + 4:
		return (uint32_t)(cap >> 32);
	case NVME_BAR_VS:
		return 0x00020000;	/* 2.0 */
	case NVME_BAR_CC:
		return f->cc;
	case NVME_BAR_CSTS:
		return f->csts;
	case NVME_BAR_AQA:
		return f->aqa;
	}
	if (off >= NVME_BAR_DOORBELLS)
		rule_broken(f, "a doorbell was read");
	return 0;
}

static void fake_write32(void *ctx, uint32_t off, uint32_t val)
{
	struct fake_nvme *f = ctx;
	uint32_t old;

	switch (off) {
	case NVME_BAR_CC:
		old = f->cc;
		f->cc = val;
		if ((old & NVME_BAR_CC_EN) && !(val & NVME_BAR_CC_EN))
			ctrl_reset(f);
		else if (!(old & NVME_BAR_CC_EN) && (val & NVME_BAR_CC_EN))
			ctrl_enable(f);
		return;
	case NVME_BAR_AQA:
		f->aqa = val;
		return;
	case NVME_BAR_ASQ:
		f->asq = (f->asq & ~0xffffffffull) | val;
		return;
	case NVME_BAR_ASQ + 4:
		f->asq = (f->asq & 0xffffffffull) | (uint64_t)val << 32;
		return;
	case NVME_BAR_ACQ:
		f->acq = (f->acq & ~0xffffffffull) | val;
		return;
	case NVME_BAR_ACQ + 4:
		f->acq = (f->acq & 0xffffffffull) | (uint64_t)val << 32;
		return;
	}
	if (off >= NVME_BAR_DOORBELLS) {
		doorbell(f, off, val);
		return;
	}
	rule_broken(f, "a write to a register the core has no business with");
}

static uint64_t fake_now_ns(void *ctx)
{
	return ((struct fake_nvme *)ctx)->now_ns;
}

static void fake_delay_us(void *ctx, uint32_t us)
{
	((struct fake_nvme *)ctx)->now_ns += (uint64_t)us * 1000u;
}

static void fake_barrier(void *ctx)
{
	(void)ctx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

const struct nvme_core_env fake_nvme_env = {
	.read32 = fake_read32,
	.write32 = fake_write32,
	.now_ns = fake_now_ns,
	.delay_us = fake_delay_us,
	.barrier = fake_barrier,
};

void fake_nvme_power_on(struct fake_nvme *f, bool fatal)
{
	size_t disk = (size_t)f->nsze << f->lba_shift;

	ctrl_reset(f);
	f->cc = 0;
	if (fatal) {
		/* Enabled once, now in fatal status: what a crashed driver leaves. */
		f->cc = NVME_BAR_CC_EN;
		f->csts = NVME_BAR_CSTS_RDY | NVME_BAR_CSTS_CFS;
	}
	free(f->disk);
	f->disk = malloc(disk);
	if (f->disk)
		memset(f->disk, 0x5a, disk);
}

struct fake_nvme *fake_nvme_new(size_t mem_size)
{
	struct fake_nvme *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->mem = calloc(1, mem_size);
	f->mem_size = mem_size;
	f->mqes = 63;
	f->to = 2;		/* 1 s */
	f->css = NVME_BAR_CAP_CSS_NVM;
	f->mdts = 5;		/* 128 KiB */
	f->nn = 1;
	f->lba_shift = 9;
	f->nsze = 16384;	/* 8 MiB */
	f->oncs = NVME_IDCTRL_ONCS_COMPARE;
	f->max_pairs = 8;
	f->msix = 8;
	fake_nvme_power_on(f, false);
	if (!f->mem || !f->disk) {
		fake_nvme_free(f);
		return NULL;
	}
	return f;
}

void fake_nvme_free(struct fake_nvme *f)
{
	if (!f)
		return;
	free(f->mem);
	free(f->disk);
	free(f);
}
