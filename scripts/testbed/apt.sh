# SPDX-License-Identifier: GPL-2.0-only
# Private apt configuration for the testbed: extra Debian suites (bookworm-backports,
# trixie-backports) and foreign architectures are reached through lists and caches
# kept under the iommu-lab cache, so the host's own apt setup is never changed.
# Sourced by the testbed scripts; needs IOMMU_LAB_CACHE.

: "${IOMMU_LAB_CACHE:?}"
LAB_APT_DIR="$IOMMU_LAB_CACHE/apt"
LAB_APT_MIRROR="${IOMMU_LAB_APT_MIRROR:-http://deb.debian.org/debian}"
LAB_APT_KEYRING="/usr/share/keyrings/debian-archive-keyring.gpg"

# lab_apt_config NAME "SUITE..." "ARCH..." : write one private configuration
lab_apt_config() {
	local name=$1 suites=$2 arches=$3 d="$LAB_APT_DIR/$1" a
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/etc/preferences.d" "$d/etc/apt.conf.d"
	: > "$d/status"
	printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
		"$LAB_APT_MIRROR" "$suites" "$LAB_APT_KEYRING" > "$d/etc/sources.sources"
	{
		echo "Dir::Etc::sourcelist \"/dev/null\";"
		echo "Dir::Etc::sourceparts \"$d/etc\";"
		echo "Dir::Etc::preferencesparts \"$d/etc/preferences.d\";"
		echo "Dir::Etc::parts \"$d/etc/apt.conf.d\";"
		echo "Dir::State::Lists \"$d/lists\";"
		echo "Dir::Cache \"$d/cache\";"
		set -- $arches
		echo "APT::Architecture \"$1\";"
		echo "APT::Architectures { $(for a in $arches; do printf '"%s"; ' "$a"; done)};"
		echo 'Acquire::Languages "none";'
		echo 'APT::Install-Recommends "false";'
		echo 'APT::Sandbox::User "root";'
	} > "$d/apt.conf"
}

# lab_apt NAME apt-get-args... : apt-get through a private configuration
lab_apt() {
	local name=$1; shift
	APT_CONFIG="$LAB_APT_DIR/$name/apt.conf" apt-get -q "$@"
}

# lab_apt_update NAME: refresh its lists at most once a day
lab_apt_update() {
	local d="$LAB_APT_DIR/$1"
	if [ -z "$(find "$d/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n1)" ]; then
		lab_apt "$1" update >&2
	fi
}
