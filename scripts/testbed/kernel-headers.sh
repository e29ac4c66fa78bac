#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Unpack Debian's prebuilt amd64 kernel headers for a suite into the cache,
# for compile-checking the module against distribution kernels (CI builds it
# against bookworm's 6.1, bookworm-backports' 6.12 and the testbed's 7.3).
# Prints the kbuild directory (use as configure --with-linux=DIR).
#   kernel-headers.sh bookworm|bookworm-backports
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$LAB_TOP/scripts/testbed/apt.sh"
suite=${1:-}
case "$suite" in bookworm|bookworm-backports) ;; *) lab_die "usage: kernel-headers.sh bookworm|bookworm-backports" ;; esac
lab_apt_config bookworm-bpo "bookworm bookworm-updates bookworm-backports" "amd64 arm64"
lab_apt_update bookworm-bpo
cache() { APT_CONFIG="$LAB_APT_DIR/bookworm-bpo/apt.conf" apt-cache "$@"; }
depends() { cache show "$1" | sed -n 's/^Depends: //p' | head -n1 | tr ',' '\n' | sed 's/^ *//; s/ .*//'; }

meta=$(cache madison linux-headers-amd64 | awk -F'|' -v s="$suite/main" 'index($3, s) { gsub(/ /, "", $2); print $2; exit }')
[ -n "$meta" ] || lab_die "no linux-headers-amd64 in $suite"
flavour=$(depends "linux-headers-amd64=$meta" | grep '^linux-headers-.*-amd64$' | head -n1)
abi=${flavour#linux-headers-}; abi=${abi%-amd64}
root="$IOMMU_LAB_CACHE/headers/$abi"
dir="$root/usr/src/$flavour"
if [ ! -f "$root/.done" ]; then
	pkgs=("$flavour" $(depends "$flavour" | grep -E '^linux-(headers-.*-common|kbuild-)'))
	lab_log "unpacking ${pkgs[*]} ($suite)"
	rm -rf "$root"; mkdir -p "$root/.debs"
	(cd "$root/.debs" && APT_CONFIG="$LAB_APT_DIR/bookworm-bpo/apt.conf" apt-get -q download "${pkgs[@]}" >&2)
	for f in "$root"/.debs/*.deb; do dpkg-deb -x "$f" "$root"; done
	rm -rf "$root/.debs"
	# The flavour's Makefile includes the common tree by absolute path.
	sed -i "s|include /usr/src/|include $root/usr/src/|" "$dir/Makefile"
	touch "$root/.done"
fi
echo "$dir"
