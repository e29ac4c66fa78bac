// SPDX-License-Identifier: GPL-2.0-only
/*
 * Readers of a PCI function's PASID capability (sysfs config space) and of
 * VT-d's PASID-table entries (debugfs), on a fake tree under a temporary root.
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

#define BDF "0000:00:12.0"

/* Extended capability header: ID, version 1, next offset. */
static void ext_cap(uint8_t *cfg, unsigned int off, uint16_t id, unsigned int next)
{
	uint32_t hdr = id | 1u << 16 | next << 20;

	memcpy(cfg + off, &hdr, 4);
}

FIXTURE(tree) { char root[64]; };
FIXTURE_SETUP(tree)
{
	snprintf(self->root, sizeof(self->root), "/tmp/lab-pci-readers.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	mkdirs(self->root, "sys/bus/pci/devices/" BDF);
	mkdirs(self->root, "sys/bus/pci/devices/0000:00:10.0");
	mkdirs(self->root, "sys/kernel/debug/iommu/intel");
	lab_sysfs_set_root(self->root);
}
FIXTURE_TEARDOWN(tree)
{
	fake_tree_remove(_metadata, self->root);
}

TEST_F(tree, pasid_width_found_after_other_ext_caps)
{
	uint8_t cfg[4096] = { 0 };
	uint16_t pasid_cap = 20 << 8 | 0x6;	/* width 20, exec, priv */

	ext_cap(cfg, 0x100, 0x0001, 0x150);	/* AER */
	ext_cap(cfg, 0x150, 0x001b, 0);		/* PASID */
	memcpy(cfg + 0x154, &pasid_cap, 2);
	put_bytes(self->root, "sys/bus/pci/devices/" BDF "/config", cfg, sizeof(cfg));
	EXPECT_EQ(20, lab_pci_pasid_width(BDF));
}

TEST_F(tree, pasid_width_zero_without_the_capability)
{
	uint8_t cfg[4096] = { 0 };

	ext_cap(cfg, 0x100, 0x0001, 0);
	put_bytes(self->root, "sys/bus/pci/devices/" BDF "/config", cfg, sizeof(cfg));
	EXPECT_EQ(0, lab_pci_pasid_width(BDF));
	/* A conventional PCI function: 256 bytes, no extended space at all. */
	put_bytes(self->root, "sys/bus/pci/devices/0000:00:10.0/config", cfg, 256);
	EXPECT_EQ(0, lab_pci_pasid_width("0000:00:10.0"));
	EXPECT_EQ(-ENOENT, lab_pci_pasid_width("0000:00:1f.0"));
}

TEST_F(tree, pasid_width_survives_a_looping_chain)
{
	uint8_t cfg[4096] = { 0 };

	ext_cap(cfg, 0x100, 0x0001, 0x100);	/* points at itself */
	put_bytes(self->root, "sys/bus/pci/devices/" BDF "/config", cfg, sizeof(cfg));
	EXPECT_EQ(0, lab_pci_pasid_width(BDF));
}

TEST_F(tree, vtd_pasid_entry_by_device_and_pasid)
{
	static const char walk[] =
		"IOMMU dmar0: Root Table Address: 0x104000\n"
		"B.D.F\tRoot_entry\t\t\t\tContext_entry\t\t\t\tPASID\tPASID_table_entry\n"
		"00:12.0\t0x0000000000000000:0x0000000000105001\t0x0000000000000000:0x0000000000107201\t0     \t0x0000000000000000:0x0000000000000000:0x0000000000000109\n"
		"00:12.0\t0x0000000000000000:0x0000000000105001\t0x0000000000000000:0x0000000000107201\t1     \t0x0000000000000000:0x0000000000000000:0x0000000000123049\n"
		"00:13.0\t0x0000000000000000:0x0000000000105001\t0x0000000000000000:0x0000000000108201\t2     \t0x0000000000000000:0x0000000000000000:0x0000000000456089\n";
	uint64_t pe[3];

	put(self->root, "sys/kernel/debug/iommu/intel/dmar_translation_struct", walk);
	ASSERT_EQ(0, lab_vtd_debugfs_pasid_entry(BDF, 1, pe));
	EXPECT_EQ(0x123049ull, pe[0]);
	EXPECT_EQ(LAB_VTD_PGTT_FIRST, LAB_VTD_PE_PGTT(pe[0]));
	ASSERT_EQ(0, lab_vtd_debugfs_pasid_entry("0000:00:13.0", 2, pe));
	EXPECT_EQ(LAB_VTD_PGTT_SECOND, LAB_VTD_PE_PGTT(pe[0]));
	EXPECT_EQ(-ENOENT, lab_vtd_debugfs_pasid_entry(BDF, 2, pe));
	EXPECT_EQ(-EINVAL, lab_vtd_debugfs_pasid_entry("00:12.0", 1, pe));
}

TEST(bdf_list_walk)
{
	const char *p = "  0000:00:10.0 0000:00:13.0\t0000:00:14.0 ";
	char bdf[32];

	ASSERT_TRUE(lab_bdf_next(&p, bdf));
	EXPECT_STREQ("0000:00:10.0", bdf);
	ASSERT_TRUE(lab_bdf_next(&p, bdf));
	EXPECT_STREQ("0000:00:13.0", bdf);
	ASSERT_TRUE(lab_bdf_next(&p, bdf));
	EXPECT_STREQ("0000:00:14.0", bdf);
	EXPECT_FALSE(lab_bdf_next(&p, bdf));
	p = NULL;
	EXPECT_FALSE(lab_bdf_next(&p, bdf));
}

TEST_F(tree, pci_ids)
{
	uint16_t v, d;

	put(self->root, "sys/bus/pci/devices/" BDF "/vendor", "0x1234\n");
	put(self->root, "sys/bus/pci/devices/" BDF "/device", "0x1ab0\n");
	ASSERT_EQ(0, lab_pci_ids(BDF, &v, &d));
	EXPECT_EQ(0x1234, v);
	EXPECT_EQ(0x1ab0, d);
	EXPECT_NE(0, lab_pci_ids("0000:00:1f.0", &v, &d));
}

TEST_HARNESS_MAIN
