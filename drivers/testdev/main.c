// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu_testdev: presents a PCI function to the IOMMU layer as a test device
 * and issues DMA through it. It binds only to functions handed to it with
 * driver_override (it has no ID table), creates one root-only node per
 * function, /dev/iommu-testdev/<BDF> (ioctl.c; and an I/O node for fio,
 * io.c), and owns the function's DMA (driver_managed_dma) only while a test
 * has attached something. Top layer: the PCI driver; docs/architecture.md
 * lists the layers below it.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include "testdev.h"

static const struct td_engine_ops *const td_engines[] = {
	&td_engine_edu,
	&td_engine_labdev,
	&td_engine_nvme,	/* any NVMe function, by class code */
};

/* The engine whose device (lib/drivers/<dev>/) PDEV is; NULL if none. */
static const struct td_engine_ops *td_engine_for(struct pci_dev *pdev)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(td_engines); i++) {
		const struct lab_device_desc *dev = &td_engines[i]->dev;

		if (lab_device_desc_matches(dev, pdev->vendor, pdev->device, pdev->class))
			return td_engines[i];
	}
	return NULL;
}

/*
 * Unregister the nodes, tear the open file's state down, stop the engine
 * and drop the driver's reference: an open file keeps the object until it
 * is closed, and its calls fail with -ENODEV from here on. Unbind, and probe
 * once a node was registered (someone may have opened it already).
 */
static void td_shutdown(struct testdev *td)
{
	misc_deregister(&td->misc);
	if (td->io_misc.fops) {
		misc_deregister(&td->io_misc);
		down_write(&td->io_rwsem);	/* no I/O step in flight from here */
	}
	mutex_lock(&td->lock);
	td_teardown(td);
	td_io_free_store(td);	/* open I/O files now fail with -ENODEV */
	td->dead = true;
	if (td->engine)
		td_pci_teardown(td);
	mutex_unlock(&td->lock);
	if (td->io_misc.fops)
		up_write(&td->io_rwsem);
	kref_put(&td->ref, td_free);
}

static int td_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct testdev *td;
	int ret;

	td = kzalloc(sizeof(*td), GFP_KERNEL);
	if (!td)
		return -ENOMEM;
	td->pdev = pdev;
	kref_init(&td->ref);
	mutex_init(&td->lock);
	spin_lock_init(&td->fault_lock);
	xa_init_flags(&td->bufs, XA_FLAGS_ALLOC1);
	xa_init_flags(&td->domains, XA_FLAGS_ALLOC1);
	xa_init(&td->pasids);
	td->state = ITD_STATE_DEFAULT;	/* the MSI counters: zeroed with td */
	ret = td_read_resv(td);
	if (ret)
		goto err_put;
	pci_set_drvdata(pdev, td);

	td->engine = td_engine_for(pdev);
	if (td->engine) {
		ret = td_pci_setup(td, td->engine);
		if (ret) {
			pci_err(pdev, "engine %s: init failed: %d\n", td->engine->name, ret);
			goto err_put;
		}
	}

	td->misc.minor = MISC_DYNAMIC_MINOR;
	td->misc.mode = 0600;
	td->misc.fops = &td_fops;
	/* '!' becomes '/' in the node name: /dev/iommu-testdev/<BDF> */
	td->misc.name = kasprintf(GFP_KERNEL, "iommu-testdev!%s", pci_name(pdev));
	if (!td->misc.name) {
		ret = -ENOMEM;
		goto err_engine;
	}
	ret = misc_register(&td->misc);
	if (ret)
		goto err_engine;
	if (td->engine) {
		ret = td_io_register(td);
		if (ret) {
			/* The control node may be open already: free through the reference. */
			td_shutdown(td);
			return ret;
		}
	}
	pci_info(pdev, "iommu_testdev: engine %s, /dev/iommu-testdev/%s\n",
		 td->engine ? td->engine->name : "none (software engine only)", pci_name(pdev));
	return 0;

err_engine:
	if (td->engine)
		td_pci_teardown(td);
err_put:
	kref_put(&td->ref, td_free);	/* the only reference: no node was registered */
	return ret;
}

/* Unbind (or module unload): detach and free everything, hand the function
 * back to its default domain, and fail the open file's further calls. */
static void td_remove(struct pci_dev *pdev)
{
	td_shutdown(pci_get_drvdata(pdev));
}

static struct pci_driver td_driver = {
	.name = "iommu_testdev",
	.id_table = NULL,	/* binds only through driver_override */
	.probe = td_probe,
	.remove = td_remove,
	.driver_managed_dma = true,
};
module_pci_driver(td_driver);

MODULE_DESCRIPTION("iommu-lab test device: IOMMU domains, attachments and DMA for conformance tests");
MODULE_LICENSE("GPL");
