#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build iommu-lab for a testbed guest: configure against that guest's kernel
# tree and uAPI headers (cross for arm64), make, and install into a staging
# directory that becomes part of the guest's initramfs. Prints the staging dir.
#   build-suite.sh ARCH KERNEL_OUT_DIR
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
arch=$(lab_arch_norm "${1:-}") || lab_die "usage: build-suite.sh x86_64|arm64 KERNEL_DIR"
kdir=${2:?kernel output directory (from build-kernel.sh)}
ksrc=$("$LAB_TOP/scripts/testbed/setup.sh" --print-kernel-source)
# One build directory per guest kernel (the testbed's own, or a Debian one).
bdir="$LAB_TOP/build/$(basename "$kdir")"
stage="$bdir/stage"

if [ ! -x "$LAB_TOP/configure" ] || [ "$LAB_TOP/configure.ac" -nt "$LAB_TOP/configure" ] ||
   [ -n "$(find "$LAB_TOP/m4" "$LAB_TOP/Makefile.am" -newer "$LAB_TOP/configure" 2>/dev/null)" ]; then
	lab_log "autoreconf"
	(cd "$LAB_TOP" && autoreconf -fi) > /dev/null 2>&1 || lab_die "autoreconf failed (run it by hand to see why)"
fi

# A kernel whose uAPI headers predate iommufd (Debian's 6.1) gets the
# testbed kernel's: the tests find what the running kernel has themselves.
uapi="$kdir/uapi"
if [ ! -f "$uapi/include/linux/iommufd.h" ]; then
	uapi=$("$LAB_TOP/scripts/testbed/build-kernel.sh" "$arch")/uapi || lab_die "no uAPI headers with linux/iommufd.h for $arch"
	lab_log "$(basename "$kdir"): its uAPI headers have no linux/iommufd.h; building against $uapi"
fi
args=(--prefix=/usr --with-linux="$kdir/build" --with-uapi="$uapi"
      --with-kselftest="$ksrc/tools/testing/selftests")
envs=()
if [ "$arch" != "$(lab_host_arch)" ]; then
	sysroot=$("$LAB_TOP/scripts/testbed/setup.sh" --print-sysroot)
	triplet=$(lab_gnu_triplet "$arch")
	lib="$sysroot/usr/lib/$triplet"
	args+=(--host="$triplet")
	envs=(PKG_CONFIG_LIBDIR="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$sysroot"
	      CPPFLAGS="-I$sysroot/usr/include"
	      LDFLAGS="-L$lib -Wl,-rpath-link,$lib:$sysroot/lib/$triplet")
fi

# Reconfigure only when the inputs changed.
stamp="$(printf '%s\n' "${args[@]}" "${envs[@]}" | sha256sum | cut -c1-12)"
mkdir -p "$bdir"
# Runs started at the same time from one checkout (other guests, other output
# directories) share this directory: one configures and builds at a time,
# and the stage is replaced whole, so a run never finds half of it.
exec 9> "$bdir/.lock"
flock 9
if [ ! -f "$bdir/Makefile" ] || [ "$(cat "$bdir/.lab-config" 2>/dev/null)" != "$stamp" ] ||
   [ "$LAB_TOP/configure" -nt "$bdir/Makefile" ]; then
	lab_log "configuring for $arch"
	(cd "$bdir" && env "${envs[@]}" "$LAB_TOP/configure" "${args[@]}") > "$bdir/configure.log" 2>&1 \
		|| { tail -n 20 "$bdir/configure.log" >&2; lab_die "configure for $arch failed, see $bdir/configure.log"; }
	echo "$stamp" > "$bdir/.lab-config"
fi
make -C "$bdir" -j"$(( $(nproc) + 1 ))" > "$bdir/make.log" 2>&1 \
	|| { grep -E 'error|Error' "$bdir/make.log" | head -n 20 >&2; lab_die "build for $arch failed, see $bdir/make.log"; }
rm -rf "$stage.new" "$stage.old"
make -C "$bdir" install DESTDIR="$stage.new" > "$bdir/install.log" 2>&1 || lab_die "install for $arch failed, see $bdir/install.log"
[ ! -d "$stage" ] || mv "$stage" "$stage.old"
mv "$stage.new" "$stage"
rm -rf "$stage.old"
echo "$stage"
