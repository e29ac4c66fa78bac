/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The opening every iommufd fixture shares: /dev/iommu, then a function's
 * VFIO cdev bound to it (BAR 0 mapped, bus mastering on). For fixture
 * setups (kselftest harness).
 */
#ifndef TESTS_VFIO_SETUP_H
#define TESTS_VFIO_SETUP_H

#include <errno.h>
#include <string.h>
#include "iommufd.h"
#include "vfio_pci.h"

/* *_ifd: /dev/iommu (SKIP without it); *_pci: BDF's VFIO device on it. */
#define test_setup_vfio_device(_ifd, _bdf, _pci)                                          \
	do {                                                                               \
		int _r;                                                                    \
		*(_ifd) = lab_iommufd_open();                                              \
		if (*(_ifd) == -ENOENT)                                                    \
			SKIP(return, "no /dev/iommu (kernel without CONFIG_IOMMUFD)");     \
		ASSERT_LE(0, *(_ifd)) TH_LOG("/dev/iommu: %s", strerror(-*(_ifd)));      \
		_r = lab_vfio_pci_open(*(_ifd), _bdf, _pci);                               \
		ASSERT_EQ(0, _r) TH_LOG("%s: VFIO cdev: %s", _bdf, strerror(-_r));          \
	} while (0)

#endif
