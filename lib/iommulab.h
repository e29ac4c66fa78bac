/* SPDX-License-Identifier: GPL-2.0-only */
/* libiommulab: the userspace library every iommu-lab tool and test shares. */
#ifndef LAB_IOMMULAB_H
#define LAB_IOMMULAB_H

#include "discover.h"
#include "iommufd.h"
#include "json.h"
#include "ktap.h"
#include "regs.h"
#include "stats.h"
#include "sysfs.h"

#endif
