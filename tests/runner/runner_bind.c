// SPDX-License-Identifier: GPL-2.0-only
/*
 * The runner's bind gives a function back whatever fails: driven through
 * `iommu-lab bind` on a function the run handed to iommu_testdev.
 *
 * A bind that fails after the function left its driver (the new driver
 * refuses it: virtio-pci takes only virtio functions) puts it back on
 * iommu_testdev with no driver_override left; a bind to a driver that does
 * not exist changes nothing. Either way the run's record of the driver the
 * function had before the run is kept, so the run still hands it back.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "runner_common.h"

FIXTURE(bind) {
	char bdf[16];
	char record[64];	/* the run's record of the function's pre-run driver */
	const char *runner;
};

static void override_of(const char *bdf, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	first_line(path, buf, len);
}

/* `iommu-lab bind BDF DRIVER`: its exit status, its stderr in err. */
static int runner_bind(const char *runner, const char *bdf, const char *drv, char *err, size_t len)
{
	char args[128];

	snprintf(args, sizeof(args), "bind %s %s", bdf, drv);
	return runner_run(runner, args, err, len);
}

FIXTURE_SETUP(bind)
{
	const char *list = getenv("IOMMU_LAB_TESTDEV");
	char path[128], drv[64];

	self->runner = getenv("IOMMU_LAB_RUNNER");
	if (!list || sscanf(list, " %15s", self->bdf) != 1 || !self->runner)
		SKIP(return, "no function handed to iommu_testdev by the runner (iommu-lab run --testdev BDF)");
	driver_of(self->bdf, drv, sizeof(drv));
	ASSERT_STREQ("iommu_testdev", drv) TH_LOG("%s is not on iommu_testdev at the start", self->bdf);
	snprintf(path, sizeof(path), "/run/iommu-lab/%s.driver", self->bdf);
	first_line(path, self->record, sizeof(self->record));
	ASSERT_NE(0, self->record[0]) TH_LOG("the run keeps no record of %s's driver (%s)", self->bdf, path);
}

FIXTURE_TEARDOWN(bind)
{
}

/* After a failed bind: on iommu_testdev, no override, the run's record unchanged. */
static void expect_given_back(struct __test_metadata *_metadata, FIXTURE_DATA(bind) *self)
{
	char drv[64], ovr[64], rec[64], path[128];

	driver_of(self->bdf, drv, sizeof(drv));
	EXPECT_STREQ("iommu_testdev", drv) TH_LOG("%s is on '%s'", self->bdf, drv);
	override_of(self->bdf, ovr, sizeof(ovr));
	EXPECT_TRUE(!ovr[0] || !strcmp(ovr, "(null)")) TH_LOG("driver_override left: '%s'", ovr);
	snprintf(path, sizeof(path), "/run/iommu-lab/%s.driver", self->bdf);
	first_line(path, rec, sizeof(rec));
	EXPECT_STREQ(self->record, rec) TH_LOG("the run's record of the pre-run driver changed");
}

TEST_F(bind, refused_bind_gives_the_function_back)
{
	char err[512];
	int rc = runner_bind(self->runner, self->bdf, "virtio-pci", err, sizeof(err));

	if (rc != 0 && strstr(err, "no virtio-pci driver"))
		SKIP(return, "this kernel has no virtio-pci driver to refuse the function");
	EXPECT_NE(0, rc) TH_LOG("virtio-pci took %s", self->bdf);
	EXPECT_NE(NULL, strstr(err, "did not bind to virtio-pci; given back to iommu_testdev"))
		TH_LOG("the runner said: %s", err);
	expect_given_back(_metadata, self);
}

TEST_F(bind, bind_to_an_absent_driver_changes_nothing)
{
	char err[512];
	int rc = runner_bind(self->runner, self->bdf, "no_such_driver_iommu_lab", err, sizeof(err));

	EXPECT_NE(0, rc);
	EXPECT_NE(NULL, strstr(err, "nothing was changed")) TH_LOG("the runner said: %s", err);
	expect_given_back(_metadata, self);
}

TEST_HARNESS_MAIN
