# SPDX-License-Identifier: GPL-2.0-only
# Flatten a JSON document into "path<TAB>value" lines, one per scalar:
#   {"jobs":[{"jobname":"read-4k","read":{"bw_bytes":123}}]}
#   -> jobs.0.jobname<TAB>read-4k
#      jobs.0.read.bw_bytes<TAB>123
# Keys are joined with '.', array elements numbered from 0; strings lose their
# quotes (escapes other than \" and \\ are kept as written). Enough for fio's
# JSON output, which the perf runner reads with it; anything before the first
# '{' (fio prints notes there) is skipped.
# Usage: awk -f json-flat.awk FILE
BEGIN { depth = 0; started = 0 }
{ buf = buf $0 "\n" }
END {
	n = length(buf); i = 1
	while (i <= n) {
		c = substr(buf, i, 1)
		if (!started) { if (c == "{") started = 1; else { i++; continue } }
		if (c == "{" || c == "[") {
			depth++; kind[depth] = c; idx[depth] = 0; key[depth] = ""
			i++; continue
		}
		if (c == "}" || c == "]") { depth--; i++; continue }
		if (c == ",") { if (kind[depth] == "[") idx[depth]++; i++; continue }
		if (c == "\"") {
			j = i + 1; s = ""
			while (j <= n) {
				d = substr(buf, j, 1)
				if (d == "\\") { e = substr(buf, j + 1, 1); s = s ((e == "\"" || e == "\\") ? e : d e); j += 2; continue }
				if (d == "\"") break
				s = s d; j++
			}
			i = j + 1
			# A string followed by ':' is a key.
			while (i <= n && substr(buf, i, 1) ~ /[ \t\r\n]/) i++
			if (kind[depth] == "{" && substr(buf, i, 1) == ":") { key[depth] = s; i++; continue }
			emit(s); continue
		}
		if (c ~ /[-0-9tfn]/) {
			j = i
			while (j <= n && substr(buf, j, 1) ~ /[-+0-9.eEtruefalsn]/) j++
			emit(substr(buf, i, j - i)); i = j; continue
		}
		i++
	}
}
function path(   p, k) {
	p = ""
	for (k = 1; k <= depth; k++) {
		if (kind[k] == "[") p = p (p == "" ? "" : ".") idx[k]
		else if (key[k] != "" || k < depth) p = p (p == "" ? "" : ".") key[k]
	}
	return p
}
function emit(v) { printf "%s\t%s\n", path(), v }
