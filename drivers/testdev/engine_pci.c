// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI half every device engine shares, driven by the device's description
 * (struct lab_device_desc, lib/drivers/device_desc.h) and the engine's ops, so
 * that an engine file holds only its DMA: enable the function, map BAR 0 and
 * check that it is the device described, bus mastering with 64-bit DMA
 * addresses, the interrupts (counted here per vector, re-armed after a domain
 * change), send_msi for the emulated devices, the engine's private data, and
 * its probe and remove.
 *
 * Interrupts: an engine with msix_vectors 0 (edu, labdev) gets one MSI
 * vector, whose handler acknowledges through the description's irq_status
 * and irq_ack registers. Another (nvme) gets up to msix_vectors MSI-X
 * vectors (multi-message MSI where the function has no MSI-X), and its own
 * irq() says whether an interrupt was the device's; the device needs no
 * acknowledgement.
 */
#include <linux/interrupt.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include "testdev.h"

static irqreturn_t td_pci_irq(int irq, void *data)
{
	struct td_pci_vec *v = data;
	struct testdev *td = v->td;
	struct td_pci *p = td->pci;

	if (p->eng->msix_vectors) {
		if (p->eng->irq && !p->eng->irq(td, v->index))
			return IRQ_NONE;
	} else {
		u32 status = readl(p->regs + p->dev->irq_status);

		if (!status)
			return IRQ_NONE;
		writel(status, p->regs + p->dev->irq_ack);
	}
	atomic_inc(&td->msi_count[v->index]);
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

static void td_pci_free_vectors(struct testdev *td)
{
	struct td_pci *p = td->pci;

	for (unsigned int i = 0; i < p->nvec; i++)
		if (p->vec[i].irq > 0)
			free_irq(p->vec[i].irq, &p->vec[i]);
	if (p->nvec)
		pci_free_irq_vectors(td->pdev);
	p->nvec = 0;
}

/* Between MIN and MAX vectors of the types asked, each with the handler. */
static int td_pci_alloc_vectors(struct testdev *td, unsigned int min, unsigned int max)
{
	struct td_pci *p = td->pci;
	struct pci_dev *pdev = td->pdev;
	int n, ret;

	n = pci_alloc_irq_vectors(pdev, min, max, p->irq_types);
	if (n < 0)
		return n;
	p->nvec = n;
	for (int i = 0; i < n; i++) {
		p->vec[i] = (struct td_pci_vec){ .td = td, .index = i, .irq = pci_irq_vector(pdev, i) };
		ret = p->vec[i].irq < 0 ? p->vec[i].irq :
		      request_irq(p->vec[i].irq, td_pci_irq, 0, "iommu_testdev", &p->vec[i]);
		if (ret) {
			/* Only vectors 0 .. i-1 have a handler: the entries
			 * after i still hold the previous allocation's numbers. */
			while (i--)
				free_irq(p->vec[i].irq, &p->vec[i]);
			pci_free_irq_vectors(pdev);
			p->nvec = 0;
			return ret;
		}
	}
	return n;
}

/* The interrupts the engine asks for, at probe. */
static int td_pci_irqs(struct testdev *td, const struct td_engine_ops *eng)
{
	struct td_pci *p = td->pci;
	unsigned int want = 1;
	int n;

	p->irq_types = PCI_IRQ_MSI;
	if (eng->msix_vectors) {
		p->irq_types = PCI_IRQ_MSIX | PCI_IRQ_MSI;
		want = min_t(unsigned int, eng->msix_vectors, TD_MSI_VECTORS);
	}
	n = td_pci_alloc_vectors(td, 1, want);
	if (n < 0)
		return n;
	td->msi_vectors = n;
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
	p->eng = eng;
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
	td->pci = p;			/* the handler's */
	td->engine_priv = p->priv;
	/* What every engine reports unless its probe says otherwise. */
	td->dma_max_len = eng->max_len;
	td->dma_granule = 1;
	td->dma_align = 1;
	td->engine_caps = ITD_ENGINE_CAP_COPY;
	ret = td_pci_irqs(td, eng);
	if (ret)
		goto err_master;
	if (eng->probe) {
		ret = eng->probe(td);
		if (ret)
			goto err_vectors;
	}
	return 0;

err_vectors:
	td_pci_free_vectors(td);
err_master:
	td->pci = NULL;
	td->engine_priv = NULL;
	td->msi_vectors = 0;
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

int td_pci_send_msi(struct testdev *td, u32 vector)
{
	if (vector)
		return -EINVAL;
	writel(1, td->pci->regs + td->pci->dev->irq_raise);
	return 0;
}

/*
 * Where MSIs are translated DMA (Arm), the doorbell is mapped into the domain
 * attached when the vectors are allocated (dma-iommu's MSI cookie). After the
 * RID changed domains, allocate every vector again so the doorbell is mapped
 * in the new one, as VFIO does when it enables MSIs after attaching. Callers
 * never do this while blocked: there the doorbell cannot be mapped, the
 * allocation fails, and Linux 7.3's GICv3 ITS keeps the event it took for
 * it, so the function could not get an MSI again (docs/msi.md). An MSI-X
 * table entry only names a message: the device's queues keep their vector
 * numbers, so nothing else needs to know. 0, or the allocation's error: the
 * function then has no vectors until the next re-arm.
 */
int td_msi_rearm(struct testdev *td)
{
	struct td_pci *p = td->pci;
	unsigned int n;
	int ret;

	if (!td->sw_msi || !p)
		return 0;
	n = p->nvec ? p->nvec : td->msi_vectors;
	td_pci_free_vectors(td);
	if (!n)
		return 0;
	ret = td_pci_alloc_vectors(td, n, n);
	if (ret < 0) {
		pci_warn(td->pdev, "%u interrupt vectors not allocated again after a domain change: %d\n",
			 n, ret);
		return ret;
	}
	return 0;
}

void td_pci_teardown(struct testdev *td)
{
	struct td_pci *p = td->pci;
	struct pci_dev *pdev = td->pdev;

	if (td->engine->quiesce)
		td->engine->quiesce(td);
	if (td->engine->remove)
		td->engine->remove(td);
	td_pci_free_vectors(td);
	td->pci = NULL;
	td->engine_priv = NULL;
	td->msi_vectors = 0;
	pci_clear_master(pdev);
	pci_iounmap(pdev, p->regs);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	kfree(p);
}
