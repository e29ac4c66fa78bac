// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCIe endpoint capabilities (PASID, ATS, PRI) against the IOMMU they sit
 * behind: widths the kernel computes and features it enabled must be ones
 * both sides support. See docs/tests/caps.md.
 */
#include <errno.h>
#include "kselftest_harness.h"
#include "caps_common.h"

/* PASID width, in bits, that IOMMU M supports; 0 when it supports none, -1: unknown. */
static int iommu_pasid_bits(const struct lab_iommu *m)
{
	if (!m || !m->nregs)
		return -1;
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

static bool has_pasid(const struct lab_pci_dev *d) { return d->has_pasid; }
static bool pasid_enabled(const struct lab_pci_dev *d) { return d->pasid_enabled; }
static bool has_ats(const struct lab_pci_dev *d) { return d->has_ats; }
static bool ats_enabled(const struct lab_pci_dev *d) { return d->ats_enabled; }

/* A PCIe capability a function may enable only behind an IOMMU that supports it. */
struct endpoint_cap {
	const char *name;				/* "PASID" */
	const char *a_cap;				/* "a PASID capability" */
	bool (*has)(const struct lab_pci_dev *d);
	bool (*enabled)(const struct lab_pci_dev *d);
	int (*iommu_support)(const struct lab_iommu *m);	/* 0: none, -1: unknown */
};

static const struct endpoint_cap pasid_cap = {
	"PASID", "a PASID capability", has_pasid, pasid_enabled, iommu_pasid_bits,
};
static const struct endpoint_cap ats_cap = {
	"ATS", "an ATS capability", has_ats, ats_enabled, iommu_ats,
};

/*
 * The first function from index *I on that has CAP and sits behind an IOMMU
 * whose registers tell its support for CAP (into *SUPPORT); *I is its index.
 */
static const struct lab_pci_dev *next_with_cap(struct lab_platform *p, int *i,
					       const struct endpoint_cap *cap, int *support)
{
	for (; *i < p->ndevs; ++*i) {
		const struct lab_pci_dev *d = &p->devs[*i];

		*support = cap->iommu_support(caps_iommu_of(p, d));
		if (cap->has(d) && *support >= 0)
			return d;
	}
	return NULL;
}

/* Every function with CAP behind an IOMMU with known registers enables it
 * only if that IOMMU supports it. */
static void enabled_only_behind_capable_iommu(struct __test_metadata *_metadata,
					      struct lab_platform *p,
					      const struct endpoint_cap *cap)
{
	const struct lab_pci_dev *d;
	int seen = 0, support;

	for (int i = 0; (d = next_with_cap(p, &i, cap, &support)); i++) {
		seen++;
		TH_LOG("%s: %s %s, %s support %d", d->bdf, cap->name,
		       cap->enabled(d) ? "enabled" : "disabled", d->iommu, support);
		if (cap->enabled(d))
			EXPECT_NE(0, support)
				TH_LOG("%s: %s enabled behind %s, which lacks %s support",
				       d->bdf, cap->name, d->iommu, cap->name);
	}
	if (!seen)
		SKIP(return, "no PCI function with %s behind an IOMMU with known registers",
		     cap->a_cap);
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
	enabled_only_behind_capable_iommu(_metadata, &self->p, &pasid_cap);
}

/* iommufd reports the PASID width usable with a device: the smaller of the
 * device's Max PASID Width and the IOMMU's PASID width. */
TEST_F(pci, hw_info_max_pasid_is_min_of_device_and_iommu)
{
	const struct lab_pci_dev *d;
	int seen = 0, bits;

	for (int i = 0; (d = next_with_cap(&self->p, &i, &pasid_cap, &bits)); i++) {
		struct lab_hw_info info;
		unsigned int want;
		int ret;

		if (!d->vfio_cdev[0])
			continue;
		/* The sysfs vfio-dev entry exists without iommufd (VFIO_DEVICE_CDEV off). */
		LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_IOMMUFD);
		ret = lab_iommufd_hw_info(d->bdf, &info);
		ASSERT_EQ(0, ret) TH_LOG("IOMMU_GET_HW_INFO on %s: %s", d->bdf, strerror(-ret));
		if (!info.has_max_pasid)
			SKIP(return, "built with uAPI headers that lack GET_HW_INFO out_max_pasid_log2");
		want = d->pasid_width < (unsigned int)bits ? d->pasid_width : (unsigned int)bits;
		EXPECT_EQ(want, info.max_pasid_log2) TH_LOG("%s: device %u bits, %s %d bits, iommufd %u",
			d->bdf, d->pasid_width, d->iommu, bits, info.max_pasid_log2);
		seen++;
	}
	if (!seen)
		LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_IOMMUFD);
	if (!seen)
		SKIP(return, "no PASID-capable PCI function is bound to vfio-pci with a cdev");
}

/* ATS must stay disabled behind an IOMMU that does not take translation
 * requests (VT-d ECAP.DT; SMMUv3 IDR0.ATS). */
TEST_F(pci, ats_enabled_only_behind_ats_capable_iommu)
{
	enabled_only_behind_capable_iommu(_metadata, &self->p, &ats_cap);
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
