# Splits the head report's findings at or above fail-on (rank $t) by whether the base
# report ($base) already had them: the same purl, decided no better there.
# Prints "HITS OLD", or with $table a markdown table of the old ones (at most 50 rows).
def rank: {"allow": 0, "warn": 1, "quarantine": 2, "deny": 3, "error": 4}[.] // 4;
([$base[0].decisions[]? | {purl: .package.purl, d: .decision, r: (.decision | rank)}]
  | group_by(.purl) | map(max_by(.r) | {key: .purl, value: .}) | from_entries) as $b
| [.decisions[] | select((.decision | rank) >= $t)] as $hits
| [$hits[] | select((.decision | rank) <= ($b[.package.purl].r // -1))] as $old
| if $table then
    "| package | decision | on the base | rules |",
    "|---|---|---|---|",
    ($old[:50][] | "| `\(.package.purl)` | \(.decision) | \($b[.package.purl].d) | \([.findings[]?.rule] | unique | join(", ")) |")
  else
    "\($hits | length) \($old | length)"
  end
