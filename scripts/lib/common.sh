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
