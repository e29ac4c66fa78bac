// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace engine for QEMU's educational PCI device (1234:11e8): it moves up
 * to 4 KiB between memory and a buffer inside the device (device address
 * 0x40000), so a copy is two real DMAs: src -> buffer, buffer -> dst. It has
 * no PASID support and reports no DMA errors: a faulting transfer "completes"
 * and shows only in the data and the IOMMU's fault reporting. QEMU masks its
 * DMA addresses with the dma_mask property (the testbed sets all 64 bits).
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include "iommufd.h"
#include "uengine.h"

enum { EDU_ID = 0x00, EDU_IRQ_RAISE = 0x60, EDU_IRQ_ACK = 0x64, EDU_DMA_SRC = 0x80, EDU_DMA_DST = 0x88,
       EDU_DMA_COUNT = 0x90, EDU_DMA_CMD = 0x98 };
#define EDU_CMD_RUN 0x1
#define EDU_CMD_TO_RAM 0x2	/* device buffer -> memory */
#define EDU_BUF_ADDR 0x40000ull
#define EDU_BUF_SIZE 4096u
#define EDU_TIMEOUT_NS 5000000000ll

/* The copy memcpy_start() took and wait() carries out. */
struct edu_op {
	uint64_t src, dst;
	uint32_t len;
};

static bool edu_match(uint16_t vendor, uint16_t device)
{
	return vendor == 0x1234 && device == 0x11e8;
}

static int edu_init(struct lab_uengine *e)
{
	/* Identification register: 0xRRrr00ed */
	if (e->pci->bar0_size < 0xa0 || (lab_mmio_read32(e->pci, EDU_ID) & 0xff) != 0xed)
		return -ENODEV;
	e->priv = calloc(1, sizeof(struct edu_op));
	return e->priv ? 0 : -ENOMEM;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Each edu DMA takes about 100 ms of the emulator's virtual time: poll. */
static int edu_run(struct lab_uengine *e, uint64_t src, uint64_t dst, uint32_t len, uint32_t cmd)
{
	long long deadline = now_ns() + EDU_TIMEOUT_NS;
	struct timespec pause = { 0, 200000 };

	/* The address registers take 8-byte writes only. */
	lab_mmio_write64(e->pci, EDU_DMA_SRC, src);
	lab_mmio_write64(e->pci, EDU_DMA_DST, dst);
	lab_mmio_write64(e->pci, EDU_DMA_COUNT, len);
	lab_mmio_write32(e->pci, EDU_DMA_CMD, cmd | EDU_CMD_RUN);
	while (lab_mmio_read32(e->pci, EDU_DMA_CMD) & EDU_CMD_RUN) {
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
	}
	return 0;
}

static int edu_memcpy_start(struct lab_uengine *e, uint64_t src, uint64_t dst, uint32_t len, uint32_t pasid)
{
	struct edu_op *op = e->priv;

	if (pasid != LAB_NO_PASID)
		return -EOPNOTSUPP;
	if (!len || len > EDU_BUF_SIZE)
		return -EINVAL;
	*op = (struct edu_op){ src, dst, len };
	return 0;
}

static int edu_wait(struct lab_uengine *e, struct lab_dma_result *r)
{
	struct edu_op *op = e->priv;
	int ret = edu_run(e, op->src, EDU_BUF_ADDR, op->len, 0);

	if (!ret)
		ret = edu_run(e, EDU_BUF_ADDR, op->dst, op->len, EDU_CMD_TO_RAM);
	*r = (struct lab_dma_result){ .status = ret ? LAB_DMA_ERROR : LAB_DMA_OK };
	return 0;
}

static int edu_send_msi(struct lab_uengine *e)
{
	/* Nobody acknowledges in userspace: clear the last event first. */
	lab_mmio_write32(e->pci, EDU_IRQ_ACK, 1);
	lab_mmio_write32(e->pci, EDU_IRQ_RAISE, 1);
	return 0;
}

static void edu_remove(struct lab_uengine *e)
{
	free(e->priv);
	e->priv = NULL;
}

const struct lab_uengine_ops lab_uengine_edu = {
	.name = "edu",
	.max_len = EDU_BUF_SIZE,
	.match = edu_match,
	.init = edu_init,
	.memcpy_start = edu_memcpy_start,
	.pair_start = NULL,	/* no pattern generator in the device */
	.wait = edu_wait,
	.send_msi = edu_send_msi,
	.remove = edu_remove,
};
