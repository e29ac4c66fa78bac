/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libiommulab, one of its four public headers (docs/architecture.md, "The
 * library's boundary"): iommufd and VFIO: /dev/iommu objects (IOAS, HWPT, vIOMMU, vDEVICE, vEVENTQ), VFIO cdev functions, the iommufd mock device, stage-1 table and SMMUv3 descriptor builders.
 * Test programs and tools include these, never the parts below.
 */
#ifndef LAB_IOMMUFD_H_PUBLIC
#define LAB_IOMMUFD_H_PUBLIC

#include "iommufd.h"
#include "iommufd_mock.h"
#include "vfio_pci.h"
#include "s1pt.h"
#include "smmuv3_desc.h"

#endif
