// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCIe endpoint capabilities (PASID, ATS, PRI) against the IOMMU they sit
 * behind: widths the kernel computes and features it enabled must be ones
 * both sides support. See docs/tests/caps.md.
 */
#include <errno.h>
#include "kselftest_harness.h"
#include "caps_common.h"

/* PASID width, in bits, that IOMMU M supports; 0 when it supports none. */
static unsigned int iommu_pasid_bits(const struct lab_iommu *m)
{
	if (!m || !m->nregs)
		return 0;
	if (m->type == LAB_IOMMU_VTD)
		return lab_vtd_pasid_bits(m->regs[1]);
	if (m->type == LAB_IOMMU_SMMUV3)
		return lab_smmu_ssid_bits((uint32_t)m->regs[1]);
	return 0;
}

/* Does IOMMU M accept ATS translation requests (VT-d ECAP.DT, SMMUv3 IDR0.ATS)? -1: unknown */
static int iommu_ats(const struct lab_iommu *m)
{
	if (!m || !m->nregs)
		return -1;
	if (m->type == LAB_IOMMU_VTD)
		return (int)lab_reg_get(&lab_vtd_ecap_reg, m->regs[1], "DT");
	if (m->type == LAB_IOMMU_SMMUV3)
		return (int)lab_reg_get(&lab_smmu_idr_reg[0], m->regs[0], "ATS");
	return -1;
}

FIXTURE(pci) {
	struct lab_platform p;
};

FIXTURE_SETUP(pci)
{
	ASSERT_EQ(0, lab_discover(&self->p));
}

FIXTURE_TEARDOWN(pci)
{
	lab_platform_free(&self->p);
}

/* A PASID-capable function may have PASID enabled only behind an IOMMU that
 * supports PASIDs (PCIe 6.0 6.20; VT-d ECAP.PASID/PSS; SMMUv3 IDR1.SSIDSIZE). */
TEST_F(pci, pasid_enabled_only_behind_pasid_capable_iommu)
{
	int seen = 0;

	for (int i = 0; i < self->p.ndevs; i++) {
		const struct lab_pci_dev *d = &self->p.devs[i];
		struct lab_iommu *m = caps_iommu_of(&self->p, d);

		if (!d->has_pasid || !m || !m->nregs)
			continue;
		seen++;
		TH_LOG("%s: PASID width %u (%s), %s supports %u bits", d->bdf, d->pasid_width,
		       d->pasid_enabled ? "enabled" : "disabled", m->name, iommu_pasid_bits(m));
		if (d->pasid_enabled)
			EXPECT_NE(0, iommu_pasid_bits(m)) TH_LOG("%s has PASID enabled behind %s without PASID support",
								 d->bdf, m->name);
	}
	if (!seen)
		SKIP(return, "no PCI function with a PASID capability behind an IOMMU with known registers");
}

/* iommufd reports the PASID width usable with a device: the smaller of the
 * device's Max PASID Width and the IOMMU's PASID width. */
TEST_F(pci, hw_info_max_pasid_is_min_of_device_and_iommu)
{
	int seen = 0;

	for (int i = 0; i < self->p.ndevs; i++) {
		const struct lab_pci_dev *d = &self->p.devs[i];
		struct lab_iommu *m = caps_iommu_of(&self->p, d);
		struct lab_hw_info info;
		unsigned int want;
		int ret;

		if (!d->has_pasid || !d->vfio_cdev[0] || !m || !m->nregs)
			continue;
		ret = lab_iommufd_hw_info(d->bdf, &info);
		if (ret == -EOPNOTSUPP)
			SKIP(return, "built without iommufd uAPI headers");
		ASSERT_EQ(0, ret);
		if (!info.has_max_pasid)
			SKIP(return, "built with uAPI headers that lack GET_HW_INFO out_max_pasid_log2");
		want = d->pasid_width < iommu_pasid_bits(m) ? d->pasid_width : iommu_pasid_bits(m);
		EXPECT_EQ(want, info.max_pasid_log2) TH_LOG("%s: device %u bits, %s %u bits, iommufd %u",
			d->bdf, d->pasid_width, m->name, iommu_pasid_bits(m), info.max_pasid_log2);
		seen++;
	}
	if (!seen)
		SKIP(return, "no PASID-capable PCI function is bound to vfio-pci with a cdev");
}

/* ATS must stay disabled behind an IOMMU that does not take translation
 * requests (VT-d ECAP.DT; SMMUv3 IDR0.ATS). */
TEST_F(pci, ats_enabled_only_behind_ats_capable_iommu)
{
	int seen = 0;

	for (int i = 0; i < self->p.ndevs; i++) {
		const struct lab_pci_dev *d = &self->p.devs[i];
		struct lab_iommu *m = caps_iommu_of(&self->p, d);

		if (!d->has_ats || !m || iommu_ats(m) < 0)
			continue;
		seen++;
		if (!iommu_ats(m))
			EXPECT_FALSE(d->ats_enabled) TH_LOG("%s: ATS enabled behind %s, which lacks ATS support",
							    d->bdf, m->name);
	}
	if (!seen)
		SKIP(return, "no PCI function with an ATS capability behind an IOMMU with known registers");
}

/* Page requests need translations: PRI enabled implies ATS enabled (PCIe 6.0 10.4). */
TEST_F(pci, pri_enabled_implies_ats_enabled)
{
	int seen = 0;

	for (int i = 0; i < self->p.ndevs; i++) {
		const struct lab_pci_dev *d = &self->p.devs[i];

		if (!d->has_pri)
			continue;
		seen++;
		if (d->pri_enabled)
			EXPECT_TRUE(d->ats_enabled) TH_LOG("%s: PRI enabled with ATS disabled", d->bdf);
	}
	if (!seen)
		SKIP(return, "no PCI function has a PRI capability");
}

TEST_HARNESS_MAIN
