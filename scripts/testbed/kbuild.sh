# SPDX-License-Identifier: GPL-2.0-only
# Configuring and building a guest kernel out of tree with the suite's config
# fragments (scripts/testbed/kconfig): shared by build-kernel.sh (the
# testbed's 7.3 from linux-source-7.3) and kernel-tree.sh (a developer's
# tree). Sourced after scripts/lib/common.sh.
#   lab_kbuild_init ARCH SRC BUILD [VARIANT]
#                                       sets LAB_KMAKE (make -C SRC O=BUILD ...) and LAB_KIMAGE;
#                                       VARIANT (e.g. debug) adds kconfig/VARIANT.config
#   lab_kbuild_config LOG [BASE_CONFIG] tinyconfig (or BASE_CONFIG) + fragments, olddefconfig, checked
#   lab_kbuild_all LOG                  make all (incremental in BUILD)
#   lab_kbuild_headers UAPI LOG         make headers_install INSTALL_HDR_PATH=UAPI
# IOMMU_LAB_JOBS sets make's -j (default: the number of CPUs + 1).

LAB_KCONFIG_DIR="$LAB_TOP/scripts/testbed/kconfig"

# lab_kbuild_fragments ARCH [VARIANT] : the fragment files merged into a guest
# kernel: every guest's, the architecture's, and the variant's
lab_kbuild_fragments() {
	echo "$LAB_KCONFIG_DIR/common.config" "$LAB_KCONFIG_DIR/$1.config" ${2:+"$LAB_KCONFIG_DIR/$2.config"}
}

lab_kbuild_init() {
	LAB_KARCH=$1 LAB_KSRC=$2 LAB_KBUILD=$3 LAB_KVARIANT=${4:-}
	if [ "$LAB_KARCH" = arm64 ]; then
		LAB_KMAKE=(make -C "$LAB_KSRC" O="$LAB_KBUILD" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
		LAB_KIMAGE=arch/arm64/boot/Image
	else
		LAB_KMAKE=(make -C "$LAB_KSRC" O="$LAB_KBUILD" ARCH=x86_64)
		LAB_KIMAGE=arch/x86/boot/bzImage
	fi
	mkdir -p "$LAB_KBUILD"
}

# lab_kbuild_config LOG [BASE_CONFIG]: the configuration in BUILD/.config. Dies naming every fragment option that did not survive
# olddefconfig (an unmet dependency) instead of building a different kernel.
# An unchanged result keeps the old .config's time, so that an incremental
# build does not re-run syncconfig for nothing.
lab_kbuild_config() {
	local log=$1 base=${2:-} cfg="$LAB_KBUILD/.config" prev="$LAB_KBUILD/.config.lab-prev" missing frags
	read -r -a frags <<< "$(lab_kbuild_fragments "$LAB_KARCH" "$LAB_KVARIANT")"
	[ -f "$cfg" ] && cp -p "$cfg" "$prev"
	{
		if [ -n "$base" ]; then
			cp "$base" "$cfg"
		else
			"${LAB_KMAKE[@]}" tinyconfig
		fi
		"$LAB_KSRC/scripts/kconfig/merge_config.sh" -m -O "$LAB_KBUILD" "$cfg" "${frags[@]}"
		"${LAB_KMAKE[@]}" olddefconfig
	} > "$log" 2>&1 || lab_die "kernel configuration failed, see $log"
	[ -f "$prev" ] && cmp -s "$cfg" "$prev" && touch -r "$prev" "$cfg"
	rm -f "$prev"

	# Every option asked for must be in the final configuration.
	missing=$(cat "${frags[@]}" | grep -E '^CONFIG_' | while IFS= read -r want; do
		name=${want%%=*}; val=${want#*=}
		if [ "$val" = n ]; then
			grep -qx "$name=y\|$name=m" "$cfg" && echo "$want"
		else
			grep -qx "$want" "$cfg" || echo "$want"
		fi
	done || true)
	[ -z "$missing" ] || lab_die "guest $LAB_KARCH kernel: options not satisfied after olddefconfig:"$'\n'"$missing"
}

lab_kbuild_all() {
	"${LAB_KMAKE[@]}" -j"${IOMMU_LAB_JOBS:-$(( $(nproc) + 1 ))}" all > "$1" 2>&1 \
		|| { tail -n 30 "$1" >&2; lab_die "kernel build failed, see $1"; }
}

lab_kbuild_headers() {
	"${LAB_KMAKE[@]}" headers_install INSTALL_HDR_PATH="$1" > "$2" 2>&1 \
		|| lab_die "headers_install failed, see $2"
}
