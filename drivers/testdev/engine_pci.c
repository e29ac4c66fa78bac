// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI plumbing every device engine needs, so that an engine file holds
 * only what is its own: enable the function, map BAR 0, bus mastering with
 * 64-bit DMA addresses, and one MSI vector handled by the engine (its handler
 * gets the struct testdev; set td->engine_priv before calling).
 */
#include <linux/interrupt.h>
#include "testdev.h"

int td_pci_setup(struct testdev *td, struct td_pci *p, irq_handler_t handler)
{
	struct pci_dev *pdev = td->pdev;
	int ret;

	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	ret = pci_request_regions(pdev, "iommu_testdev");
	if (ret)
		goto err_disable;
	p->regs = pci_iomap(pdev, 0, 0);
	if (!p->regs) {
		ret = -ENOMEM;
		goto err_regions;
	}
	pci_set_master(pdev);
	dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (ret < 0)
		goto err_master;
	p->irq = pci_irq_vector(pdev, 0);
	p->handler = handler;
	ret = request_irq(p->irq, handler, 0, "iommu_testdev", td);
	if (ret)
		goto err_vectors;
	td->pci = p;
	return 0;

err_vectors:
	pci_free_irq_vectors(pdev);
err_master:
	pci_clear_master(pdev);
	pci_iounmap(pdev, p->regs);
err_regions:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
	return ret;
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
	if (request_irq(p->irq, p->handler, 0, "iommu_testdev", td)) {
		pci_free_irq_vectors(pdev);
		p->irq = 0;
	}
}

void td_pci_teardown(struct testdev *td, struct td_pci *p)
{
	struct pci_dev *pdev = td->pdev;

	td->pci = NULL;
	if (p->irq > 0)
		free_irq(p->irq, td);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	pci_iounmap(pdev, p->regs);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
}
