/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The function's binding to the module, for the programs that unbind it on
 * purpose (testdev_lifecycle, testdev_dma_api): the runner left its
 * driver_override naming iommu_testdev, so a probe binds it back.
 */
#ifndef TESTDEV_BIND_H
#define TESTDEV_BIND_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "lab_platform.h"
#include "lab_engines.h"

/* S written to the sysfs attribute PATH: 0 or -errno. */
static inline int td_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Whether BDF is bound to the module. */
static inline bool td_bound(const char *bdf)
{
	char drv[64];

	return !lab_read_link_base(drv, sizeof(drv), "/sys/bus/pci/devices/%s/driver", bdf) &&
	       !strcmp(drv, "iommu_testdev");
}

/* Bind BDF to the module again and wait for its node, up to 10 s: a probe
 * on a loaded machine can take seconds (the wait ends as soon as it is there). */
static inline int td_rebind(const char *bdf)
{
	char node[128];

	if (!td_bound(bdf))
		td_write_file("/sys/bus/pci/drivers_probe", bdf);
	snprintf(node, sizeof(node), "%s/%s", LAB_TD_DEV_DIR, bdf);
	for (int i = 0; i < 500; i++) {
		if (td_bound(bdf) && !access(node, F_OK))
			return 0;
		usleep(20 * 1000);
	}
	return -ETIMEDOUT;
}

#endif
