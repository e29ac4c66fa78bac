// SPDX-License-Identifier: GPL-2.0-only
/*
 * Engine "labdev": iommu-lab's own emulated PCIe test device (1234:1ab0,
 * docs/labdev.md; registers in lib/drivers/labdev/labdev_hw.h), built into
 * the testbed's QEMU. It copies up to 2 MiB per operation, optionally tagged
 * with a PASID, and reports translation faults itself (STATUS, FAULT_*),
 * unlike edu. The device runs the whole operation inside the OP write, so
 * the transfer is done when memcpy_start() returns; memcpy_wait() reads how
 * it ended.
 */
#include <linux/io.h>
#include "testdev.h"
#include "labdev/labdev_hw.h"

static int labdev_memcpy_start(struct testdev *td, u64 src, u64 dst, u32 len, bool with_pasid, u32 pasid)
{
	void __iomem *regs = td_regs(td);

	/* An instance created without the PASID capability (pasid-bits=0). */
	if (with_pasid && !(readl(regs + LABDEV_REG_CAPS) & LABDEV_CAPS_PASID))
		return -EOPNOTSUPP;
	if (!len || len > LABDEV_LEN_MAX)
		return -EINVAL;
	writel(lower_32_bits(src), regs + LABDEV_REG_SRC_LO);
	writel(upper_32_bits(src), regs + LABDEV_REG_SRC_HI);
	writel(lower_32_bits(dst), regs + LABDEV_REG_DST_LO);
	writel(upper_32_bits(dst), regs + LABDEV_REG_DST_HI);
	writel(len, regs + LABDEV_REG_LEN);
	writel(with_pasid ? LABDEV_PASID_VALID | pasid : 0, regs + LABDEV_REG_PASID);
	writel(LABDEV_OP_COPY, regs + LABDEV_REG_OP);
	return 0;
}

/* The FAULT_* registers of the last operation, into the fault ring. */
static void labdev_fault_record(struct testdev *td)
{
	void __iomem *regs = td_regs(td);
	u64 iova = readl(regs + LABDEV_REG_FAULT_LO) | (u64)readl(regs + LABDEV_REG_FAULT_HI) << 32;
	u32 info = readl(regs + LABDEV_REG_FAULT_INFO);
	u32 flags = (info & LABDEV_FAULT_INFO_WRITE ? ITD_FAULT_WRITE : 0) |
		    (info & LABDEV_FAULT_INFO_PASID ? ITD_FAULT_PASID : 0);

	td_fault_record(td, iova, flags, readl(regs + LABDEV_REG_PASID) & ~LABDEV_PASID_VALID,
			ITD_FAULT_SOURCE_ENGINE);
}

static int labdev_memcpy_wait(struct testdev *td)
{
	switch (readl(td_regs(td) + LABDEV_REG_STATUS)) {
	case LABDEV_STATUS_OK:
		return ITD_DMA_OK;
	case LABDEV_STATUS_FAULT:
		labdev_fault_record(td);
		return ITD_DMA_FAULT;
	default:
		return ITD_DMA_ERROR;
	}
}

const struct td_engine_ops td_engine_labdev = {
	TD_EMULATED_PCI_ENGINE(LABDEV),
	.pasid = true,
	.memcpy_start = labdev_memcpy_start,
	.memcpy_wait = labdev_memcpy_wait,
};
