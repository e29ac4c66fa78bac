/* SPDX-License-Identifier: GPL-2.0-only */
/* libiommulab: the userspace library every iommu-lab tool and test shares,
 * all four of its public headers. */
#ifndef LAB_IOMMULAB_H
#define LAB_IOMMULAB_H

#include "lab_platform.h"
#include "lab_iommufd.h"
#include "lab_engines.h"
#include "lab_results.h"

#endif
