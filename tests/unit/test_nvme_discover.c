// SPDX-License-Identifier: GPL-2.0-only
/*
 * NVMe namespaces and their users (lib/discover_nvme.c) on a fake sysfs and
 * procfs tree: a multipath controller (paths nvme0c0nN under the function,
 * heads nvme0nN), a plain one, a function no driver holds, and each kind of
 * use the runner must refuse: a mount, a holder, swap, an open file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "discover.h"
#include "sysfs.h"
#include "fake_tree.h"

#define MP "0000:00:15.0"	/* multipath controller nvme0, namespaces 1 and 2 */
#define PLAIN "0000:00:16.0"	/* plain controller nvme1, namespace 1 */
#define BARE "0000:00:17.0"	/* an NVMe function no driver holds */

static void link_at(const char *root, const char *rel, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (symlink(target, path))
		abort();
}

static void disk(const char *root, const char *name, const char *nsid, const char *sectors,
		 const char *lba, const char *dev)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "sys/class/block/%s/nsid", name);
	put(root, rel, nsid);
	snprintf(rel, sizeof(rel), "sys/class/block/%s/size", name);
	put(root, rel, sectors);
	snprintf(rel, sizeof(rel), "sys/class/block/%s/queue/logical_block_size", name);
	put(root, rel, lba);
	snprintf(rel, sizeof(rel), "sys/class/block/%s/dev", name);
	put(root, rel, dev);
	snprintf(rel, sizeof(rel), "sys/class/block/%s/holders", name);
	mkdirs(root, rel);
}

FIXTURE(tree) {
	char root[64];
	char uses[2048];
	int n;
};

static void collect(void *ctx, const char *use)
{
	FIXTURE_DATA(tree) *self = ctx;
	size_t len = strlen(self->uses);

	snprintf(self->uses + len, sizeof(self->uses) - len, "%s\n", use);
	self->n++;
}

FIXTURE_SETUP(tree)
{
	const char *r = self->root;

	snprintf(self->root, sizeof(self->root), "/tmp/lab-nvme-discover.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	put(r, "sys/bus/pci/devices/" MP "/class", "0x010802\n");
	put(r, "sys/bus/pci/devices/" MP "/nvme/nvme0/model", "QEMU NVMe Ctrl\n");
	mkdirs(r, "sys/bus/pci/devices/" MP "/nvme/nvme0/nvme0c0n2");
	mkdirs(r, "sys/bus/pci/devices/" MP "/nvme/nvme0/nvme0c0n1");
	mkdirs(r, "sys/bus/pci/devices/" MP "/nvme/nvme0/power");
	disk(r, "nvme0n1", "1", "131072", "512", "259:0");
	put(r, "sys/class/block/nvme0n1/nvme0n1p1/partition", "1\n");
	put(r, "sys/class/block/nvme0n1/nvme0n1p1/dev", "259:3\n");
	disk(r, "nvme0n2", "2", "16384", "4096", "259:1");
	put(r, "sys/bus/pci/devices/" PLAIN "/class", "0x010802\n");
	mkdirs(r, "sys/bus/pci/devices/" PLAIN "/nvme/nvme1/nvme1n1");
	disk(r, "nvme1n1", "1", "2048", "512", "259:2");
	put(r, "sys/bus/pci/devices/" BARE "/class", "0x010802\n");
	put(r, "sys/bus/pci/devices/0000:00:10.0/class", "0x00ff00\n");
	put(r, "proc/self/mountinfo", "22 1 0:21 / /proc rw - proc proc rw\n");
	put(r, "proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n");
	put(r, "proc/1/comm", "init\n");
	mkdirs(r, "proc/1/fd");
	link_at(r, "proc/1/fd/0", "/dev/console");
	self->uses[0] = 0;
	self->n = 0;
	lab_sysfs_set_root(self->root);
}

FIXTURE_TEARDOWN(tree)
{
	fake_tree_remove(_metadata, self->root);
}

TEST_F(tree, nvme_functions_are_told_by_class_code)
{
	EXPECT_TRUE(lab_pci_is_nvme(MP));
	EXPECT_TRUE(lab_pci_is_nvme(BARE));
	EXPECT_FALSE(lab_pci_is_nvme("0000:00:10.0"));
	EXPECT_FALSE(lab_pci_is_nvme("0000:00:1f.0"));
}

TEST_F(tree, multipath_namespaces_are_their_heads_in_nsid_order)
{
	struct lab_nvme_ns ns[4];
	char model[64];

	ASSERT_EQ(2, lab_nvme_namespaces(MP, ns, 4));
	EXPECT_STREQ("nvme0n1", ns[0].name);
	EXPECT_EQ(1, ns[0].nsid);
	EXPECT_EQ(512, ns[0].lba_size);
	EXPECT_EQ(131072, ns[0].lbas);
	EXPECT_STREQ("259:0", ns[0].dev);
	EXPECT_STREQ("nvme0n2", ns[1].name);
	EXPECT_EQ(2, ns[1].nsid);
	EXPECT_EQ(4096, ns[1].lba_size);
	EXPECT_EQ(2048, ns[1].lbas);	/* size counts 512-byte sectors */
	ASSERT_EQ(0, lab_nvme_model(MP, model, sizeof(model)));
	EXPECT_STREQ("QEMU NVMe Ctrl", model);
}

TEST_F(tree, plain_namespaces_are_the_controllers_disks)
{
	struct lab_nvme_ns ns[4];

	ASSERT_EQ(1, lab_nvme_namespaces(PLAIN, ns, 4));
	EXPECT_STREQ("nvme1n1", ns[0].name);
	EXPECT_EQ(2048, ns[0].lbas);
}

TEST_F(tree, a_function_no_driver_holds_shows_no_namespace)
{
	struct lab_nvme_ns ns[4];
	char model[64];

	EXPECT_EQ(0, lab_nvme_namespaces(BARE, ns, 4));
	EXPECT_EQ(-ENOENT, lab_nvme_model(BARE, model, sizeof(model)));
}

TEST_F(tree, an_unused_namespace_has_no_use)
{
	EXPECT_EQ(0, lab_blockdev_uses("nvme0n1", collect, self));
	EXPECT_STREQ("", self->uses);
	EXPECT_EQ(-ENOENT, lab_blockdev_uses("nvme9n9", collect, self));
}

TEST_F(tree, a_mounted_partition_names_its_mount_point)
{
	put(self->root, "proc/self/mountinfo",
	    "22 1 0:21 / /proc rw - proc proc rw\n"
	    "40 22 259:3 / /mnt/lab\\040data rw,relatime shared:5 - minix /dev/nvme0n1p1 ro\n");
	EXPECT_EQ(1, lab_blockdev_uses("nvme0n1", collect, self));
	EXPECT_STREQ("nvme0n1p1 is mounted on /mnt/lab\\040data (minix)\n", self->uses);
}

TEST_F(tree, a_btrfs_mount_is_found_by_its_source)
{
	put(self->root, "proc/self/mountinfo", "41 1 0:45 / /srv rw - btrfs /dev/nvme1n1 rw\n");
	EXPECT_EQ(1, lab_blockdev_uses("nvme1n1", collect, self));
	EXPECT_STREQ("nvme1n1 is mounted on /srv (btrfs)\n", self->uses);
}

TEST_F(tree, a_holder_is_named_with_its_device_mapper_name)
{
	mkdirs(self->root, "sys/class/block/nvme1n1/holders/dm-0");
	put(self->root, "sys/class/block/dm-0/dm/name", "vg-data\n");
	EXPECT_EQ(1, lab_blockdev_uses("nvme1n1", collect, self));
	EXPECT_NE(NULL, strstr(self->uses, "nvme1n1 is held by dm-0, a device-mapper device 'vg-data'"))
		TH_LOG("%s", self->uses);
}

TEST_F(tree, active_swap_is_named)
{
	put(self->root, "proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n"
	    "/dev/nvme0n2                            partition\t1048572\t0\t-2\n");
	EXPECT_EQ(1, lab_blockdev_uses("nvme0n2", collect, self));
	EXPECT_STREQ("nvme0n2 is active swap (swapoff /dev/nvme0n2)\n", self->uses);
}

TEST_F(tree, an_open_file_names_the_pid_and_command)
{
	put(self->root, "proc/812/comm", "fio\n");
	mkdirs(self->root, "proc/812/fd");
	link_at(self->root, "proc/812/fd/3", "/dev/nvme0n1p1");
	link_at(self->root, "proc/812/fd/4", "/dev/nvme0n1p1");
	link_at(self->root, "proc/812/fd/5", "/dev/nvme0n10");
	EXPECT_EQ(1, lab_blockdev_uses("nvme0n1", collect, self));
	EXPECT_STREQ("nvme0n1p1 is open by pid 812 (fio)\n", self->uses);
}

TEST_F(tree, a_loop_device_backed_by_the_namespace_is_named)
{
	put(self->root, "sys/class/block/loop0/loop/backing_file", "/dev/nvme1n1\n");
	EXPECT_EQ(1, lab_blockdev_uses("nvme1n1", collect, self));
	EXPECT_STREQ("nvme1n1 is the backing file of loop0\n", self->uses);
}

TEST_HARNESS_MAIN
