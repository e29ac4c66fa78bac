/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Counting a VFIO device's MSIs in kselftest-harness tests: the fixture has
 * `struct lab_uengine eng` (the device's engine raises them) and `int efd`
 * (the eventfd VFIO signals, lab_vfio_pci_msi_enable()).
 */
#ifndef IOMMUFD_MSI_COMMON_H
#define IOMMUFD_MSI_COMMON_H

#include "uengine.h"

/*
 * How long to wait for each MSI: one that should arrive ends the wait as
 * soon as it does (the bound only matters on a machine so loaded that
 * delivery takes seconds); one that should not is an absence window, and an
 * MSI later than that is not seen (docs/tests/determinism.md).
 */
#define MSI_WAIT_MS 5000	/* for an MSI that should arrive */
#define MSI_SILENT_MS 100	/* for one that should not */

/* _count MSIs raised now, one at a time; _want of them delivered. */
#define expect_msis(_count, _want, _state)                                                          \
	do {                                                                                        \
		uint32_t _got = 0, _w = (_want);                                                    \
		ASSERT_EQ(0, lab_uengine_msis(&self->eng, self->efd, _count,                        \
					      _w ? MSI_WAIT_MS : MSI_SILENT_MS, &_got));            \
		EXPECT_EQ(_w, _got) TH_LOG("%s: %u MSIs raised, %u delivered, %u expected", _state, \
					   (uint32_t)(_count), _got, _w);                           \
	} while (0)

#define test_cmd_msi_enable()                                                                \
	do {                                                                                 \
		int _r = lab_vfio_pci_msi_enable(&self->pci, self->efd);                     \
		ASSERT_EQ(0, _r) TH_LOG("VFIO_DEVICE_SET_IRQS (MSI): %s", strerror(-_r));    \
	} while (0)

#endif
