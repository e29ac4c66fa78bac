/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared setup for the capability conformance programs. */
#ifndef CAPS_COMMON_H
#define CAPS_COMMON_H

#include <string.h>
#include "iommulab.h"

/* First IOMMU instance of type T with its registers, or NULL with *why set. */
static inline struct lab_iommu *caps_iommu_with_regs(struct lab_platform *p, enum lab_iommu_type t,
						      const char **why)
{
	for (int i = 0; i < p->niommus; i++) {
		if (p->iommus[i].type != t)
			continue;
		if (!p->iommus[i].nregs) {
			*why = p->iommus[i].regs_why;
			return NULL;
		}
		return &p->iommus[i];
	}
	*why = "no such IOMMU on this platform";
	return NULL;
}

/* The IOMMU a PCI function sits behind, or NULL. */
static inline struct lab_iommu *caps_iommu_of(struct lab_platform *p, const struct lab_pci_dev *d)
{
	return d->iommu[0] ? lab_find_iommu(p, d->iommu) : NULL;
}

#define CAPS_MAX_UNITS 64

struct caps_units {
	struct lab_platform p;
	struct lab_iommu *unit[CAPS_MAX_UNITS];
	int n;
};

/* Every instance of type T; SKIP when there is none or its registers are unavailable. */
static inline void caps_units_setup(struct __test_metadata *_metadata, struct caps_units *u,
			     enum lab_iommu_type t, const char *what)
{
	ASSERT_EQ(0, lab_discover(&u->p));
	u->n = 0;
	for (int i = 0; i < u->p.niommus && u->n < CAPS_MAX_UNITS; i++) {
		if (u->p.iommus[i].type != t)
			continue;
		if (!u->p.iommus[i].nregs)
			SKIP(return, "%s %s: registers unavailable: %s", what, u->p.iommus[i].name,
			     u->p.iommus[i].regs_why);
		u->unit[u->n++] = &u->p.iommus[i];
	}
	if (!u->n)
		SKIP(return, "no %s IOMMU on this platform", what);
}

/* Fixture NAME: every instance of IOMMU type T (caps_units_setup()) in self->u. */
#define CAPS_UNITS_FIXTURE(name, t, what)					\
	FIXTURE(name) {								\
		struct caps_units u;						\
	};									\
	FIXTURE_SETUP(name)							\
	{									\
		caps_units_setup(_metadata, &self->u, t, what);			\
	}									\
	FIXTURE_TEARDOWN(name)							\
	{									\
		lab_platform_free(&self->u.p);					\
	}

#endif
