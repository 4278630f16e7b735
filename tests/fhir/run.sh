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
# one fixture with every resource type and code system the reader covers
fx="$here/fixtures/all-resources.bundle.json"
n=$("$p" case check "$fx" 2>/dev/null)
check() { printf '%s' "$n" | jq -e "$2" >/dev/null && ok "fixture: $1" || no "fixture: $1"; }
check "Patient birthDate and gender" '.patient.age_years == 64 and .patient.sex == "female"'
check "Bundle timestamp gives as_of" '.as_of == "2026-06-01"'
check "LOINC lab in UCUM" '[.labs[] | select(.lab == "sodium")][0].canonical_value == 121'
check "entered-in-error Observation ignored" '[.labs[] | select(.lab == "sodium")] | length == 1'
check "antibody by LOINC with method text" '[.antibodies[] | select(.antibody == "Ma2")][0] | .result == "positive" and .method == "cba"'
check "antibody by text, CSF, value string" '[.antibodies[] | select(.antibody == "Yo")][0] | .result == "negative" and .specimen == "csf"'
check "HPO-coded finding with valueBoolean and onset" '[.findings[] | select(.hpo == "HP:0001251")][0] | .present and .onset == "2026-04-20"'
check "LOINC answer LA9634-2 = absent" '[.findings[] | select(.hpo == "HP:0010543")][0].present == false'
check "smoking by LOINC 72166-2 and SNOMED answer" '.patient.smoking == "former"'
check "SNOMED CT cancer" '[.cancers[] | select(.tumour == "sclc")][0] | .status == "active" and .diagnosed == "2026-05-20"'
check "ICD-10-CM cancer, resolved = history" '[.cancers[] | select(.tumour == "breast")][0].status == "history"'
check "entered-in-error and refuted Conditions ignored" '[.cancers[] | select(.tumour == "prostate" or .tumour == "ovary")] | length == 0'
check "encounter-diagnosis names a phenotype" '.phenotypes == ["limbic-encephalitis"]'
check "MedicationRequest with ATC" '[.medications[] | select(.atc == "L01FF02")][0] | .start == "2026-02-01" and (.classes | index("checkpoint-inhibitor"))'
check "MedicationStatement with RxNorm display" '[.medications[] | select(.name == "hydrochlorothiazide")][0].classes | index("thiazide")'
check "Procedure chemotherapy with period" '.treatments[0] | .kind == "chemotherapy" and .end == "2015-09-01"'
check "Procedure screening outcome" '.tumor_screening | .result == "negative" and .first_negative == "2026-05-02"'
nd=$("$p" case check "$here/fixtures/all-resources.ndjson" 2>/dev/null | jq -c '[.patient.sex, (.antibodies | length), (.cancers | length), .tumor_screening.result]')
[ "$nd" = '["female",2,2,"negative"]' ] && ok "NDJSON of the same resources" || no "NDJSON of the same resources: $nd"

# FHIR output
c="$top/../shared/examples/01-sensory-neuronopathy.case.json"
o1=$("$p" evaluate --format fhir "$c"); o2=$("$p" evaluate --format fhir "$c")
[ "$o1" = "$o2" ] && ok "fhir output ids stable" || no "fhir output ids stable"
printf '%s' "$o1" | jq -e '.resourceType == "Bundle" and .type == "collection" and ([.entry[].resource.resourceType] | index("RiskAssessment") != null) and ([.entry[].resource.resourceType] | index("ServiceRequest") != null) and all(.entry[]; .fullUrl == "urn:uuid:" + .resource.id)' >/dev/null && ok "fhir output bundle shape" || no "fhir output bundle shape"
printf '%s' "$o1" | jq -e '[.entry[].resource | select(.resourceType == "ServiceRequest") | .status == "draft" and .intent == "proposal"] | all' >/dev/null && ok "service requests are draft proposals" || no "service requests are draft proposals"
printf '%s' "$o1" | jq -e '[.entry[].resource | select(.resourceType == "Observation")][0].valueInteger == 7' >/dev/null && ok "PNS-Care observation carries the score" || no "PNS-Care observation carries the score"
# output from FHIR input points back at the input: subject and basis
fb=$("$p" evaluate --format fhir "$top/../shared/examples/01-sensory-neuronopathy.fhir.json")
printf '%s' "$fb" | jq -e '.entry[0].resource | (.subject.reference | startswith("urn:uuid:")) and (.basis | length) > 10' >/dev/null \
    && ok "RiskAssessment subject and basis reference the input resources" || no "RiskAssessment subject and basis reference the input resources"
echo "fhir: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
