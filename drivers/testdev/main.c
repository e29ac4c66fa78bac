// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu_testdev: presents a PCI function to the IOMMU layer as a test device
 * and issues DMA through it. It binds only to functions handed to it with
 * driver_override (it has no ID table), creates one root-only node per
 * function, /dev/iommu-testdev/<BDF> (and an I/O node for fio, io.c), and
 * owns the function's DMA (driver_managed_dma) only while a test has
 * attached something.
 */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "testdev.h"

static const struct td_engine_ops *const td_engines[] = {
	&td_engine_edu,
	&td_engine_labdev,
};


void td_fault_record(struct testdev *td, u64 iova, u32 flags, u32 pasid, u32 source)
{
	unsigned long irqflags;
	struct itd_fault *f;

	spin_lock_irqsave(&td->fault_lock, irqflags);
	if (td->fault_count == TD_FAULT_RING) {
		td->fault_lost++;
	} else {
		f = &td->faults[(td->fault_head + td->fault_count++) % TD_FAULT_RING];
		*f = (struct itd_fault){ .iova = iova, .flags = flags, .pasid = pasid, .source = source };
	}
	spin_unlock_irqrestore(&td->fault_lock, irqflags);
}

u32 td_max_pasids(struct testdev *td)
{
#ifdef HAVE_DEV_IOMMU_MAX_PASIDS
	struct device *dev = &td->pdev->dev;

	return dev->iommu ? dev->iommu->max_pasids : 0;
#else
	return 0;
#endif
}

void td_free(struct kref *ref)
{
	struct testdev *td = container_of(ref, struct testdev, ref);

	kfree(td->misc.name);
	kfree(td->io_misc.name);
	kfree(td->resv);
	kfree(td);
}

static int td_open(struct inode *inode, struct file *file)
{
	struct testdev *td = container_of(file->private_data, struct testdev, misc);
	int ret = 0;

	/* The node is 0600 root; DMA control also needs the capability. */
	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	mutex_lock(&td->lock);
	if (td->dead)
		ret = -ENODEV;
	else if (td->open)
		ret = -EBUSY;
	else
		td->open = true;
	mutex_unlock(&td->lock);
	if (ret)
		return ret;
	kref_get(&td->ref);
	file->private_data = td;
	return 0;
}

static int td_release(struct inode *inode, struct file *file)
{
	struct testdev *td = file->private_data;

	mutex_lock(&td->lock);
	if (!td->dead)
		td_teardown(td);
	td->open = false;
	mutex_unlock(&td->lock);
	kref_put(&td->ref, td_free);
	return 0;
}

static const struct file_operations td_fops = {
	.owner = THIS_MODULE,
	.open = td_open,
	.release = td_release,
	.unlocked_ioctl = td_ioctl,
	.compat_ioctl = td_ioctl,
	.llseek = noop_llseek,
};

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
	td->state = ITD_STATE_DEFAULT;
	atomic_set(&td->msi_count, 0);
	ret = td_read_resv(td);
	if (ret)
		goto err_free;
	pci_set_drvdata(pdev, td);

	for (unsigned int i = 0; i < ARRAY_SIZE(td_engines); i++) {
		if (td_engines[i]->match(pdev)) {
			td->engine = td_engines[i];
			break;
		}
	}
	if (td->engine) {
		ret = td->engine->init(td);
		if (ret) {
			pci_err(pdev, "engine %s: init failed: %d\n", td->engine->name, ret);
			goto err_free;
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
		if (ret)
			goto err_misc;
	}
	pci_info(pdev, "iommu_testdev: engine %s, /dev/iommu-testdev/%s\n",
		 td->engine ? td->engine->name : "none (software engine only)", pci_name(pdev));
	return 0;

err_misc:
	misc_deregister(&td->misc);
err_engine:
	if (td->engine)
		td->engine->remove(td);
err_free:
	kfree(td->io_misc.name);
	kfree(td->misc.name);
	kfree(td->resv);
	kfree(td);
	return ret;
}

/* Unbind (or module unload): detach and free everything, hand the function
 * back to its default domain, and fail the open file's further calls. */
static void td_remove(struct pci_dev *pdev)
{
	struct testdev *td = pci_get_drvdata(pdev);

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
		td->engine->remove(td);
	mutex_unlock(&td->lock);
	if (td->io_misc.fops)
		up_write(&td->io_rwsem);
	kref_put(&td->ref, td_free);
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
