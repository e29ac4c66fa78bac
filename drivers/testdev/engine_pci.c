// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI half every device engine shares, driven by the device's description
 * (struct lab_device_desc, lib/drivers/device_desc.h), so that an engine file
 * holds only its DMA: enable the function, map BAR 0 and check that it is the
 * device described, bus mastering with 64-bit DMA addresses, one MSI vector
 * (acknowledged and counted here, re-armed after a domain change), send_msi,
 * and the engine's private data.
 */
#include <linux/interrupt.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include "testdev.h"

static irqreturn_t td_pci_irq(int irq, void *data)
{
	struct testdev *td = data;
	struct td_pci *p = td->pci;
	u32 status = readl(p->regs + p->dev->irq_status);

	if (!status)
		return IRQ_NONE;
	writel(status, p->regs + p->dev->irq_ack);
	atomic_inc(&td->msi_count);
	return IRQ_HANDLED;
}

/* BAR 0 mapped, large enough, and its ID register says it is the device. */
static int td_pci_map(struct pci_dev *pdev, struct td_pci *p)
{
	const struct lab_device_desc *dev = p->dev;

	if (pci_resource_len(pdev, 0) < dev->regs_end)
		return -ENODEV;
	p->regs = pci_iomap(pdev, 0, 0);
	if (!p->regs)
		return -ENOMEM;
	if ((readl(p->regs + dev->id_reg) & dev->id_mask) != dev->id_value) {
		pci_iounmap(pdev, p->regs);
		return -ENODEV;
	}
	return 0;
}

int td_pci_setup(struct testdev *td, const struct td_engine_ops *eng)
{
	struct pci_dev *pdev = td->pdev;
	struct td_pci *p;
	int ret;

	p = kzalloc(struct_size(p, priv, eng->priv_size), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->dev = &eng->dev;
	ret = pci_enable_device(pdev);
	if (ret)
		goto err_free;
	ret = pci_request_regions(pdev, "iommu_testdev");
	if (ret)
		goto err_disable;
	ret = td_pci_map(pdev, p);
	if (ret)
		goto err_regions;
	pci_set_master(pdev);
	dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (ret < 0)
		goto err_master;
	p->irq = pci_irq_vector(pdev, 0);
	td->pci = p;			/* the handler's */
	td->engine_priv = p->priv;
	ret = request_irq(p->irq, td_pci_irq, 0, "iommu_testdev", td);
	if (ret)
		goto err_vectors;
	return 0;

err_vectors:
	td->pci = NULL;
	td->engine_priv = NULL;
	pci_free_irq_vectors(pdev);
err_master:
	pci_clear_master(pdev);
	pci_iounmap(pdev, p->regs);
err_regions:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_free:
	kfree(p);
	return ret;
}

int td_pci_send_msi(struct testdev *td)
{
	writel(1, td->pci->regs + td->pci->dev->irq_raise);
	return 0;
}

/*
 * Where MSIs are translated DMA (Arm), the doorbell is mapped into the domain
 * attached when the vector is allocated (dma-iommu's MSI cookie). After the
 * RID changed domains, allocate the vector again so the doorbell is mapped in
 * the new one, as VFIO does when it enables MSIs after attaching. Callers
 * never do this while blocked: there the doorbell cannot be mapped, the
 * allocation fails, and Linux 7.3's GICv3 ITS keeps the event it took for
 * it, so the function could not get an MSI again (docs/msi.md).
 */
void td_msi_rearm(struct testdev *td)
{
	struct td_pci *p = td->pci;
	struct pci_dev *pdev = td->pdev;
	int ret;

	if (!td->sw_msi || !p)
		return;
	if (p->irq > 0) {
		free_irq(p->irq, td);
		pci_free_irq_vectors(pdev);
		p->irq = 0;
	}
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (ret < 0)
		return;
	p->irq = pci_irq_vector(pdev, 0);
	if (request_irq(p->irq, td_pci_irq, 0, "iommu_testdev", td)) {
		pci_free_irq_vectors(pdev);
		p->irq = 0;
	}
}

void td_pci_teardown(struct testdev *td)
{
	struct td_pci *p = td->pci;
	struct pci_dev *pdev = td->pdev;

	if (td->engine->quiesce)
		td->engine->quiesce(td);
	if (p->irq > 0)
		free_irq(p->irq, td);
	td->pci = NULL;
	td->engine_priv = NULL;
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	pci_iounmap(pdev, p->regs);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	kfree(p);
}
