// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace engine for iommu-lab's emulated PCIe test device (1234:1ab0,
 * docs/labdev.md): one synchronous operation per OP write, optionally tagged
 * with a PASID; it reports faults itself.
 */
#include <errno.h>
#include "iommufd.h"
#include "uengine.h"

enum {
	LAB_ID = 0x00, LAB_CAPS = 0x04, LAB_SRC_LO = 0x08, LAB_SRC_HI = 0x0c, LAB_DST_LO = 0x10,
	LAB_DST_HI = 0x14, LAB_LEN = 0x18, LAB_PASID = 0x1c, LAB_SEED = 0x20, LAB_OP = 0x24,
	LAB_STATUS = 0x28, LAB_RESULT = 0x2c, LAB_FAULT_LO = 0x30, LAB_FAULT_HI = 0x34,
	LAB_FAULT_INFO = 0x38, LAB_IRQ_ACK = 0x44, LAB_IRQ_RAISE = 0x48,
};
#define LAB_ID_VALUE 0x1ab00001u
#define LAB_PASID_VALID (1u << 31)
#define LAB_OP_COPY 3
#define LAB_OP_PAIR 4
#define LAB_MAX_LEN 0x200000u

static uint8_t pattern_byte(uint32_t seed, uint32_t i)
{
	uint32_t mix = seed * 0x9E3779B1u + i * 0x85EBCA77u;

	return (uint8_t)(mix >> 24) ^ (uint8_t)i;
}

bool lab_labdev_has_pattern(const void *buf, size_t len, uint32_t seed)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i] != pattern_byte(seed, (uint32_t)i))
			return false;
	return true;
}

static bool labdev_match(uint16_t vendor, uint16_t device)
{
	return vendor == 0x1234 && device == 0x1ab0;
}

static int labdev_init(struct lab_uengine *e)
{
	if (e->pci->bar0_size < 0x50 || lab_mmio_read32(e->pci, LAB_ID) != LAB_ID_VALUE)
		return -ENODEV;
	return 0;
}

static int labdev_setup(struct lab_uengine *e, uint64_t src, uint64_t dst, uint32_t len, uint32_t pasid)
{
	const struct lab_vfio_pci *p = e->pci;

	if (!len || len > LAB_MAX_LEN)
		return -EINVAL;
	if (pasid != LAB_NO_PASID && pasid >= (1u << 20))
		return -ERANGE;
	lab_mmio_write32(p, LAB_SRC_LO, (uint32_t)src);
	lab_mmio_write32(p, LAB_SRC_HI, (uint32_t)(src >> 32));
	lab_mmio_write32(p, LAB_DST_LO, (uint32_t)dst);
	lab_mmio_write32(p, LAB_DST_HI, (uint32_t)(dst >> 32));
	lab_mmio_write32(p, LAB_LEN, len);
	lab_mmio_write32(p, LAB_PASID, pasid == LAB_NO_PASID ? 0 : LAB_PASID_VALID | pasid);
	return 0;
}

/* The device finishes the operation before the OP write returns. */
static int labdev_memcpy_start(struct lab_uengine *e, uint64_t src, uint64_t dst, uint32_t len, uint32_t pasid)
{
	int ret = labdev_setup(e, src, dst, len, pasid);

	if (!ret)
		lab_mmio_write32(e->pci, LAB_OP, LAB_OP_COPY);
	return ret;
}

static int labdev_pair_start(struct lab_uengine *e, uint64_t dst, uint32_t len, uint32_t seed, uint32_t pasid)
{
	int ret = labdev_setup(e, 0, dst, len, pasid);

	if (!ret) {
		lab_mmio_write32(e->pci, LAB_SEED, seed);
		lab_mmio_write32(e->pci, LAB_OP, LAB_OP_PAIR);
	}
	return ret;
}

static int labdev_wait(struct lab_uengine *e, struct lab_dma_result *r)
{
	const struct lab_vfio_pci *p = e->pci;
	uint32_t info;

	*r = (struct lab_dma_result){ 0 };
	switch (lab_mmio_read32(p, LAB_STATUS)) {
	case 0:
		r->status = LAB_DMA_OK;
		break;
	case 1:
		r->status = LAB_DMA_FAULT;
		r->fault_iova = lab_mmio_read32(p, LAB_FAULT_LO) | (uint64_t)lab_mmio_read32(p, LAB_FAULT_HI) << 32;
		info = lab_mmio_read32(p, LAB_FAULT_INFO);
		r->fault_write = info & 1;
		r->fault_pasid = info & 2;
		break;
	case 2:
		r->status = LAB_DMA_MISMATCH;
		r->mismatch_offset = lab_mmio_read32(p, LAB_RESULT);
		break;
	case 3:
		r->status = LAB_DMA_BAD_REQUEST;
		break;
	default:
		r->status = LAB_DMA_ERROR;
	}
	return 0;
}

static int labdev_send_msi(struct lab_uengine *e)
{
	/* Nobody acknowledges in userspace: clear the last event first. */
	lab_mmio_write32(e->pci, LAB_IRQ_ACK, 1);
	lab_mmio_write32(e->pci, LAB_IRQ_RAISE, 1);
	return 0;
}

static void labdev_remove(struct lab_uengine *e)
{
	(void)e;	/* nothing of ours to free: the BAR belongs to lab_vfio_pci */
}

const struct lab_uengine_ops lab_uengine_labdev = {
	.name = "labdev",
	.max_len = LAB_MAX_LEN,
	.match = labdev_match,
	.init = labdev_init,
	.memcpy_start = labdev_memcpy_start,
	.pair_start = labdev_pair_start,
	.wait = labdev_wait,
	.send_msi = labdev_send_msi,
	.remove = labdev_remove,
};
