/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libiommulab, one of its four public headers (docs/architecture.md, "The
 * library's boundary"): DMA engines: the userspace engines over VFIO (uengine) and the iommu_testdev module's uAPI wrappers, whose engines run in the kernel.
 * Test programs and tools include these, never the parts below.
 */
#ifndef LAB_ENGINES_H_PUBLIC
#define LAB_ENGINES_H_PUBLIC

#include "uengine.h"
#include "testdev.h"

#endif
