// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's view of the IOMMU against the hardware's capability registers:
 * what the driver reports or enabled must be something the registers
 * advertise. See docs/tests/caps.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "caps_common.h"

FIXTURE(vtd) {
	struct lab_platform p;
	struct lab_iommu *m;
};

FIXTURE_SETUP(vtd)
{
	const char *why;

	ASSERT_EQ(0, lab_discover(&self->p));
	self->m = caps_iommu_with_regs(&self->p, LAB_IOMMU_VTD, &why);
	if (!self->m)
		SKIP(return, "VT-d: %s", why);
}

FIXTURE_TEARDOWN(vtd)
{
	lab_platform_free(&self->p);
}

static uint64_t vtd_field(const struct lab_iommu *m, int reg, const char *name)
{
	return lab_reg_get(reg ? &lab_vtd_ecap_reg : &lab_vtd_cap_reg, m->regs[reg], name);
}

/* VT-d 11.4.2: the number of domain IDs is 2^(4 + 2*ND). */
TEST_F(vtd, domains_supported_matches_cap_nd)
{
	uint64_t n;

	ASSERT_EQ(0, lab_read_u64(&n, "/sys/class/iommu/%s/intel-iommu/domains_supported",
				  self->m->name));
	EXPECT_EQ(lab_vtd_domains(self->m->regs[0]), n)
		TH_LOG("%s: CAP.ND=%lu gives %u domains, kernel reports %lu", self->m->name,
		       vtd_field(self->m, 0, "ND"), lab_vtd_domains(self->m->regs[0]), n);
}

/* The CAP/ECAP that iommufd reports to userspace (GET_HW_INFO) are the ones
 * the driver uses (sysfs). */
TEST_F(vtd, hw_info_matches_sysfs)
{
	struct lab_hw_info info;
	const char *via = NULL;
	int ret;

	for (int i = 0; i < self->p.ndevs && !via; i++)
		if (!strcmp(self->p.devs[i].iommu, self->m->name) && self->p.devs[i].vfio_cdev[0])
			via = self->p.devs[i].bdf;
	if (!via)
		SKIP(return, "no PCI function behind %s is bound to vfio-pci with a cdev", self->m->name);
	ret = lab_iommufd_hw_info(via, &info);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "built without iommufd uAPI headers");
	ASSERT_EQ(0, ret) TH_LOG("IOMMU_GET_HW_INFO on %s: %s", via, strerror(-ret));
	ASSERT_EQ(2, info.nregs) TH_LOG("GET_HW_INFO type %u is not VT-d", info.type);
	EXPECT_EQ(self->m->regs[0], info.regs[0]) TH_LOG("CAP: sysfs %#lx, GET_HW_INFO %#lx",
							 self->m->regs[0], info.regs[0]);
	EXPECT_EQ(self->m->regs[1], info.regs[1]) TH_LOG("ECAP: sysfs %#lx, GET_HW_INFO %#lx",
							 self->m->regs[1], info.regs[1]);
}

static uint64_t debugfs_reg(struct __test_metadata *_metadata, const char *iommu, const char *name)
{
	uint64_t v = 0;
	int ret = lab_vtd_debugfs_reg(iommu, name, &v);

	if (ret == -ENOENT)
		SKIP(return 0, "%s not in intel-iommu debugfs (CONFIG_INTEL_IOMMU_DEBUGFS, debugfs mounted?)",
		     name);
	EXPECT_EQ(0, ret);
	return v;
}

/* VT-d 11.4.5 GSTS.QIES: queued invalidation enabled only where ECAP.QI. */
TEST_F(vtd, queued_invalidation_enabled_only_if_supported)
{
	uint64_t gsts = debugfs_reg(_metadata, self->m->name, "GSTS");

	if (_metadata->exit_code == KSFT_SKIP)
		return;
	if (!(gsts & (1u << 26)))
		SKIP(return, "queued invalidation not enabled (GSTS=%#lx)", gsts);
	EXPECT_EQ(1, vtd_field(self->m, 1, "QI")) TH_LOG("GSTS.QIES set but ECAP.QI clear");
}

/* VT-d 11.4.5 GSTS.IRES: interrupt remapping enabled only where ECAP.IR. */
TEST_F(vtd, interrupt_remapping_enabled_only_if_supported)
{
	uint64_t gsts = debugfs_reg(_metadata, self->m->name, "GSTS");

	if (_metadata->exit_code == KSFT_SKIP)
		return;
	if (!(gsts & (1u << 25)))
		SKIP(return, "interrupt remapping not enabled (GSTS=%#lx)", gsts);
	EXPECT_EQ(1, vtd_field(self->m, 1, "IR")) TH_LOG("GSTS.IRES set but ECAP.IR clear");
}

/* VT-d 11.4.6 RTADDR_REG.TTM: scalable-mode tables (01b) only where
 * ECAP.SMTS; 10b and 11b are not valid modes for an enabled unit. */
TEST_F(vtd, root_table_mode_is_supported)
{
	uint64_t gsts = debugfs_reg(_metadata, self->m->name, "GSTS"), rta, ttm;

	if (_metadata->exit_code == KSFT_SKIP)
		return;
	if (!(gsts & (1ull << 31)))
		SKIP(return, "DMA remapping not enabled (GSTS.TES clear)");
	rta = debugfs_reg(_metadata, self->m->name, "RTADDR");
	ttm = (rta >> 10) & 3;
	EXPECT_LE(ttm, 1) TH_LOG("RTADDR_REG.TTM=%lu is not a valid translation table mode", ttm);
	if (ttm == 1)
		EXPECT_EQ(1, vtd_field(self->m, 1, "SMTS")) TH_LOG("scalable mode in use, ECAP.SMTS clear");
	TH_LOG("%s translation table mode: %s", self->m->name, ttm ? "scalable" : "legacy");
}

FIXTURE(smmuv3) {
	struct lab_platform p;
	struct lab_iommu *m;
};

FIXTURE_SETUP(smmuv3)
{
	const char *why;

	ASSERT_EQ(0, lab_discover(&self->p));
	self->m = caps_iommu_with_regs(&self->p, LAB_IOMMU_SMMUV3, &why);
	if (!self->m)
		SKIP(return, "SMMUv3: %s", why);
}

FIXTURE_TEARDOWN(smmuv3)
{
	lab_platform_free(&self->p);
}

/* The output size the driver printed at probe ("oas N-bit") for this SMMU. */
static int kernel_oas(const char *iommu, unsigned int *oas)
{
	char rec[1024], addr[32];
	const char *dot = strrchr(iommu, '.');
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK), ret = -ENOENT;
	ssize_t n;

	if (fd < 0)
		return -errno;
	/* smmu3.0x0000000009050000 is the SMMU at 9050000: the device name in the log. */
	snprintf(addr, sizeof(addr), "%lx", dot ? strtoul(dot + 1, NULL, 16) : 0ul);
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		char *p;

		if (n < 0)
			continue;
		rec[n] = 0;
		p = strstr(rec, "oas ");
		if (p && strstr(rec, "arm-smmu-v3") && strstr(rec, addr) && strstr(rec, "-bit") &&
		    sscanf(p, "oas %u-bit", oas) == 1)
			ret = 0;
	}
	close(fd);
	return ret;
}

/* The driver never uses a wider output address than IDR5.OAS advertises
 * (SMMUv3 6.3.6; the table walker's DMA mask follows from it). */
TEST_F(smmuv3, kernel_output_size_within_idr5_oas)
{
	unsigned int hw = lab_smmu_oas_bits((uint32_t)self->m->regs[5]), kern = 0;
	int ret = kernel_oas(self->m->name, &kern);

	if (ret)
		SKIP(return, "no \"oas N-bit\" probe message for %s in the kernel log", self->m->name);
	ASSERT_NE(0, hw) TH_LOG("IDR5.OAS is a reserved encoding");
	EXPECT_LE(kern, hw) TH_LOG("kernel oas %u-bit, IDR5.OAS %u-bit", kern, hw);
	TH_LOG("%s: IDR5.OAS %u-bit, kernel %u-bit", self->m->name, hw, kern);
}

/* Every function behind an IOMMU has a group with a known default domain type. */
TEST(groups_have_known_domain_types)
{
	static const char *const known[] = { "DMA", "DMA-FQ", "identity", "blocked", "unmanaged" };
	struct lab_platform p;
	int checked = 0;

	ASSERT_EQ(0, lab_discover(&p));
	for (int i = 0; i < p.ndevs; i++) {
		const struct lab_pci_dev *d = &p.devs[i];
		bool ok = false;

		if (!d->iommu[0])
			continue;
		EXPECT_LE(0, d->group) TH_LOG("%s is behind %s but has no IOMMU group", d->bdf, d->iommu);
		if (d->group < 0)
			continue;
		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			ok |= !strcmp(d->group_type, known[k]);
		EXPECT_TRUE(ok) TH_LOG("%s: group %d default domain type '%s'", d->bdf, d->group,
				       d->group_type);
		checked++;
	}
	lab_platform_free(&p);
	if (!checked)
		SKIP(return, "no PCI function is behind an IOMMU");
}

TEST_HARNESS_MAIN
