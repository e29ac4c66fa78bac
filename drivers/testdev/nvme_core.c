// SPDX-License-Identifier: GPL-2.0-only
/*
 * The portable NVMe controller driver (lib/drivers/nvme/nvme_core.c, shared
 * with the library's userspace engine), compiled into the module as one
 * object of its own: engine_nvme.c calls it through nvme_core.h. Included
 * rather than listed in Kbuild by its path, so that Kbuild and DKMS build it
 * from this directory with no path tricks. Bottom layer: it calls only the
 * callbacks engine_nvme.c hands it.
 */
#include "nvme/nvme_core.c"
