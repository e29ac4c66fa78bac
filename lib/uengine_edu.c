// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace engine for QEMU's educational PCI device (1234:11e8; registers
 * and limits in lib/drivers/edu/edu_hw.h). A copy is two DMAs through the
 * device's 4 KiB buffer, src -> buffer, then buffer -> dst; the second may
 * start only when the first is done, so memcpy_start() issues the first and
 * wait() waits for it, issues the second and waits for that. No PASID
 * support, and no DMA errors: a faulting transfer "completes" and shows only
 * in the data and the IOMMU's fault reporting.
 */
#include <errno.h>
#include <time.h>
#include "drivers/edu/edu_hw.h"
#include "iommufd.h"
#include "uengine.h"

/* The second half of the copy memcpy_start() began. */
struct edu_op {
	uint64_t dst;
	uint32_t len;
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Each edu DMA takes about 100 ms of the emulator's virtual time: poll. */
static int edu_wait_idle(struct lab_uengine *e)
{
	long long deadline = now_ns() + EDU_DMA_TIMEOUT_MS * 1000000ll;
	struct timespec pause = { 0, 200000 };

	while (lab_mmio_read32(e->pci, EDU_REG_DMA_CMD) & EDU_CMD_RUN) {
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
	}
	return 0;
}

/* One DMA between memory and the device buffer, started; 8-byte writes. */
static void edu_dma(struct lab_uengine *e, uint64_t src, uint64_t dst, uint32_t len, uint32_t cmd)
{
	lab_mmio_write64(e->pci, EDU_REG_DMA_SRC, src);
	lab_mmio_write64(e->pci, EDU_REG_DMA_DST, dst);
	lab_mmio_write64(e->pci, EDU_REG_DMA_COUNT, len);
	lab_mmio_write32(e->pci, EDU_REG_DMA_CMD, cmd | EDU_CMD_RUN);
}

static int edu_memcpy_start(struct lab_uengine *e, uint64_t src, uint64_t dst, uint32_t len, uint32_t pasid)
{
	struct edu_op *op = e->priv;

	if (pasid != LAB_NO_PASID)
		return -EOPNOTSUPP;
	if (!len || len > EDU_BUF_SIZE)
		return -EINVAL;
	*op = (struct edu_op){ dst, len };
	edu_dma(e, src, EDU_BUF_ADDR, len, 0);
	return 0;
}

static int edu_wait(struct lab_uengine *e, struct lab_dma_result *r)
{
	struct edu_op *op = e->priv;
	int ret = edu_wait_idle(e);

	if (!ret) {
		edu_dma(e, EDU_BUF_ADDR, op->dst, op->len, EDU_CMD_TO_RAM);
		ret = edu_wait_idle(e);
	}
	*r = (struct lab_dma_result){ .status = ret ? LAB_DMA_ERROR : LAB_DMA_OK };
	return 0;
}

const struct lab_uengine_ops lab_uengine_edu = {
	LAB_UENGINE_PCI(EDU),
	.emulated = true,
	.priv_size = sizeof(struct edu_op),
	.memcpy_start = edu_memcpy_start,
	.wait = edu_wait,
};
