// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's view of the IOMMU against the hardware's capability registers:
 * what the driver reports or enabled must be something the registers
 * advertise. Every instance of the IOMMU type is checked. See docs/tests/caps.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "caps_common.h"

CAPS_UNITS_FIXTURE(vtd, LAB_IOMMU_VTD, "VT-d")

static uint64_t vtd_field(const struct lab_iommu *m, int reg, const char *name)
{
	return lab_reg_get(reg ? &lab_vtd_ecap_reg : &lab_vtd_cap_reg, m->regs[reg], name);
}

/* VT-d 11.4.2: the number of domain IDs is 2^(4 + 2*ND). */
TEST_F(vtd, domains_supported_matches_cap_nd)
{
	for (int i = 0; i < self->u.n; i++) {
		const struct lab_iommu *m = self->u.unit[i];
		uint64_t n;

		ASSERT_EQ(0, lab_read_u64(&n, "/sys/class/iommu/%s/intel-iommu/domains_supported", m->name));
		EXPECT_EQ(lab_vtd_domains(m->regs[0]), n)
			TH_LOG("%s: CAP.ND=%lu gives %u domains, kernel reports %lu", m->name,
			       vtd_field(m, 0, "ND"), lab_vtd_domains(m->regs[0]), n);
	}
}

/* The CAP/ECAP that iommufd reports to userspace (GET_HW_INFO) are the ones
 * the driver uses (sysfs), for every unit with a VFIO cdev function behind it. */
TEST_F(vtd, hw_info_matches_sysfs)
{
	int checked = 0;

	for (int i = 0; i < self->u.n; i++) {
		const struct lab_iommu *m = self->u.unit[i];
		const char *via = NULL;
		struct lab_hw_info info;
		int ret;

		for (int k = 0; k < self->u.p.ndevs && !via; k++)
			if (!strcmp(self->u.p.devs[k].iommu, m->name) && self->u.p.devs[k].vfio_cdev[0])
				via = self->u.p.devs[k].bdf;
		if (!via)
			continue;
		/* The sysfs vfio-dev entry exists without iommufd (VFIO_DEVICE_CDEV off). */
		LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_IOMMUFD);
		ret = lab_iommufd_hw_info(via, &info);
		ASSERT_EQ(0, ret) TH_LOG("IOMMU_GET_HW_INFO on %s: %s", via, strerror(-ret));
		if (!info.nregs)
			SKIP(return, "GET_HW_INFO type %u is not decoded by this build's headers", info.type);
		EXPECT_EQ(m->regs[0], info.regs[0]) TH_LOG("%s CAP: sysfs %#lx, GET_HW_INFO %#lx", m->name,
							   m->regs[0], info.regs[0]);
		EXPECT_EQ(m->regs[1], info.regs[1]) TH_LOG("%s ECAP: sysfs %#lx, GET_HW_INFO %#lx", m->name,
							   m->regs[1], info.regs[1]);
		checked++;
	}
	if (!checked)
		LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_IOMMUFD);
	if (!checked)
		SKIP(return, "no PCI function behind a VT-d unit is bound to vfio-pci with a cdev");
}

/* A register of every unit from intel-iommu debugfs; false with a SKIP reason if unreadable. */
static bool debugfs_regs(struct __test_metadata *_metadata, FIXTURE_DATA(vtd) *self, const char *name,
			 uint64_t *vals)
{
	for (int i = 0; i < self->u.n; i++) {
		int ret = lab_vtd_debugfs_reg(self->u.unit[i]->name, name, &vals[i]);

		if (ret)
			SKIP(return false, "%s of %s not readable in intel-iommu debugfs: %s%s", name,
			     self->u.unit[i]->name, strerror(-ret),
			     ret == -ENOENT ? " (CONFIG_INTEL_IOMMU_DEBUGFS? debugfs mounted?)" : "");
	}
	return true;
}

/*
 * VT-d 11.4.5: status bit GSTS.STATUS (bit BIT, a feature the driver enabled)
 * is set only on units whose ECAP.FIELD reports the feature.
 */
static void enabled_only_if_supported(struct __test_metadata *_metadata, FIXTURE_DATA(vtd) *self,
				      unsigned int bit, const char *status, const char *field,
				      const char *feature)
{
	uint64_t gsts[CAPS_MAX_UNITS];
	int enabled = 0;

	if (!debugfs_regs(_metadata, self, "GSTS", gsts))
		return;
	for (int i = 0; i < self->u.n; i++) {
		if (!(gsts[i] & (1ull << bit)))
			continue;
		enabled++;
		EXPECT_EQ(1, vtd_field(self->u.unit[i], 1, field))
			TH_LOG("%s: GSTS.%s set but ECAP.%s clear", self->u.unit[i]->name, status, field);
	}
	if (!enabled)
		SKIP(return, "%s is enabled on no unit", feature);
}

TEST_F(vtd, queued_invalidation_enabled_only_if_supported)
{
	enabled_only_if_supported(_metadata, self, 26, "QIES", "QI", "queued invalidation");
}

TEST_F(vtd, interrupt_remapping_enabled_only_if_supported)
{
	enabled_only_if_supported(_metadata, self, 25, "IRES", "IR", "interrupt remapping");
}

/* VT-d 11.4.6 RTADDR_REG.TTM: 00b legacy; 01b scalable mode, only where
 * ECAP.SMTS; 11b abort-DMA mode, only where ECAP.ADMS; 10b is reserved. */
TEST_F(vtd, root_table_mode_is_supported)
{
	uint64_t gsts[CAPS_MAX_UNITS], rta[CAPS_MAX_UNITS];
	static const char *const modes[] = { "legacy", "scalable", "reserved", "abort-DMA" };
	int enabled = 0;

	if (!debugfs_regs(_metadata, self, "GSTS", gsts) || !debugfs_regs(_metadata, self, "RTADDR", rta))
		return;
	for (int i = 0; i < self->u.n; i++) {
		const struct lab_iommu *m = self->u.unit[i];
		uint64_t ttm = (rta[i] >> 10) & 3;

		if (!(gsts[i] & (1ull << 31)))
			continue;
		enabled++;
		TH_LOG("%s translation table mode: %s", m->name, modes[ttm]);
		EXPECT_NE(2, ttm) TH_LOG("%s: RTADDR_REG.TTM=10b is reserved", m->name);
		if (ttm == 1)
			EXPECT_EQ(1, vtd_field(m, 1, "SMTS")) TH_LOG("%s: scalable mode with ECAP.SMTS clear", m->name);
		if (ttm == 3)
			EXPECT_EQ(1, vtd_field(m, 1, "ADMS")) TH_LOG("%s: abort-DMA mode with ECAP.ADMS clear", m->name);
	}
	if (!enabled)
		SKIP(return, "DMA remapping is enabled on no unit (GSTS.TES clear)");
}

CAPS_UNITS_FIXTURE(smmuv3, LAB_IOMMU_SMMUV3, "SMMUv3")

/*
 * The output size the driver printed at probe ("oas N-bit") for the SMMU whose
 * platform device is DEVNAME (9050000.smmuv3 with a device tree,
 * arm-smmu-v3.0.auto with ACPI). 0, -ENOENT (no such line) or -errno.
 */
static int kernel_oas(const char *devname, unsigned int *oas)
{
	char rec[1024], prefix[128];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK), ret = -ENOENT;
	ssize_t n;

	if (fd < 0)
		return -errno;
	snprintf(prefix, sizeof(prefix), "arm-smmu-v3 %s: ", devname);
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		char *msg, *p;

		if (n < 0)
			continue;
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg || strncmp(msg + 1, prefix, strlen(prefix)))
			continue;
		p = strstr(msg, "oas ");
		if (p && sscanf(p, "oas %u-bit", oas) == 1)
			ret = 0;
	}
	close(fd);
	return ret;
}

/* The driver never uses a wider output address than IDR5.OAS advertises
 * (SMMUv3 6.3.6; the table walker's DMA mask follows from it). */
TEST_F(smmuv3, kernel_output_size_within_idr5_oas)
{
	int checked = 0;

	for (int i = 0; i < self->u.n; i++) {
		const struct lab_iommu *m = self->u.unit[i];
		unsigned int hw = lab_smmu_oas_bits((uint32_t)m->regs[5]), kern = 0;
		char devname[96];
		int ret;

		if (lab_read_link_base(devname, sizeof(devname), "/sys/class/iommu/%s/device", m->name))
			continue;
		ret = kernel_oas(devname, &kern);
		if (ret == -ENOENT)
			continue;
		if (ret)
			SKIP(return, "kernel log unreadable: %s", strerror(-ret));
		ASSERT_NE(0, hw) TH_LOG("%s: IDR5.OAS is a reserved encoding", m->name);
		EXPECT_LE(kern, hw) TH_LOG("%s: kernel oas %u-bit, IDR5.OAS %u-bit", m->name, kern, hw);
		TH_LOG("%s (%s): IDR5.OAS %u-bit, kernel %u-bit", m->name, devname, hw, kern);
		checked++;
	}
	if (!checked)
		SKIP(return, "no \"oas N-bit\" probe message for any SMMUv3 in the kernel log");
}

/* Every function behind an IOMMU has a group with a known default domain type. */
TEST(groups_have_known_domain_types)
{
	static const char *const known[] = { "DMA", "DMA-FQ", "identity", "blocked", "unmanaged" };
	struct lab_platform p;
	int behind = 0;

	ASSERT_EQ(0, lab_discover(&p));
	for (int i = 0; i < p.ndevs; i++) {
		const struct lab_pci_dev *d = &p.devs[i];
		bool ok = false;

		if (!d->iommu[0])
			continue;
		behind++;
		EXPECT_LE(0, d->group) TH_LOG("%s is behind %s but has no IOMMU group", d->bdf, d->iommu);
		if (d->group < 0)
			continue;
		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			ok |= !strcmp(d->group_type, known[k]);
		EXPECT_TRUE(ok) TH_LOG("%s: group %d default domain type '%s'", d->bdf, d->group,
				       d->group_type);
	}
	lab_platform_free(&p);
	if (!behind)
		SKIP(return, "no PCI function is behind an IOMMU");
}

TEST_HARNESS_MAIN
