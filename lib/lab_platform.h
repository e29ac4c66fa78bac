/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libiommulab, one of its four public headers (docs/architecture.md, "The
 * library's boundary"): the platform: IOMMU instances and PCI functions (discovery), sysfs readers, the VT-d and SMMUv3 capability registers with their decoders and consistency rules, IOMMU faults from the kernel log.
 * Test programs and tools include these, never the parts below.
 */
#ifndef LAB_PLATFORM_H_PUBLIC
#define LAB_PLATFORM_H_PUBLIC

#include "discover.h"
#include "sysfs.h"
#include "regs.h"
#include "faultlog.h"

#endif
