# SPDX-License-Identifier: GPL-2.0-only
# report.awk: the body of `iommu-lab report`, in markdown (fmt=md) or HTML
# (fmt=html), from iommu-lab-results lines. Used with units.awk.
#   mode=section: one run: -v guest=NAME -v plots=LIST RUN.tsv.run RUN.tsv
#                 (LIST: "file<TAB>title" per plot; fmt=md links the file, html inlines it)
#   mode=overview: guests side by side: guest=NAME A.tsv.run A.tsv guest=NAME B.tsv.run B.tsv ...

BEGIN {
	FS = "\t"
	nv = split("PASS FAIL SKIP NOTRUN TIMEOUT XFAIL", VERDICTS, " ")
}

# --- output in either format ---------------------------------------------------
function esc(s) {
	gsub(/&/, "\\&amp;", s)
	gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s)
	if (fmt == "md")
		gsub(/\|/, "\\|", s)
	return s
}
function heading(n, s) {
	if (fmt == "html")
		printf "<h%d>%s</h%d>\n", n, esc(s), n
	else
		printf "\n%s %s\n\n", substr("####", 1, n), esc(s)
}
function para(s) {
	if (fmt == "html")
		print "<p>" esc(s) "</p>"
	else
		print esc(s) "\n"
}
# Table cells are tab-separated; verdicts and software engines get a CSS class.
function table(hdr,   c, i, n) {
	n = split(hdr, c, "\t")
	if (fmt == "html") {
		printf "<table><tr>"
		for (i = 1; i <= n; i++) printf "<th>%s</th>", esc(c[i])
		print "</tr>"
	} else {
		for (i = 1; i <= n; i++) printf "| %s ", esc(c[i])
		print "|"
		for (i = 1; i <= n; i++) printf "| --- "
		print "|"
	}
}
function row(cells,   c, i, n, cls) {
	n = split(cells, c, "\t")
	if (fmt == "md") {
		for (i = 1; i <= n; i++) printf "| %s ", esc(c[i])
		print "|"
		return
	}
	printf "<tr>"
	for (i = 1; i <= n; i++) {
		cls = c[i] ~ /^(PASS|FAIL|SKIP|NOTRUN|TIMEOUT|XFAIL)$/ ? " class=\"v-" c[i] "\"" : \
			c[i] ~ /software/ ? " class=\"sw\"" : ""
		printf "<td%s>%s</td>", cls, esc(c[i])
	}
	print "</tr>"
}
function endtable() {
	print fmt == "html" ? "</table>" : ""
}

# Who moved the data: software engines are the CPU, never device DMA.
function engine_label(name, kind) {
	if (name == "") return "-"
	if (kind == "software") return name " (software: CPU, not DMA)"
	if (kind == "emulated") return name " (emulated device DMA)"
	return name " (" kind " DMA)"
}
function area(prog, id,   a) {
	a = prog != "" ? prog : id
	sub(/[_.].*/, "", a)
	return a
}
function metric_range(lo, hi) {
	return lo != "" && hi != "" ? lo " .. " hi : ""
}

# --- input -------------------------------------------------------------------------
$1 == "K" { runf[guest, $2] = $3 }
$1 == "R" && !((guest, $2) in idx) {
	n = ++nrec[guest]
	if (!(guest in seen)) { seen[guest] = 1; guests[++ng] = guest }
	idx[guest, $2] = n
	rid[guest, n] = $2; rprog[guest, n] = $3; rv[guest, n] = $4; rwhy[guest, n] = $5
	ren[guest, n] = $6; rek[guest, n] = $7
	if (!((guest, "platform") in runf)) runf[guest, "platform"] = $8
	if (!((guest, "kernel") in runf)) runf[guest, "kernel"] = $9
	count[guest, $4]++
}
$1 == "M" && (guest, $2) in idx {
	r = idx[guest, $2]
	m = ++nm[guest, r]
	mname[guest, r, m] = $3; mval[guest, r, m] = $4; munit[guest, r, m] = $5
	mlo[guest, r, m] = $6; mhi[guest, r, m] = $7
}

END {
	if (mode == "overview")
		overview()
	else
		section(guest)
}

# --- one run ----------------------------------------------------------------------
function section(g,   i, j, k, n, a, line, f, title, nareas, areas, ac, nr, reasons, rc, rt, order, t, ne, engines, es) {
	n = nrec[g]
	heading(2, g == "." ? "Run " runf[g, "run_id"] : "Guest " g " (" runf[g, "platform"] ")")
	table("field\tvalue")
	row("run id\t" runf[g, "run_id"])
	row("platform\t" runf[g, "platform"])
	row("kernel\t" runf[g, "kernel"])
	row("disposable\t" (runf[g, "disposable"] != "" ? runf[g, "disposable"] : "unknown"))
	if (runf[g, "started"] != "") row("started\t" runf[g, "started"])
	if (runf[g, "filter"] != "") row("filter\t" runf[g, "filter"])
	endtable()

	heading(3, "Verdicts")
	line = ""
	for (j = 1; j <= nv; j++) line = line VERDICTS[j] "\t"
	table(line "total")
	line = ""
	for (j = 1; j <= nv; j++) line = line (count[g, VERDICTS[j]] + 0) "\t"
	row(line n)
	endtable()

	heading(3, "Verdicts by area")
	for (i = 1; i <= n; i++) {
		a = area(rprog[g, i], rid[g, i])
		if (!(a in ac)) { areas[++nareas] = a; ac[a] = 0 }
		ac[a]++
		ac[a, rv[g, i]]++
	}
	line = "area"
	for (j = 1; j <= nv; j++) line = line "\t" VERDICTS[j]
	table(line "\ttotal")
	for (k = 1; k <= nareas; k++) {
		line = areas[k]
		for (j = 1; j <= nv; j++) line = line "\t" (ac[areas[k], VERDICTS[j]] + 0)
		row(line "\t" ac[areas[k]])
	}
	endtable()

	heading(3, "Failures")
	t = 0
	for (i = 1; i <= n; i++) {
		if (rv[g, i] != "FAIL" && rv[g, i] != "TIMEOUT" && rv[g, i] != "NOTRUN") continue
		if (!t++) table("test\tverdict\tengine\treason")
		row(rid[g, i] "\t" rv[g, i] "\t" engine_label(ren[g, i], rek[g, i]) "\t" rwhy[g, i])
	}
	if (t) endtable(); else para("No test failed, timed out or went unrun.")

	heading(3, "Skips by reason")
	for (i = 1; i <= n; i++) {
		if (rv[g, i] != "SKIP") continue
		k = rwhy[g, i] != "" ? rwhy[g, i] : "(no reason given)"
		if (!(k in rc)) { reasons[++nr] = k; rc[k] = 0; rt[k] = "" }
		rc[k]++
		rt[k] = rt[k] (rt[k] != "" ? ", " : "") rid[g, i]
	}
	# most frequent first (insertion sort: a few dozen reasons at most)
	for (i = 1; i <= nr; i++) order[i] = reasons[i]
	for (i = 2; i <= nr; i++)
		for (j = i; j > 1 && rc[order[j]] > rc[order[j - 1]]; j--) { t = order[j]; order[j] = order[j - 1]; order[j - 1] = t }
	if (nr) {
		table("count\treason\ttests")
		for (i = 1; i <= nr; i++) row(rc[order[i]] "\t" order[i] "\t" rt[order[i]])
		endtable()
	} else {
		para("No test skipped.")
	}

	heading(3, "DMA engines")
	for (i = 1; i <= n; i++) {
		if (ren[g, i] == "") continue
		k = engine_label(ren[g, i], rek[g, i])
		if (!(k in es)) { engines[++ne] = k; es[k] = 0 }
		es[k]++
		es[k, rv[g, i]]++
	}
	if (ne) {
		para("Results with kind software come from the CPU walking the translations: they exercise the kernel's IOMMU code, never device DMA.")
		table("engine\ttests\tPASS\tFAIL\tSKIP\tother")
		for (k = 1; k <= ne; k++) {
			t = engines[k]
			row(t "\t" es[t] "\t" (es[t, "PASS"] + 0) "\t" (es[t, "FAIL"] + 0) "\t" (es[t, "SKIP"] + 0) "\t" \
				(es[t] - es[t, "PASS"] - es[t, "FAIL"] - es[t, "SKIP"]))
		}
		endtable()
		if (fmt == "html") print "<details><summary>Every DMA result with its engine</summary>"
		else print "Every DMA result with its engine:\n"
		table("test\tverdict\tengine")
		for (i = 1; i <= n; i++)
			if (ren[g, i] != "") row(rid[g, i] "\t" rv[g, i] "\t" engine_label(ren[g, i], rek[g, i]))
		endtable()
		if (fmt == "html") print "</details>"
	} else {
		para("No test recorded a DMA engine.")
	}

	heading(3, "Metrics")
	t = 0
	for (i = 1; i <= n; i++) {
		if (!nm[g, i]) continue
		t++
		heading(4, rid[g, i])
		para("verdict " rv[g, i] ", engine " engine_label(ren[g, i], rek[g, i]))
		table("metric\tvalue\tunit\trange of the repeats (lo .. hi)")
		for (j = 1; j <= nm[g, i]; j++)
			row(mname[g, i, j] "\t" mval[g, i, j] "\t" munit[g, i, j] "\t" metric_range(mlo[g, i, j], mhi[g, i, j]))
		endtable()
	}
	if (!t) para("No test recorded metrics.")

	heading(3, "Plots")
	t = 0
	while (plots != "" && (getline line < plots) > 0) {
		split(line, f, "\t")
		t++
		if (fmt == "md") {
			printf "![%s](%s)\n\n", esc(f[2]), f[1]
			continue
		}
		print "<figure>"
		inline_svg(f[1])
		print "<figcaption>" esc(f[2]) "</figcaption></figure>"
	}
	if (!t) para(plot_note != "" ? plot_note : "No metric to plot: no throughput by transfer size, no latency percentiles.")
}

# The SVG element of a gnuplot file, without its XML prologue, for inlining.
function inline_svg(file,   line, on) {
	while ((getline line < (outdir "/" file)) > 0) {
		if (line ~ /<svg/) on = 1
		if (on) print line
	}
	close(outdir "/" file)
}

# --- guests side by side -------------------------------------------------------
function overview(   i, j, k, g, r, line, key, nkeys, keys, val) {
	heading(2, "Guests side by side")
	line = "guest\tplatform\tkernel"
	for (j = 1; j <= nv; j++) line = line "\t" VERDICTS[j]
	table(line "\ttotal")
	for (i = 1; i <= ng; i++) {
		g = guests[i]
		line = g "\t" runf[g, "platform"] "\t" runf[g, "kernel"]
		for (j = 1; j <= nv; j++) line = line "\t" (count[g, VERDICTS[j]] + 0)
		row(line "\t" nrec[g])
	}
	endtable()

	# throughput and latency figures, one row per (test, metric)
	for (i = 1; i <= ng; i++) {
		g = guests[i]
		for (r = 1; r <= nrec[g]; r++)
			for (j = 1; j <= nm[g, r]; j++) {
				if (!unit_sense(munit[g, r, j])) continue
				key = rid[g, r] "\t" mname[g, r, j] "\t" munit[g, r, j]
				if (!(key in val)) { keys[++nkeys] = key; val[key] = 1 }
				val[key, g] = mval[g, r, j] (mlo[g, r, j] != "" ? " (" metric_range(mlo[g, r, j], mhi[g, r, j]) ")" : "")
			}
	}
	if (!nkeys) return
	heading(3, "Throughput and latency by guest")
	line = "test\tmetric\tunit"
	for (i = 1; i <= ng; i++) line = line "\t" guests[i]
	table(line)
	for (k = 1; k <= nkeys; k++) {
		line = keys[k]
		for (i = 1; i <= ng; i++) line = line "\t" ((keys[k], guests[i]) in val ? val[keys[k], guests[i]] : "-")
		row(line)
	}
	endtable()
}
