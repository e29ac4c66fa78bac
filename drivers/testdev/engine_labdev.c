// SPDX-License-Identifier: GPL-2.0-only
/*
 * Engine "labdev": iommu-lab's own emulated PCIe test device (1234:1ab0,
 * docs/labdev.md), built into the testbed's QEMU. It copies up to 2 MiB per
 * operation, synchronously, optionally tagged with a PASID, and reports
 * translation faults itself (STATUS, FAULT_* registers), unlike edu.
 */
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include "testdev.h"

#define LAB_ID			0x00
#define LAB_ID_VALUE		0x1ab00001
#define LAB_CAPS		0x04
#define LAB_CAPS_PASID		BIT(0)
#define LAB_SRC_LO		0x08
#define LAB_SRC_HI		0x0c
#define LAB_DST_LO		0x10
#define LAB_DST_HI		0x14
#define LAB_LEN			0x18
#define LAB_PASID		0x1c
#define LAB_PASID_VALID		BIT(31)
#define LAB_OP			0x24
#define LAB_OP_COPY		3
#define LAB_STATUS		0x28
#define LAB_STATUS_OK		0
#define LAB_STATUS_FAULT	1
#define LAB_FAULT_LO		0x30
#define LAB_FAULT_HI		0x34
#define LAB_FAULT_INFO		0x38
#define LAB_IRQ_STATUS		0x40
#define LAB_IRQ_ACK		0x44
#define LAB_IRQ_RAISE		0x48
#define LAB_MAX_LEN		SZ_2M

struct labdev {
	struct td_pci pci;
	void __iomem *regs;	/* = pci.regs */
	bool pasid;
	u32 status;
};

static bool labdev_match(struct pci_dev *pdev)
{
	return pdev->vendor == 0x1234 && pdev->device == 0x1ab0;
}

static irqreturn_t labdev_irq(int irq, void *data)
{
	struct testdev *td = data;
	struct labdev *l = td->engine_priv;
	u32 status = readl(l->regs + LAB_IRQ_STATUS);

	if (!status)
		return IRQ_NONE;
	writel(status, l->regs + LAB_IRQ_ACK);
	atomic_inc(&td->msi_count);
	return IRQ_HANDLED;
}

static int labdev_init(struct testdev *td)
{
	struct labdev *l;
	int ret;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	td->engine_priv = l;
	ret = td_pci_setup(td, &l->pci, labdev_irq);
	if (ret)
		goto err_free;
	l->regs = l->pci.regs;
	if (readl(l->regs + LAB_ID) != LAB_ID_VALUE) {
		td_pci_teardown(td, &l->pci);
		ret = -ENODEV;
		goto err_free;
	}
	l->pasid = readl(l->regs + LAB_CAPS) & LAB_CAPS_PASID;
	return 0;

err_free:
	td->engine_priv = NULL;
	kfree(l);
	return ret;
}

static int labdev_memcpy_start(struct testdev *td, u64 src, u64 dst, u32 len, bool with_pasid, u32 pasid)
{
	struct labdev *l = td->engine_priv;

	if (with_pasid && !l->pasid)
		return -EOPNOTSUPP;	/* this instance was created without a PASID capability */
	if (!len || len > LAB_MAX_LEN)
		return -EINVAL;
	writel(lower_32_bits(src), l->regs + LAB_SRC_LO);
	writel(upper_32_bits(src), l->regs + LAB_SRC_HI);
	writel(lower_32_bits(dst), l->regs + LAB_DST_LO);
	writel(upper_32_bits(dst), l->regs + LAB_DST_HI);
	writel(len, l->regs + LAB_LEN);
	writel(with_pasid ? LAB_PASID_VALID | pasid : 0, l->regs + LAB_PASID);
	/* The device completes the operation before this write returns. */
	writel(LAB_OP_COPY, l->regs + LAB_OP);
	l->status = readl(l->regs + LAB_STATUS);
	return 0;
}

static int labdev_memcpy_wait(struct testdev *td)
{
	struct labdev *l = td->engine_priv;

	switch (l->status) {
	case LAB_STATUS_OK:
		return ITD_DMA_OK;
	case LAB_STATUS_FAULT: {
		u64 iova = readl(l->regs + LAB_FAULT_LO) | (u64)readl(l->regs + LAB_FAULT_HI) << 32;
		u32 info = readl(l->regs + LAB_FAULT_INFO);

		td_fault_record(td, iova, (info & 1 ? ITD_FAULT_WRITE : 0) | (info & 2 ? ITD_FAULT_PASID : 0),
				readl(l->regs + LAB_PASID) & ~LAB_PASID_VALID, ITD_FAULT_SOURCE_ENGINE);
		return ITD_DMA_FAULT;
	}
	default:
		return ITD_DMA_ERROR;
	}
}

static int labdev_send_msi(struct testdev *td)
{
	struct labdev *l = td->engine_priv;

	writel(1, l->regs + LAB_IRQ_RAISE);
	return 0;
}

static void labdev_remove(struct testdev *td)
{
	struct labdev *l = td->engine_priv;

	if (!l)
		return;
	td_pci_teardown(td, &l->pci);
	kfree(l);
	td->engine_priv = NULL;
}

const struct td_engine_ops td_engine_labdev = {
	.name = "labdev",
	.kind = ITD_ENGINE_EMULATED,
	.max_len = LAB_MAX_LEN,
	.pasid = true,
	.match = labdev_match,
	.init = labdev_init,
	.memcpy_start = labdev_memcpy_start,
	.memcpy_wait = labdev_memcpy_wait,
	.send_msi = labdev_send_msi,
	.remove = labdev_remove,
};
