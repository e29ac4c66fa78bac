// SPDX-License-Identifier: GPL-2.0-only
/*
 * Engine "edu": QEMU's educational PCI device (1234:11e8). It moves data
 * between memory and a 4 KiB buffer inside the device at device address
 * 0x40000, so one memcpy is two real DMAs through the (emulated) IOMMU:
 * memory -> device buffer (reads src), device buffer -> memory (writes dst).
 * The device does not report DMA errors: a faulting transfer completes and
 * the fault shows in the IOMMU's fault reporting and in the data.
 * QEMU masks DMA addresses with the device's dma_mask property (28 bits by
 * default): run it with dma_mask=0xffffffffffffffff, as the testbed does.
 */
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include "testdev.h"

#define EDU_ID			0x00
#define EDU_IRQ_STATUS		0x24
#define EDU_IRQ_RAISE		0x60
#define EDU_IRQ_ACK		0x64
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_COUNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_CMD_RUN		0x1
#define EDU_CMD_TO_RAM		0x2	/* device buffer -> memory */
#define EDU_BUF_ADDR		0x40000
#define EDU_BUF_SIZE		4096
#define EDU_TIMEOUT_MS		5000

struct edu {
	struct td_pci pci;
	void __iomem *regs;	/* = pci.regs */
	u64 src, dst;
	u32 len;
};

static bool edu_match(struct pci_dev *pdev)
{
	return pdev->vendor == 0x1234 && pdev->device == 0x11e8;
}

static irqreturn_t edu_irq(int irq, void *data)
{
	struct testdev *td = data;
	struct edu *e = td->engine_priv;
	u32 status = readl(e->regs + EDU_IRQ_STATUS);

	if (!status)
		return IRQ_NONE;
	writel(status, e->regs + EDU_IRQ_ACK);
	atomic_inc(&td->msi_count);
	return IRQ_HANDLED;
}

static int edu_init(struct testdev *td)
{
	struct edu *e;
	int ret;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	td->engine_priv = e;
	ret = td_pci_setup(td, &e->pci, edu_irq);
	if (ret)
		goto err_free;
	e->regs = e->pci.regs;
	/* Identification register: 0xRRrr00ed */
	if ((readl(e->regs + EDU_ID) & 0xff) != 0xed) {
		td_pci_teardown(td, &e->pci);
		ret = -ENODEV;
		goto err_free;
	}
	return 0;

err_free:
	td->engine_priv = NULL;
	kfree(e);
	return ret;
}

static int edu_wait_idle(struct edu *e)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(EDU_TIMEOUT_MS);

	/* Polled, not interrupt driven: a test domain may leave the MSI
	 * doorbell unmapped, and completion must not depend on it. */
	while (readl(e->regs + EDU_DMA_CMD) & EDU_CMD_RUN) {
		if (time_after(jiffies, deadline))
			return ITD_DMA_TIMEOUT;
		usleep_range(200, 1000);
	}
	return ITD_DMA_OK;
}

/* The address registers take 8-byte writes only: a 4-byte write replaces the
 * whole register, so split writes would lose the upper half. */
static int edu_transfer(struct edu *e, u64 src, u64 dst, u32 len, u32 cmd)
{
	writeq(src, e->regs + EDU_DMA_SRC);
	writeq(dst, e->regs + EDU_DMA_DST);
	writeq(len, e->regs + EDU_DMA_COUNT);
	writel(cmd | EDU_CMD_RUN, e->regs + EDU_DMA_CMD);
	return edu_wait_idle(e);
}

static int edu_memcpy_start(struct testdev *td, u64 src, u64 dst, u32 len, bool with_pasid, u32 pasid)
{
	struct edu *e = td->engine_priv;

	if (with_pasid)
		return -EOPNOTSUPP;
	if (!len || len > EDU_BUF_SIZE)
		return -EINVAL;
	if (edu_wait_idle(e) != ITD_DMA_OK)
		return -EBUSY;
	e->src = src;
	e->dst = dst;
	e->len = len;
	return 0;
}

static int edu_memcpy_wait(struct testdev *td)
{
	struct edu *e = td->engine_priv;
	int ret;

	ret = edu_transfer(e, e->src, EDU_BUF_ADDR, e->len, 0);
	if (ret == ITD_DMA_OK)
		ret = edu_transfer(e, EDU_BUF_ADDR, e->dst, e->len, EDU_CMD_TO_RAM);
	return ret;
}

static int edu_send_msi(struct testdev *td)
{
	struct edu *e = td->engine_priv;

	writel(1, e->regs + EDU_IRQ_RAISE);
	return 0;
}

static void edu_remove(struct testdev *td)
{
	struct edu *e = td->engine_priv;

	if (!e)
		return;
	edu_wait_idle(e);
	td_pci_teardown(td, &e->pci);
	kfree(e);
	td->engine_priv = NULL;
}

const struct td_engine_ops td_engine_edu = {
	.name = "edu",
	.kind = ITD_ENGINE_EMULATED,
	.max_len = EDU_BUF_SIZE,
	.pasid = false,
	.match = edu_match,
	.init = edu_init,
	.memcpy_start = edu_memcpy_start,
	.memcpy_wait = edu_memcpy_wait,
	.send_msi = edu_send_msi,
	.remove = edu_remove,
};
