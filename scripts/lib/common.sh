# SPDX-License-Identifier: GPL-2.0-only
# Shell helpers shared by the iommu-lab scripts. Sourced, never run.

LAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IOMMU_LAB_CACHE=${IOMMU_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iommu-lab}
export IOMMU_LAB_CACHE

lab_log() { printf '[iommu-lab] %s\n' "$*" >&2; }
lab_die() { printf 'iommu-lab: error: %s\n' "$*" >&2; exit "${LAB_DIE_STATUS:-2}"; }

# lab_arch_norm ARCH : x86_64|amd64 -> x86_64, arm64|aarch64 -> arm64
lab_arch_norm() {
	case "$1" in
	x86_64|amd64) echo x86_64 ;;
	arm64|aarch64) echo arm64 ;;
	*) return 1 ;;
	esac
}
lab_deb_arch() { [ "$1" = x86_64 ] && echo amd64 || echo arm64; }
lab_gnu_triplet() { [ "$1" = x86_64 ] && echo x86_64-linux-gnu || echo aarch64-linux-gnu; }

# lab_host_arch : the normalised architecture of this machine
lab_host_arch() { lab_arch_norm "$(uname -m)"; }

# lab_timed NAME CMD... : run CMD, append "NAME SECONDS" to $LAB_TIMINGS if set
lab_timed() {
	local name=$1 t0 rc; shift
	t0=$(date +%s.%N)
	"$@"; rc=$?
	[ -n "${LAB_TIMINGS:-}" ] && printf '%s %.1f\n' "$name" "$(echo "$(date +%s.%N) - $t0" | bc)" >> "$LAB_TIMINGS"
	return $rc
}

# Where the tools and the suite are: $IOMMU_LAB_LIBEXEC, the installed
# location (the installed iommu-lab sets LAB_INSTALLED_LIBEXEC), or a build
# tree (the checkout itself or $IOMMU_LAB_BUILD).
lab_find_libexec() {
	local d
	for d in "${IOMMU_LAB_LIBEXEC:-}" "${LAB_INSTALLED_LIBEXEC:-}" "${IOMMU_LAB_BUILD:-}" "$LAB_TOP"; do
		[ -n "$d" ] && [ -x "$d/iommu-lab-collect" ] && { echo "$d"; return 0; }
		[ -n "$d" ] && [ -x "$d/tools/iommu-lab-collect" ] && { echo "$d/tools"; return 0; }
	done
	return 1
}

# lab_host_tools : LAB_LIBEXEC set to tools that run on this machine, for the
# testbed's host side (vm.sh, check, determinism), which writes and reads its
# records through them: those lab_find_libexec finds, else scripts/check's
# host build (build/host) brought up to date, else the build of the guest of
# this machine's architecture (as `iommu-lab vm` builds it).
lab_host_tools() {
	local b="$LAB_TOP/build/host" arch kdir stage
	[ -n "${LAB_LIBEXEC:-}" ] && return 0
	LAB_LIBEXEC=$(lab_find_libexec) && return 0
	if [ -f "$b/Makefile" ] && make -C "$b" tools/iommu-lab-collect tools/iommu-lab-results > /dev/null 2>&1; then
		LAB_LIBEXEC=$b/tools
		return 0
	fi
	arch=$(lab_host_arch) || lab_die "no iommu-lab tools for this machine ($(uname -m))"
	lab_log "building the iommu-lab tools for this machine ($arch)"
	kdir=$("$LAB_TOP/scripts/testbed/build-kernel.sh" "$arch") &&
		stage=$("$LAB_TOP/scripts/testbed/build-suite.sh" "$arch" "$kdir") ||
		lab_die "cannot build the iommu-lab tools for this machine"
	LAB_LIBEXEC=$stage/usr/libexec/iommu-lab
}

# lab_record MEMBER... : one JSON record on stdout, written by lib/json.c
# (KEY=TEXT, KEY:=NUMBER|true|false|null, KEY:{ ... }, KEY:[ { ... } ]).
lab_record() { "$LAB_LIBEXEC/iommu-lab-collect" --record "$@"; }
# lab_commit FILE [--append] < CONTENT : FILE replaced by (or appended with)
# CONTENT in one crash-safe step (lib/commit.h): never a torn line.
lab_commit() { "$LAB_LIBEXEC/iommu-lab-collect" --commit "$@"; }
# lab_json_get KEY FILE : every record's member KEY in a JSON Lines file, one per line.
lab_json_get() { "$LAB_LIBEXEC/iommu-lab-results" --get "$1" "$2"; }
# lab_json_select KEY FILE : the records (lines) of FILE that have a member KEY.
lab_json_select() { "$LAB_LIBEXEC/iommu-lab-results" --select "$1" "$2"; }
