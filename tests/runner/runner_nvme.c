// SPDX-License-Identifier: GPL-2.0-only
/*
 * The runner never takes an NVMe function from under its users, and gives
 * it back to the kernel's nvme driver with its namespaces (docs/nvme.md).
 *
 * On the first NVMe function the run was handed that was on the nvme driver
 * before the run: each test gives it back to nvme (`iommu-lab unbind`, which
 * waits for its namespaces), makes a namespace busy, asks the runner to take
 * the function again (`iommu-lab bind BDF DRIVER`) and checks the refusal
 * names the user and changed nothing; the teardown hands the function back
 * to the driver the run holds it with. On a kernel without the nvme driver
 * (the testbed's 7.3 kernels have no block layer) there is nothing to
 * protect, and the tests SKIP.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "runner_common.h"

/* The testbed's media say what they are in LBA 0 (scripts/testbed/nvme-media.sh). */
#define TESTBED_MEDIUM "iommu-lab testbed NVMe medium "

FIXTURE(nvme) {
	char bdf[32];
	char held[48];		/* the driver the run holds the function with */
	const char *runner;
	struct lab_nvme_ns ns;	/* its first namespace, once back on nvme */
	char mnt[64];		/* a mount point a test made, "" if none */
	bool given_back;
};

/* `iommu-lab bind BDF DRIVER`. */
static int runner_bind(FIXTURE_DATA(nvme) *self, const char *drv, char *err, size_t len)
{
	char args[128];

	snprintf(args, sizeof(args), "bind %s %s", self->bdf, drv);
	return runner_run(self->runner, args, err, len);
}

/* The first NVMe function of a space-separated list, "" if none. */
static void first_nvme(const char *list, char *bdf)
{
	char b[32];

	for (const char *p = list; lab_bdf_next(&p, b);)
		if (lab_pci_is_nvme(b)) {
			strcpy(bdf, b);
			return;
		}
	bdf[0] = 0;
}

FIXTURE_SETUP(nvme)
{
	char pre[64] = "", err[1024], args[64];

	self->mnt[0] = 0;
	self->given_back = false;
	self->runner = getenv("IOMMU_LAB_RUNNER");
	first_nvme(getenv("IOMMU_LAB_TESTDEV"), self->bdf);
	if (!self->bdf[0])
		first_nvme(getenv("IOMMU_LAB_VFIO"), self->bdf);
	if (!self->bdf[0] || !self->runner)
		SKIP(return, "no NVMe function (class %06x) handed to the run (iommu-lab run --testdev/--vfio BDF)",
		     LAB_PCI_CLASS_NVME);
	driver_of(self->bdf, self->held, sizeof(self->held));
	ASSERT_NE(0, self->held[0]) TH_LOG("%s has no driver: the run does not hold it", self->bdf);
	lab_read_str(pre, sizeof(pre), "/run/iommu-lab/%s.driver", self->bdf);
	if (strcmp(pre, "nvme"))
		SKIP(return, "%s was not on the nvme driver before the run (%s)%s: it has no namespaces to protect",
		     self->bdf, pre[0] ? pre : "no record",
		     lab_path_exists("/sys/bus/pci/drivers/nvme") ? "" :
		     "; this kernel has no nvme driver (CONFIG_BLK_DEV_NVME)");
	snprintf(args, sizeof(args), "unbind %s", self->bdf);
	ASSERT_EQ(0, runner_run(self->runner, args, err, sizeof(err))) TH_LOG("iommu-lab unbind: %s", err);
	self->given_back = true;
	driver_of(self->bdf, pre, sizeof(pre));
	ASSERT_STREQ("nvme", pre) TH_LOG("iommu-lab unbind left %s on '%s'", self->bdf, pre);
	ASSERT_LT(0, lab_nvme_namespaces(self->bdf, &self->ns, 1))
		TH_LOG("%s is back on nvme, but shows no namespace after iommu-lab unbind", self->bdf);
}

FIXTURE_TEARDOWN(nvme)
{
	char err[1024], drv[48];

	if (self->mnt[0]) {
		umount(self->mnt);
		rmdir(self->mnt);
	}
	if (!self->given_back)
		return;
	/* Back to the run, which gives it to nvme again at its end. */
	if (runner_bind(self, self->held, err, sizeof(err)))
		TH_LOG("could not hand %s back to %s: %s", self->bdf, self->held, err);
	driver_of(self->bdf, drv, sizeof(drv));
	if (strcmp(drv, self->held))
		TH_LOG("%s is on '%s' after the test, not on %s", self->bdf, drv, self->held);
}

/* After a refusal: still on nvme, its first namespace still there, no override. */
static void expect_unchanged(struct __test_metadata *_metadata, FIXTURE_DATA(nvme) *self)
{
	struct lab_nvme_ns ns;
	char drv[48], ovr[64] = "";

	driver_of(self->bdf, drv, sizeof(drv));
	EXPECT_STREQ("nvme", drv) TH_LOG("%s is on '%s'", self->bdf, drv);
	lab_read_str(ovr, sizeof(ovr), "/sys/bus/pci/devices/%s/driver_override", self->bdf);
	EXPECT_TRUE(!ovr[0] || !strcmp(ovr, "(null)")) TH_LOG("driver_override left: '%s'", ovr);
	ASSERT_LT(0, lab_nvme_namespaces(self->bdf, &ns, 1));
	EXPECT_EQ(self->ns.nsid, ns.nsid);
}

TEST_F(nvme, a_namespace_held_open_is_refused_naming_the_pid)
{
	char path[64], err[2048], want[64];
	int fd, rc;

	snprintf(path, sizeof(path), "/dev/%s", self->ns.name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", path, strerror(errno));
	rc = runner_bind(self, self->held, err, sizeof(err));
	close(fd);
	EXPECT_NE(0, rc) TH_LOG("the runner took %s while %s was open", self->bdf, path);
	snprintf(want, sizeof(want), "is open by pid %d", getpid());
	EXPECT_NE(NULL, strstr(err, want)) TH_LOG("the runner said: %s", err);
	EXPECT_NE(NULL, strstr(err, "nothing was changed")) TH_LOG("the runner said: %s", err);
	expect_unchanged(_metadata, self);
}

TEST_F(nvme, a_mounted_namespace_is_refused_naming_the_mount_point)
{
	char path[64], part[64], lba0[512] = "", err[2048];
	int fd, rc;

	/* Only the testbed's medium says it holds a filesystem to mount. */
	snprintf(path, sizeof(path), "/dev/%s", self->ns.name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", path, strerror(errno));
	ASSERT_EQ(sizeof(lba0), pread(fd, lba0, sizeof(lba0), 0));
	close(fd);
	if (strncmp(lba0, TESTBED_MEDIUM, strlen(TESTBED_MEDIUM)))
		SKIP(return, "%s is not the testbed's medium: nothing on a lab's disk is mounted", path);
	snprintf(part, sizeof(part), "/dev/%sp1", self->ns.name);
	snprintf(self->mnt, sizeof(self->mnt), "/tmp/runner-nvme.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->mnt));
	rc = mount(part, self->mnt, "minix", MS_RDONLY, NULL);
	if (rc && errno == ENODEV && !system("modprobe minix 2>/dev/null"))
		rc = mount(part, self->mnt, "minix", MS_RDONLY, NULL);
	if (rc) {
		int e = errno;

		rmdir(self->mnt);
		self->mnt[0] = 0;
		SKIP(return, "mounting %s (minix, read-only): %s", part, strerror(e));
	}
	rc = runner_bind(self, self->held, err, sizeof(err));
	EXPECT_NE(0, rc) TH_LOG("the runner took %s while %s was mounted", self->bdf, part);
	EXPECT_NE(NULL, strstr(err, self->mnt)) TH_LOG("the runner said: %s", err);
	EXPECT_NE(NULL, strstr(err, "is mounted on")) TH_LOG("the runner said: %s", err);
	expect_unchanged(_metadata, self);
	EXPECT_EQ(0, umount(self->mnt)) TH_LOG("umount %s: %s", self->mnt, strerror(errno));
	rmdir(self->mnt);
	self->mnt[0] = 0;
}

TEST_F(nvme, a_failed_bind_gives_the_function_back_to_nvme_with_its_namespaces)
{
	char err[2048];
	int rc = runner_bind(self, "virtio-pci", err, sizeof(err));

	if (rc != 0 && strstr(err, "no virtio-pci driver"))
		SKIP(return, "this kernel has no virtio-pci driver to refuse the function");
	EXPECT_NE(0, rc) TH_LOG("virtio-pci took %s", self->bdf);
	EXPECT_NE(NULL, strstr(err, "did not bind to virtio-pci; given back to nvme")) TH_LOG("the runner said: %s", err);
	expect_unchanged(_metadata, self);
}

TEST_HARNESS_MAIN
