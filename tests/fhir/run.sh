#!/bin/sh
# run.sh - FHIR R4 in and out:
#   - every ../shared/examples/*.fhir.json gives the same differential, PNS-Care,
#     suspected cancers and triage as its native case file;
#   - bad FHIR input (bad/*.json) gives the exact error of bad/expected.tsv, exit 2;
#   - unmapped codes are reported with counts;
#   - --format fhir writes a collection Bundle whose ids are stable.
#   PARANEO=build/paraneo tests/fhir/run.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
p=${PARANEO:-$top/build/paraneo}
pass=0; fail=0
ok() { pass=$((pass+1)); echo "ok - $1"; }
no() { fail=$((fail+1)); echo "not ok - $1"; }
summary='[.differential[] | [.id, .score]], .pns_care.applicable, .pns_care.score, .pns_care.level, [.suspected_cancers[].icd10], .triage.level'
for fh in "$top"/../shared/examples/*.fhir.json; do
    native="${fh%.fhir.json}.case.json"
    a=$("$p" evaluate --format json "$native" | jq -c "$summary")
    b=$("$p" evaluate --format json "$fh" | jq -c "$summary")
    [ "$a" = "$b" ] && ok "equivalent: $(basename "$fh")" || no "equivalent: $(basename "$fh"): native $a, fhir $b"
done
while IFS='	' read -r f want; do
    got=$(cd "$top" && "$p" evaluate --input fhir --format json "tests/fhir/bad/$f" 2>&1 >/dev/null); rc=$?
    want=$(printf '%s' "$want" | sed "s|tests/fhir/bad/$f|tests/fhir/bad/$f|")
    [ "$rc" -eq 2 ] && [ "$got" = "$want" ] && ok "bad FHIR $f" || no "bad FHIR $f: exit $rc, got: $got"
done < "$here/bad/expected.tsv"
# unmapped codes are counted, not dropped
doc='{"resourceType":"Bundle","type":"collection","timestamp":"2026-03-01T00:00:00Z","entry":[
 {"resource":{"resourceType":"Patient","gender":"female","birthDate":"1960-01-01"}},
 {"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"1234-5"}]},"valueQuantity":{"value":3,"code":"mg/dL"}}},
 {"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"1234-5"}]},"valueQuantity":{"value":4,"code":"mg/dL"}}},
 {"resource":{"resourceType":"Condition","code":{"coding":[{"system":"http://example.org/x","code":"Q"}]}}},
 {"resource":{"resourceType":"Encounter","status":"finished"}}]}'
w=$(printf '%s' "$doc" | "$p" case check - 2>&1 >/dev/null)
printf '%s' "$w" | grep -q 'unmapped Observation lab: http://loinc.org|1234-5 .*: 2 times' && ok "unmapped LOINC counted" || no "unmapped LOINC counted: $w"
printf '%s' "$w" | grep -q 'unmapped Condition: http://example.org/x|Q' && ok "unknown code system reported" || no "unknown code system reported"
printf '%s' "$w" | grep -q '1 Encounter resource not used' && ok "unused resource types counted" || no "unused resource types counted"
# FHIR output
c="$top/../shared/examples/01-sensory-neuronopathy.case.json"
o1=$("$p" evaluate --format fhir "$c"); o2=$("$p" evaluate --format fhir "$c")
[ "$o1" = "$o2" ] && ok "fhir output ids stable" || no "fhir output ids stable"
printf '%s' "$o1" | jq -e '.resourceType == "Bundle" and .type == "collection" and ([.entry[].resource.resourceType] | index("RiskAssessment") != null) and ([.entry[].resource.resourceType] | index("ServiceRequest") != null) and all(.entry[]; .fullUrl == "urn:uuid:" + .resource.id)' >/dev/null && ok "fhir output bundle shape" || no "fhir output bundle shape"
printf '%s' "$o1" | jq -e '[.entry[].resource | select(.resourceType == "ServiceRequest") | .status == "draft" and .intent == "proposal"] | all' >/dev/null && ok "service requests are draft proposals" || no "service requests are draft proposals"
printf '%s' "$o1" | jq -e '[.entry[].resource | select(.resourceType == "Observation")][0].valueInteger == 7' >/dev/null && ok "PNS-Care observation carries the score" || no "PNS-Care observation carries the score"
echo "fhir: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
