# SPDX-License-Identifier: GPL-2.0-only
# Reading the testbed's guest table, scripts/testbed/guests.cfg. Sourced.
LAB_GUESTS_CFG=${LAB_GUESTS_CFG:-$LAB_TOP/scripts/testbed/guests.cfg}

# lab_guest_names : every guest, in the table's order
lab_guest_names() {
	sed -n 's/^\[\([^]]*\)\][[:space:]]*$/\1/p' "$LAB_GUESTS_CFG"
}

# lab_guest_get GUEST KEY : the value, empty when the guest does not set it;
# fails for an unknown guest.
lab_guest_get() {
	awk -v g="$1" -v k="$2" '
		/^[[:space:]]*(#|$)/ { next }
		/^\[/ { cur = $0; gsub(/^\[|\][[:space:]]*$/, "", cur); if (cur == g) found = 1; next }
		cur == g {
			key = $0; sub(/[[:space:]]*=.*/, "", key)
			if (key == k) { v = $0; sub(/^[^=]*=[[:space:]]*/, "", v); sub(/[[:space:]]+$/, "", v); print v; exit }
		}
		END { exit !found }' "$LAB_GUESTS_CFG"
}

# lab_guests_for CHECK ARCH... : the guests of those architectures whose `ci`
# names CHECK (suite or perf; no `ci`: both), comma-separated (vm --guest)
lab_guests_for() {
	local check=$1 g a ci out=""
	shift
	for a in "$@"; do
		for g in $(lab_guests_of_arch "$a"); do
			ci=$(lab_guest_get "$g" ci)
			[[ " ${ci:-suite perf} " == *" $check "* ]] && out+="${out:+,}$g"
		done
	done
	echo "$out"
}

# lab_guests_of_arch ARCH : the guests of one architecture
lab_guests_of_arch() {
	local g
	for g in $(lab_guest_names); do
		[ "$(lab_guest_get "$g" arch)" = "$1" ] && echo "$g"
	done
}
