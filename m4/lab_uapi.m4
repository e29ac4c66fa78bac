# SPDX-License-Identifier: GPL-2.0-only
# LAB_UAPI_HEADERS: the kernel's exported uAPI headers for iommufd and VFIO.
# Distribution headers are often older than the target kernel (bookworm's
# linux-libc-dev 6.1 has no linux/iommufd.h), so --with-uapi points at a
# `make headers_install` tree of the target kernel. Features are probed by
# compiling, never by version number; what is missing is reported as disabled.
AC_DEFUN([LAB_UAPI_PROBE], [
	AC_MSG_CHECKING([uAPI: $2])
	AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <linux/iommufd.h>
#include <linux/vfio.h>]], [[$3]])],
		[AC_MSG_RESULT([yes])
		 AC_DEFINE([$1], [1], [$2])
		 lab_uapi_have="$lab_uapi_have $4"],
		[AC_MSG_RESULT([no])])
])
AC_DEFUN([LAB_UAPI_HEADERS], [
AC_ARG_WITH([uapi],
	[AS_HELP_STRING([--with-uapi=DIR], [kernel uAPI headers from `make headers_install` (DIR/include/linux/iommufd.h)])],
	[], [with_uapi=no])
UAPI_CPPFLAGS=
AS_IF([test "x$with_uapi" != xno], [
	for d in "$with_uapi/include" "$with_uapi/usr/include" "$with_uapi"; do
		test -f "$d/linux/iommufd.h" && { UAPI_CPPFLAGS="-isystem `cd "$d" && pwd`"; break; }
	done
	AS_IF([test -z "$UAPI_CPPFLAGS"], [AC_MSG_ERROR([--with-uapi=$with_uapi: no linux/iommufd.h below it (run `make headers_install INSTALL_HDR_PATH=DIR` in the target kernel tree)])])
])
lab_save_CPPFLAGS=$CPPFLAGS
CPPFLAGS="$UAPI_CPPFLAGS $CPPFLAGS"
lab_uapi_have=
AC_CHECK_HEADER([linux/iommufd.h], [
	LAB_UAPI_PROBE([HAVE_IOMMUFD_UAPI], [iommufd IOAS and GET_HW_INFO],
		[struct iommu_hw_info h = { .size = sizeof(h) }; return IOMMU_GET_HW_INFO + IOMMU_IOAS_ALLOC + h.out_data_type;], [iommufd])
	LAB_UAPI_PROBE([HAVE_VFIO_CDEV_UAPI], [VFIO cdev bind to iommufd],
		[struct vfio_device_bind_iommufd b = { .argsz = sizeof(b) }; return VFIO_DEVICE_BIND_IOMMUFD + b.flags;], [vfio-cdev])
	LAB_UAPI_PROBE([HAVE_IOMMU_HW_INFO_MAX_PASID], [GET_HW_INFO reports max PASID width],
		[struct iommu_hw_info h; return h.out_max_pasid_log2;], [hw-info-pasid])
	LAB_UAPI_PROBE([HAVE_IOMMU_HW_INFO_VTD], [VT-d hardware info],
		[struct iommu_hw_info_vtd v; return IOMMU_HW_INFO_TYPE_INTEL_VTD + (int)v.cap_reg;], [vtd-info])
	LAB_UAPI_PROBE([HAVE_IOMMU_HW_INFO_ARM_SMMUV3], [SMMUv3 hardware info],
		[struct iommu_hw_info_arm_smmuv3 s; return IOMMU_HW_INFO_TYPE_ARM_SMMUV3 + (int)s.idr@<:@5@:>@;], [smmuv3-info])
	LAB_UAPI_PROBE([HAVE_IOMMUFD_PASID_UAPI], [PASID-capable HWPTs and VFIO attach at a PASID],
		[struct vfio_device_attach_iommufd_pt a = { .flags = VFIO_DEVICE_ATTACH_PASID };
		 struct vfio_device_detach_iommufd_pt d = { .flags = VFIO_DEVICE_DETACH_PASID };
		 return IOMMU_HWPT_ALLOC_PASID + (int)a.pasid + (int)d.pasid;], [pasid-attach])
	LAB_UAPI_PROBE([HAVE_IOMMUFD_VIOMMU_UAPI], [vIOMMU, vDEVICE, vEVENTQ and SMMUv3 nested data],
		[struct iommu_viommu_alloc v = { .type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3 };
		 struct iommu_vdevice_alloc d = { .virt_id = 1 };
		 struct iommu_veventq_alloc q = { .type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 };
		 struct iommu_hwpt_arm_smmuv3 ste = { { 0 } };
		 return IOMMU_VIOMMU_ALLOC + IOMMU_VDEVICE_ALLOC + IOMMU_VEVENTQ_ALLOC + IOMMU_HWPT_INVALIDATE +
			IOMMU_HWPT_ALLOC_NEST_PARENT + IOMMU_HWPT_DATA_ARM_SMMUV3 +
			IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 + (int)v.hwpt_id + (int)d.virt_id + (int)q.veventq_depth +
			(int)ste.ste@<:@0@:>@;], [viommu])
	# iommufd's mock IOMMU (CONFIG_IOMMUFD_TEST): its command header is not an
	# installed uAPI header; it is used from the kernel tree holding the harness.
	IOMMUFD_TEST_CPPFLAGS=
	lab_mock_dir="$KSELFTEST_DIR/../../../drivers/iommu/iommufd"
	AS_IF([test -f "$lab_mock_dir/iommufd_test.h"], [
		lab_save2_CPPFLAGS=$CPPFLAGS
		CPPFLAGS="-I$lab_mock_dir $CPPFLAGS"
		AC_MSG_CHECKING([uAPI: iommufd mock PASID commands (iommufd_test.h)])
		AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <linux/iommufd.h>
#include "iommufd_test.h"]],
			[[struct iommu_test_cmd c = { .op = IOMMU_TEST_OP_PASID_CHECK_HWPT };
			  return IOMMU_TEST_CMD + (int)c.pasid_check.hwpt_id + MOCK_FLAGS_DEVICE_PASID;]])],
			[AC_MSG_RESULT([yes])
			 AC_DEFINE([HAVE_IOMMUFD_TEST_PASID], [1], [iommufd mock PASID commands (iommufd_test.h)])
			 lab_uapi_have="$lab_uapi_have iommufd-mock-pasid"],
			[AC_MSG_RESULT([no])])
		CPPFLAGS=$lab_save2_CPPFLAGS
		AS_IF([echo "$lab_uapi_have" | grep -q iommufd-mock-pasid],
			[IOMMUFD_TEST_CPPFLAGS="-I`cd "$lab_mock_dir" && pwd`"])
	])
], [], [#include <linux/types.h>])
# The kernel's DMA API benchmark (CONFIG_DMA_MAP_BENCHMARK), the anchor of
# `iommu-lab perf`: its SG mode is what the I/O node's requests do.
AC_MSG_CHECKING([uAPI: dma_map_benchmark with SG mode (linux/map_benchmark.h)])
AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/map_benchmark.h>]],
	[[struct map_benchmark b = { .map_mode = DMA_MAP_BENCH_SG_MODE, .granule = 1 };
	  return DMA_MAP_BENCHMARK + (int)b.avg_map_100ns;]])],
	[AC_MSG_RESULT([yes])
	 AC_DEFINE([HAVE_MAP_BENCHMARK_SG], [1], [dma_map_benchmark with SG mode (linux/map_benchmark.h)])
	 lab_uapi_have="$lab_uapi_have dma-map-benchmark"],
	[AC_MSG_RESULT([no])])
CPPFLAGS=$lab_save_CPPFLAGS
AS_IF([test -n "$lab_uapi_have"], [lab_uapi_summary="yes:$lab_uapi_have"],
	[lab_uapi_summary="no (headers lack linux/iommufd.h: pass --with-uapi=DIR; iommufd tests will SKIP)"])
AC_SUBST([UAPI_CPPFLAGS])
AC_SUBST([IOMMUFD_TEST_CPPFLAGS])
])
