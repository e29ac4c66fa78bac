/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The opening every iommufd fixture shares: /dev/iommu, then a function's
 * VFIO cdev bound to it (BAR 0 mapped, bus mastering on), and the closing.
 * For fixture setups and teardowns (kselftest harness).
 */
#ifndef TESTS_VFIO_SETUP_H
#define TESTS_VFIO_SETUP_H

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "lab_iommufd.h"
#include "lab_engines.h"

/* *_ifd: /dev/iommu (SKIP without it). */
#define test_open_iommufd(_ifd)                                                            \
	do {                                                                               \
		*(_ifd) = lab_iommufd_open();                                              \
		if (*(_ifd) == -ENOENT)                                                    \
			SKIP(return, "%s", lab_iommufd_unusable(LAB_NEED_IOMMUFD));        \
		ASSERT_LE(0, *(_ifd)) TH_LOG("/dev/iommu: %s", strerror(-*(_ifd)));      \
	} while (0)

/* *_ifd: /dev/iommu (SKIP without it); *_pci: BDF's VFIO device on it. */
#define test_setup_vfio_device(_ifd, _bdf, _pci)                                          \
	do {                                                                               \
		int _r;                                                                    \
		test_open_iommufd(_ifd);                                                   \
		_r = lab_vfio_pci_open(*(_ifd), _bdf, _pci);                               \
		ASSERT_EQ(0, _r) TH_LOG("%s: VFIO cdev: %s", _bdf, strerror(-_r));          \
	} while (0)

/* Undo test_setup_vfio_device, and the engine opened on the device (eng may
 * be NULL). Closing the device detaches it from everything; closing iommufd
 * destroys what was allocated on it. Safe after a setup that stopped early
 * (fds -1, engine without ops). */
static inline void test_teardown_vfio_device(int ifd, struct lab_vfio_pci *pci, struct lab_uengine *eng)
{
	if (eng)
		lab_uengine_close(eng);
	if (pci->fd >= 0)
		lab_vfio_pci_close(pci);
	if (ifd >= 0)
		close(ifd);
}

#endif
