// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault records (ITD_FAULTS): a ring of the faults the module itself saw,
 * from the IOMMU driver's fault handler, the software engine and device
 * engines that report faulted transfers. Written from interrupt context,
 * read by ITD_FAULTS, reset when the open file's state is torn down.
 * Bottom layer: calls nothing else of the module.
 */
#include <linux/spinlock.h>
#include "testdev.h"

void td_fault_record(struct testdev *td, u64 iova, u32 flags, u32 pasid, enum itd_fault_source source)
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

u32 td_faults_take(struct testdev *td, struct itd_fault *recs, u32 max)
{
	unsigned long irqflags;
	u32 n;

	spin_lock_irqsave(&td->fault_lock, irqflags);
	n = min(max, td->fault_count);
	for (u32 i = 0; i < n; i++)
		recs[i] = td->faults[(td->fault_head + i) % TD_FAULT_RING];
	td->fault_head = (td->fault_head + n) % TD_FAULT_RING;
	td->fault_count -= n;
	spin_unlock_irqrestore(&td->fault_lock, irqflags);
	return n;
}

u32 td_faults_lost(struct testdev *td)
{
	unsigned long irqflags;
	u32 lost;

	spin_lock_irqsave(&td->fault_lock, irqflags);
	lost = td->fault_lost;
	td->fault_lost = 0;
	spin_unlock_irqrestore(&td->fault_lock, irqflags);
	return lost;
}

void td_faults_reset(struct testdev *td)
{
	unsigned long irqflags;

	spin_lock_irqsave(&td->fault_lock, irqflags);
	td->fault_head = td->fault_count = td->fault_lost = 0;
	spin_unlock_irqrestore(&td->fault_lock, irqflags);
}
