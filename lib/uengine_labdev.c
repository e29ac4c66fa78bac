// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace engine for iommu-lab's emulated PCIe test device (1234:1ab0,
 * docs/labdev.md; registers and test pattern in
 * lib/drivers/labdev/labdev_hw.h), optionally tagged with a PASID; it reports
 * faults itself. The device runs the whole operation inside the OP write, so
 * the transfer is done when memcpy_start() or pair_start() returns; wait()
 * reads how it ended.
 */
#include <errno.h>
#include "drivers/labdev/labdev_hw.h"
#include "iommufd.h"
#include "uengine.h"

bool lab_labdev_has_pattern(const void *buf, size_t len, uint32_t seed)
{
	return labdev_pattern_first_diff(buf, len, seed) == len;
}

static int labdev_setup(struct lab_uengine *e, uint64_t src, uint64_t dst, uint32_t len, uint32_t pasid)
{
	const struct lab_vfio_pci *p = e->pci;

	if (!len || len > LABDEV_LEN_MAX)
		return -EINVAL;
	if (pasid != LAB_NO_PASID && pasid >= (1u << LABDEV_PASID_BITS_MAX))
		return -ERANGE;
	lab_mmio_write32(p, LABDEV_REG_SRC_LO, (uint32_t)src);
	lab_mmio_write32(p, LABDEV_REG_SRC_HI, (uint32_t)(src >> 32));
	lab_mmio_write32(p, LABDEV_REG_DST_LO, (uint32_t)dst);
	lab_mmio_write32(p, LABDEV_REG_DST_HI, (uint32_t)(dst >> 32));
	lab_mmio_write32(p, LABDEV_REG_LEN, len);
	lab_mmio_write32(p, LABDEV_REG_PASID, pasid == LAB_NO_PASID ? 0 : LABDEV_PASID_VALID | pasid);
	return 0;
}

static int labdev_memcpy_start(struct lab_uengine *e, uint64_t src, uint64_t dst, uint32_t len, uint32_t pasid)
{
	int ret = labdev_setup(e, src, dst, len, pasid);

	if (!ret)
		lab_mmio_write32(e->pci, LABDEV_REG_OP, LABDEV_OP_COPY);
	return ret;
}

static int labdev_pair_start(struct lab_uengine *e, uint64_t dst, uint32_t len, uint32_t seed, uint32_t pasid)
{
	int ret = labdev_setup(e, 0, dst, len, pasid);

	if (!ret) {
		lab_mmio_write32(e->pci, LABDEV_REG_SEED, seed);
		lab_mmio_write32(e->pci, LABDEV_REG_OP, LABDEV_OP_PAIR);
	}
	return ret;
}

static int labdev_wait(struct lab_uengine *e, struct lab_dma_result *r)
{
	const struct lab_vfio_pci *p = e->pci;
	uint32_t info;

	*r = (struct lab_dma_result){ 0 };
	switch (lab_mmio_read32(p, LABDEV_REG_STATUS)) {
	case LABDEV_STATUS_OK:
		r->status = LAB_DMA_OK;
		break;
	case LABDEV_STATUS_FAULT:
		r->status = LAB_DMA_FAULT;
		r->fault_iova = lab_mmio_read32(p, LABDEV_REG_FAULT_LO) |
				(uint64_t)lab_mmio_read32(p, LABDEV_REG_FAULT_HI) << 32;
		info = lab_mmio_read32(p, LABDEV_REG_FAULT_INFO);
		r->fault_write = info & LABDEV_FAULT_INFO_WRITE;
		r->fault_pasid = info & LABDEV_FAULT_INFO_PASID;
		break;
	case LABDEV_STATUS_MISMATCH:
		r->status = LAB_DMA_MISMATCH;
		r->mismatch_offset = lab_mmio_read32(p, LABDEV_REG_RESULT);
		break;
	case LABDEV_STATUS_BAD_REQUEST:
		r->status = LAB_DMA_BAD_REQUEST;
		break;
	default:
		r->status = LAB_DMA_ERROR;
	}
	return 0;
}

const struct lab_uengine_ops lab_uengine_labdev = {
	LAB_UENGINE_PCI(LABDEV),
	.emulated = true,
	.memcpy_start = labdev_memcpy_start,
	.pair_start = labdev_pair_start,
	.wait = labdev_wait,
};
