# SPDX-License-Identifier: GPL-2.0-only
# `iommu-lab report RUN [--out DIR]`: report.html (self-contained: CSS and the
# gnuplot SVGs inline, nothing fetched) and report.md (linking the SVGs
# written next to it). Sourced by iommu-lab (after results.sh).

lab_report_usage() {
	cat <<'EOT'
usage: iommu-lab report RUN [--out DIR]
  RUN is an `iommu-lab run` directory, or an `iommu-lab vm` directory (one section per guest).
  --out DIR   where report.html, report.md and the plots (report-*.svg) go (default: RUN)
Plots need gnuplot (Debian package gnuplot-nox); without it the report has the tables only.
EOT
}

# The HTML page's style: one place, inline, so the file stands alone.
lab_report_css() {
	cat <<'EOT'
<style>
body { font-family: sans-serif; margin: 1.5em auto; max-width: 75em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
th { white-space: nowrap; } table.why td:last-child { overflow-wrap: anywhere; }
th { background: #f0f0f0; }
td.v-PASS { color: #176117; } td.v-FAIL, td.v-TIMEOUT, td.v-NOTRUN { color: #a40000; font-weight: bold; }
td.v-SKIP { color: #666; } td.sw { background: #fff4c2; font-weight: bold; }
.v-bad { color: #a40000; font-weight: bold; } td.bad { background: #fde8e8; }
ul.headline { padding-left: 1.2em; line-height: 1.5; }
h2 { border-bottom: 2px solid #444; margin-top: 2em; } h5 { margin-bottom: 0.2em; font-family: monospace; font-size: 1em; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; } figcaption { color: #555; }
details { margin-bottom: 1em; }
</style>
EOT
}

lab_report() {
	local run="" out="" g i tmp label what note="" runs=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--out) [ $# -ge 2 ] || lab_die "report: --out needs a directory"; out=$2; shift 2 ;;
		-h|--help) lab_report_usage; return 0 ;;
		-*) lab_report_usage >&2; lab_die "report: unknown option '$1'" ;;
		*) [ -z "$run" ] || lab_die "report: one run directory only ('$run', then '$1')"; run=$1; shift ;;
		esac
	done
	[ -n "$run" ] || { lab_report_usage >&2; lab_die "report: which run? (a results directory)"; }
	lab_guests "$run" || lab_die "report: $run/results.jsonl not found (nor in its subdirectories)"
	out=${out:-$run}
	mkdir -p "$out" || lab_die "report: cannot create $out"
	# (global: the EXIT trap runs after this function has returned)
	LAB_REPORT_TMP=$(mktemp -d) || lab_die "report: cannot create a temporary directory"
	trap 'rm -rf "$LAB_REPORT_TMP"' EXIT
	tmp=$LAB_REPORT_TMP
	command -v gnuplot > /dev/null || note="Plots skipped: gnuplot is not installed (Debian package gnuplot-nox)."
	rm -f "$out"/report-*.svg	# an earlier report's plots

	for i in "${!LAB_GUESTS[@]}"; do
		g=${LAB_GUESTS[$i]}
		lab_flatten "$run/$g" "$tmp/$i" || lab_die "report: $run/$g/results.jsonl is not valid"
		[ "$g" = . ] && label=$(lab_run_field "$tmp/$i" platform) || label=$g
		runs+=("guest=$g" "$tmp/$i.run" "$tmp/$i")
		: > "$tmp/$i.plots"
		[ -z "$note" ] || continue
		awk -v outdir="$out" -v prefix="report-${g/#./run}-" -v label="$label" -v list="$tmp/$i.plots" \
			-f "$LAB_SCRIPTS/lib/units.awk" -f "$LAB_SCRIPTS/lib/plots.awk" "$tmp/$i" > "$tmp/$i.gp" \
			|| lab_die "report: cannot prepare the plots of $label"
		gnuplot "$tmp/$i.gp" 2> "$tmp/gnuplot.err" || lab_die "report: gnuplot failed on $label: $(head -n3 "$tmp/gnuplot.err")"
	done
	case "${#LAB_GUESTS[@]} ${LAB_GUESTS[0]}" in
	"1 .") what="one run" ;;
	"1 "*) what="1 guest: ${LAB_GUESTS[0]}" ;;
	*) what="${#LAB_GUESTS[@]} guests: ${LAB_GUESTS[*]}" ;;
	esac

	for fmt in md html; do
		{
			if [ $fmt = html ]; then
				printf '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n<title>iommu-lab report: %s</title>\n' \
					"$(basename "$run" | sed 's/&/\&amp;/g; s/</\&lt;/g')"
				lab_report_css
				printf '</head><body>\n<h1>iommu-lab report</h1>\n'
			else
				printf '# iommu-lab report\n\n'
			fi
			echo "Run directory $(basename "$(cd "$run" && pwd)"), $what; report written $(date -u +%FT%TZ)." |
				if [ $fmt = html ]; then sed 's/&/\&amp;/g; s/</\&lt;/g; s/^/<p>/; s/$/<\/p>/'; else cat; fi
			awk -v fmt=$fmt -v guestlist="${LAB_GUESTS[*]}" -v plotdir="$tmp" -v outdir="$out" -v plot_note="$note" \
				-f "$LAB_SCRIPTS/lib/units.awk" -f "$LAB_SCRIPTS/lib/report.awk" "${runs[@]}" || lab_die "report: cannot write the $fmt report"
			[ $fmt = md ] || printf '</body></html>\n'
		} > "$out/report.$fmt" || lab_die "report: cannot write $out/report.$fmt"
	done
	lab_log "report: $out/report.html, $out/report.md"
}
