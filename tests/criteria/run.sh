#!/bin/sh
# run.sh - each criterion of the knowledge base at its threshold boundary,
# with textbook values in the units labs send (boundaries.tsv).  For every
# row a case with that one result is evaluated and the item's "met" is
# compared with the expectation.
#   PARANEO=build/paraneo tests/criteria/run.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
paraneo=${PARANEO:-build/paraneo}
pass=0; fail=0
while IFS='	' read -r set item sex lab value unit want extra; do
    case "$set" in '#'*|'') continue;; esac
    key=loinc; case "$lab" in *[!0-9-]*) key=name;; esac
    labs="{\"$key\": \"$lab\", \"value\": $value, \"unit\": \"$unit\", \"date\": \"2026-03-01\"}"
    [ -n "${extra:-}" ] && labs="$labs, $(printf '%s' "$extra" | sed 's/}$/, "date": "2026-03-01"}/')"
    sx=""; [ "$sex" != "-" ] && sx=", \"sex\": \"$sex\""
    doc="{\"paraneo\": \"case/1\", \"as_of\": \"2026-03-02\", \"patient\": {\"age_years\": 60$sx}, \"labs\": [$labs]}"
    got=$(printf '%s' "$doc" | "$paraneo" evaluate --format json - 2>/dev/null |
          jq -r --arg s "$set" --arg i "$item" '[.criteria[] | select(.id == $s) | .items[] | select(.id == $i) | .met] | if length == 0 then "absent" else (.[0] | tostring) end')
    if [ "$got" = "$want" ]; then pass=$((pass+1)); else
        fail=$((fail+1)); echo "not ok - $set/$item at $value $unit${sex:+ ($sex)}: want $want, got $got"; fi
done < "$here/boundaries.tsv"
echo "criteria: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
