#!/bin/sh
# tests/server/run.sh - the service over real HTTP on 127.0.0.1: every route,
# every error code, CDS Hooks with JWTs signed by test keys, a FHIR server
# stand-in for prefetch-less calls, API keys, graceful stop, and a kill -9
# during a stream of writes.
#   PARANEO=build/paraneo JWT_TOOL=build/tests/jwt_tool tests/server/run.sh
set -u
PARANEO=${PARANEO:-build/paraneo}
JWT_TOOL=${JWT_TOOL:-build/tests/jwt_tool}
EX=${EXAMPLES:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/examples}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
OUT=${TEST_OUTPUT:-build/test-output}
mkdir -p "$OUT"
pass=0
fail=0
PIDS=""
cleanup() { for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT INT TERM

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { # check NAME COMMAND...
    name=$1; shift
    if "$@" >/dev/null 2>&1; then ok; else bad "$name"; fi
}

# start NAME ARGS...: starts a server on a free port, sets URL and PID.
start() {
    log=$T/$1.log; shift
    : > "$log"
    "$PARANEO" serve --listen 127.0.0.1:0 "$@" 2>"$log" &
    PID=$!
    PIDS="$PIDS $PID"
    URL=""
    i=0
    while [ $i -lt 100 ]; do
        URL=$(sed -n 's/^paraneo: listening on \(http[^ ]*\)$/\1/p' "$log" | head -n 1)
        [ -n "$URL" ] && break
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1; i=$((i + 1))
    done
    if [ -z "$URL" ]; then echo "server did not start:" >&2; cat "$log" >&2; exit 1; fi
}

# req METHOD PATH [curl args...]: status in $S, body in $T/body, headers in $T/hdr.
req() {
    m=$1; p=$2; shift 2
    S=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$m" "$@" "${URL%/}$p")
}
hdr() { tr -d '\r' < "$T/hdr" | sed -n "s/^$1: //Ip" | head -n 1; }
is() { # is NAME WANT-STATUS [jq-filter]
    name=$1; want=$2
    if [ "$S" != "$want" ]; then bad "$name: status $S, want $want ($(head -c 300 "$T/body"))"; return; fi
    if [ $# -ge 3 ] && ! jq -e "$3" "$T/body" >/dev/null 2>&1; then
        bad "$name: $3 does not hold on $(head -c 300 "$T/body")"; return
    fi
    ok
}
problem() { # problem NAME STATUS: an RFC 9457 document with that status
    is "$1" "$2" ".status == $2 and (.type|type) == \"string\" and (.title|type) == \"string\""
    case "$(hdr content-type)" in application/problem+json*) ok ;; *) bad "$1: content-type $(hdr content-type)" ;; esac
}

# ---- keys, tokens, config ---------------------------------------------------
"$JWT_TOOL" keygen ec "$T/ec.pem" && "$JWT_TOOL" keygen rsa "$T/rsa.pem" &&
    "$JWT_TOOL" keygen ec "$T/other.pem" || { echo "jwt_tool failed" >&2; exit 1; }
"$JWT_TOOL" jwks "$T/ec.pem" ec-1 > "$T/ec.jwks"
"$JWT_TOOL" jwks "$T/rsa.pem" rsa-1 > "$T/rsa.jwks"
jq -s '{keys: (.[0].keys + .[1].keys)}' "$T/ec.jwks" "$T/rsa.jwks" > "$T/ehr.jwks"
cat > "$T/config.json" <<EOF
{"db": "$T/main.db", "max_body_bytes": 2000000,
 "auth": {"clients": [{"iss": "https://ehr.test", "jwks_file": "ehr.jwks"}]}}
EOF
start main --config "$T/config.json"
SVC="${URL}cds-services/paraneo-patient-view"
# token ALG KEY [claim overrides as jq assignments]
token() {
    alg=$1; key=$2; extra=${3:-.}
    jti=$(cat /proc/sys/kernel/random/uuid)
    jq -n --arg aud "$SVC" --arg jti "$jti" \
        '{iss: "https://ehr.test", sub: "client", aud: $aud, exp: "+300", iat: "-5", jti: $jti}' |
        jq "$extra" > "$T/claims.json"
    kid=ec-1; [ "$key" = rsa ] && kid=rsa-1
    "$JWT_TOOL" sign "$T/$key.pem" "$kid" "$alg" "$T/claims.json"
}

# ---- web page and meta --------------------------------------------------------
req GET /healthz; is "healthz" 200 '.status == "ok" and (.kb.digest|startswith("sha256:"))'
req GET /; is "index" 200
case "$(hdr content-type)" in text/html*) ok ;; *) bad "index content-type" ;; esac
req GET /patient; is "patient page" 200
req GET /static/app.js; is "static js" 200
req GET /static/..%2Fopenapi.json; problem "static traversal" 404
req GET /static/nope.js; problem "static missing" 404
req HEAD /healthz; is "HEAD" 200
req GET /openapi.json; is "openapi" 200 '.openapi | startswith("3.")'
# The OpenAPI document and the route table describe the same routes.
jq -r '.paths | to_entries[] | .key as $p | .value | keys[] | "\(ascii_upcase) \($p)"' "$T/body" | sort > "$T/api-routes"
sed -n 's/^ *{"\([A-Z]*\)", "\([^"]*\)", pn__h_.*/\1 \2/p' "$HERE/../../src/server/routes.c" | sort > "$T/code-routes"
if cmp -s "$T/api-routes" "$T/code-routes"; then ok; else bad "openapi paths differ from routes.c: $(diff "$T/api-routes" "$T/code-routes" | tr '\n' ' ')"; fi

# ---- REST ---------------------------------------------------------------------
req POST /v1/evaluate -H 'Content-Type: application/json' --data-binary @"$EX/01-sensory-neuronopathy.case.json"
is "evaluate case" 200 '.paraneo == "report/1" and .differential[0].id == "sensory-neuronopathy"'
LOC=$(hdr location)
case "$LOC" in /v1/evaluations/*) ok ;; *) bad "evaluate Location: '$LOC'" ;; esac
req GET "$LOC"; is "get evaluation" 200 '.report.differential[0].id == "sensory-neuronopathy" and (.case_digest|startswith("sha256:")) and (has("case")|not)'
req POST /v1/evaluate -H 'Content-Type: application/fhir+json' --data-binary @"$EX/01-sensory-neuronopathy.fhir.json"
is "evaluate FHIR" 200 '.differential[0].id == "sensory-neuronopathy"'
req POST '/v1/evaluate?format=fhir' -H 'Content-Type: application/fhir+json' --data-binary @"$EX/01-sensory-neuronopathy.fhir.json"
is "evaluate FHIR out" 200 '.resourceType == "Bundle" and ([.entry[].resource.resourceType] | index("RiskAssessment") != null)'
case "$(hdr content-type)" in application/fhir+json*) ok ;; *) bad "fhir content-type" ;; esac
req POST '/v1/evaluate?format=xml' -H 'Content-Type: application/json' --data-binary @"$EX/01-sensory-neuronopathy.case.json"
problem "bad format" 400; is "bad format path" 400 '.errors[0].path == "query.format"'
req POST /v1/evaluate -H 'Content-Type: application/json' --data-binary '{"paraneo": "case/1", '
problem "broken JSON" 400; is "broken JSON path" 400 '.errors[0].path | startswith("$")'
jq '.labs[0].value = "high"' "$EX/01-sensory-neuronopathy.case.json" > "$T/badlab.json"
req POST /v1/evaluate -H 'Content-Type: application/json' --data-binary @"$T/badlab.json"
problem "bad lab value" 400; is "bad lab path" 400 '.errors[0].path == "$.labs[0].value"'
req POST /v1/evaluate -H 'Content-Type: application/json'
problem "empty body" 400
req POST /v1/evaluate -H 'Content-Type: text/plain' --data-binary @"$EX/01-sensory-neuronopathy.case.json"
problem "text/plain" 415
req POST /v1/evaluate --data-binary @"$EX/01-sensory-neuronopathy.case.json" -H 'Content-Type:'
problem "no content type" 415
head -c 3000000 /dev/zero | tr '\0' ' ' > "$T/big.json"
req POST /v1/evaluate -H 'Content-Type: application/json' --data-binary @"$T/big.json"
problem "too large" 413
req GET /v1/evaluate; problem "GET evaluate" 405
[ "$(hdr allow)" = "POST" ] && ok || bad "Allow header: $(hdr allow)"
req DELETE /healthz; problem "DELETE healthz" 405
req GET /nowhere; problem "unknown path" 404
req GET /v1/evaluations/00000000-0000-4000-8000-000000000000; problem "unknown evaluation" 404
req GET "/v1/evaluations/x'%20OR%201=1"; problem "odd evaluation id" 404
req GET /v1/syndromes; is "syndromes" 200 '(.syndromes | length) >= 51 and (.syndromes | map(.id) | index("lambert-eaton") != null)'
req GET /v1/syndromes/sensory-neuronopathy; is "one syndrome" 200 '.id == "sensory-neuronopathy" and (.references | length) > 0'
req GET /v1/syndromes/no-such-thing; problem "unknown syndrome" 404
req GET /v1/vocabulary; is "vocabulary" 200 '(.terms|length) > 100 and (.labs[0].units|length) >= 1 and (.antibodies|length) > 20'
req GET '/v1/followups?due=2040-01-01'; is "followups" 200 "[.followups[].evaluation] | index(\"${LOC##*/}\") != null"
req GET '/v1/followups?due=2000-01-01'; is "followups none due" 200 '.followups == []'
req GET '/v1/followups?due=2026-02-30'; problem "followups bad date" 400
is "followups bad date path" 400 '.errors[0].path == "query.due"'
req GET /v1/followups; is "followups today" 200 '.followups | type == "array"'

# ---- CDS Hooks ------------------------------------------------------------------
req GET /cds-services; is "discovery" 200 '.services[0].id == "paraneo-patient-view" and .services[0].hook == "patient-view" and (.services[0].prefetch | has("patient") and has("observations") and has("conditions") and has("medications"))'
# The example's patient as an EHR holds it: Patient/pat-01, references by id.
jq '(.entry[] | select(.resource.resourceType == "Patient") | .resource.id) = "pat-01"
    | .entry |= map(.fullUrl = "http://ehr.test/fhir/\(.resource.resourceType)/\(.resource.id // "x")")
    | (.. | objects | select(has("reference")) | select(.reference | startswith("urn:uuid:"))) |= (.reference = "Patient/pat-01")' \
    "$EX/01-sensory-neuronopathy.fhir.json" > "$T/pat.json"
# A patient-view request shaped like the specification's example, with prefetch.
jq '{hookInstance: "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", hook: "patient-view",
     context: {userId: "Practitioner/example", patientId: "pat-01"},
     prefetch: {patient: (.entry[] | select(.resource.resourceType == "Patient") | .resource),
                observations: {resourceType: "Bundle", type: "searchset", entry: [.entry[] | select(.resource.resourceType == "Observation")]},
                conditions: {resourceType: "Bundle", type: "searchset", entry: [.entry[] | select(.resource.resourceType == "Condition")]},
                medications: {resourceType: "Bundle", type: "searchset", entry: [.entry[] | select(.resource.resourceType == "MedicationStatement")]}}}' \
    "$T/pat.json" > "$T/hook.json"
cds() { # cds TOKEN [FILE]
    req POST /cds-services/paraneo-patient-view -H 'Content-Type: application/json' \
        ${1:+-H "Authorization: Bearer $1"} --data-binary @"${2:-$T/hook.json}"
}
cds ""; problem "cds without token" 401
[ -n "$(hdr www-authenticate)" ] && ok || bad "401 without WWW-Authenticate"
cds "$(token ES384 ec)"
is "cds ES384" 200 '(.cards | length) == 1 and (.cards[0].summary | length) <= 140 and (.cards[0].indicator | IN("info", "warning", "critical")) and (.cards[0].source.label | length) > 0 and (.cards[0].detail | test("PNS-Care"))'
is "cds card names the syndrome" 200 '.cards[0].summary | test("neuronopathy")'
is "cds suggestions create ServiceRequests" 200 '.cards[0].selectionBehavior == "any" and ([.cards[0].suggestions[].actions[] | select(.type == "create" and .resource.resourceType == "ServiceRequest" and .resource.subject.reference == "Patient/pat-01")] | length) >= 1'
is "cds card links" 200 '.cards[0].links[0].type == "absolute" and (.cards[0].uuid | length) > 0'
cp "$T/body" "$OUT/cds-response.json"
CARD=$(jq -r '.cards[0].uuid' "$T/body")
cds "$(token RS384 rsa)"; is "cds RS384" 200 '.cards | length == 1'
cds "$(token none ec)"; problem "alg none" 401
cds "$(token HS256 ec)"; problem "alg HS256" 401
cds "$(token ES384 ec '.exp = "-60"')"; problem "expired" 401
cds "$(token ES384 ec '.aud = "https://elsewhere.test/cds-services/paraneo-patient-view"')"; problem "wrong aud" 401
cds "$(token ES384 ec '.iss = "https://unknown.test"')"; problem "unknown iss" 401
TOK=$(token ES384 ec)
cds "$TOK"; is "first use" 200
cds "$TOK"; problem "replayed jti" 401
"$JWT_TOOL" sign "$T/other.pem" ec-1 ES384 "$T/claims.json" > "$T/forged"
cds "$(cat "$T/forged")"; problem "wrong key" 401
cds "not.a.jwt"; problem "garbage token" 401
# No prefetch and no fhirServer: 412, as the specification says.
jq 'del(.prefetch)' "$T/hook.json" > "$T/hook-nopre.json"
cds "$(token ES384 ec)" "$T/hook-nopre.json"; problem "no prefetch, no fhirServer" 412
# No prefetch, but a FHIR server: the service reads the patient itself.
mkdir -p "$T/fhir"
node "$HERE/mock-fhir.mjs" "$T/pat.json" "$T/fhir/port" "$T/fhir/auth" &
PIDS="$PIDS $!"
i=0; while [ ! -s "$T/fhir/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
jq --arg s "http://127.0.0.1:$(cat "$T/fhir/port")/fhir" '.fhirServer = $s | .fhirAuthorization = {access_token: "opaque-token-123", token_type: "Bearer", expires_in: 300, scope: "patient/*.read", subject: "paraneo"}' "$T/hook-nopre.json" > "$T/hook-fetch.json"
cds "$(token ES384 ec)" "$T/hook-fetch.json"; is "cds fetches from fhirServer" 200 '.cards | length == 1'
grep -q 'Bearer opaque-token-123' "$T/fhir/auth" && ok || bad "fhirAuthorization token not sent to the FHIR server"
jq '.fhirServer = "http://127.0.0.1:1/fhir"' "$T/hook-fetch.json" > "$T/hook-down.json"
cds "$(token ES384 ec)" "$T/hook-down.json"; problem "fhirServer down" 502
# Nothing suspected: no card.
jq '.prefetch.observations.entry = [] | .prefetch.conditions.entry = [] | .prefetch.medications.entry = []' "$T/hook.json" > "$T/hook-empty.json"
cds "$(token ES384 ec)" "$T/hook-empty.json"; is "nothing suspected, no card" 200 '.cards == []'
jq '.hook = "order-sign"' "$T/hook.json" > "$T/hook-wrong.json"
cds "$(token ES384 ec)" "$T/hook-wrong.json"; problem "wrong hook" 400
is "wrong hook path" 400 '.errors[0].path == "$.hook"'
jq 'del(.context.patientId)' "$T/hook.json" > "$T/hook-nopat.json"
cds "$(token ES384 ec)" "$T/hook-nopat.json"; is "no patientId" 400 '.errors[0].path == "$.context.patientId"'
req POST /cds-services/other-service -H 'Content-Type: application/json' --data-binary @"$T/hook.json"
problem "unknown service" 404

# order-select: the same patient while orders are being selected.  A card only
# when none of the draft orders screens for a tumour.
OSVC="${URL}cds-services/paraneo-order-select"
osel() { # osel FILE [TOKEN]: POST to the order-select service with a token for its URL
    req POST /cds-services/paraneo-order-select -H 'Content-Type: application/json' \
        -H "Authorization: Bearer ${2:-$(token ES384 ec ".aud = \"$OSVC\"")}" --data-binary @"$1"
}
req GET /cds-services; is "discovery lists order-select" 200 '[.services[] | select(.id == "paraneo-order-select" and .hook == "order-select" and (.prefetch | has("patient")))] | length == 1'
jq '.hook = "order-select" | .hookInstance = "0f6a4f4e-8f0e-4a55-9d2c-1b0a8c8d2e11"
    | .context.selections = ["MedicationRequest/draft-1"]
    | .context.draftOrders = {resourceType: "Bundle", type: "collection", entry: [
        {resource: {resourceType: "MedicationRequest", id: "draft-1", status: "draft", intent: "proposal",
                    medicationCodeableConcept: {text: "Gabapentin 300 mg capsule"}, subject: {reference: "Patient/pat-01"}}}]}' \
    "$T/hook.json" > "$T/order.json"
osel "$T/order.json"
is "order-select: no screening ordered, one card" 200 '(.cards | length) == 1 and (.cards[0].summary | test("no tumour screening")) and (.cards[0].summary | length) <= 140'
is "order-select: suggestions create the workup" 200 '[.cards[0].suggestions[].actions[] | select(.type == "create" and .resource.resourceType == "ServiceRequest")] | length >= 1'
jq '.context.draftOrders.entry += [{resource: {resourceType: "ServiceRequest", id: "draft-2", status: "draft", intent: "order",
        code: {coding: [{system: "http://loinc.org", code: "24627-2", display: "CT Chest"}]}, subject: {reference: "Patient/pat-01"}}}]
    | .context.selections += ["ServiceRequest/draft-2"]' "$T/order.json" > "$T/order-ct.json"
osel "$T/order-ct.json"; is "order-select: a CT among the orders, no card" 200 '.cards == []'
osel "$T/hook.json"; problem "patient-view request to order-select" 400
is "order-select wrong hook path" 400 '.errors[0].path == "$.hook"'
jq 'del(.context.draftOrders)' "$T/order.json" > "$T/order-nodraft.json"
osel "$T/order-nodraft.json"; is "order-select without draftOrders" 400 '.errors[0].path == "$.context.draftOrders"'
jq '.context.selections = "MedicationRequest/draft-1"' "$T/order.json" > "$T/order-badsel.json"
osel "$T/order-badsel.json"; is "order-select selections not an array" 400 '.errors[0].path == "$.context.selections"'
osel "$T/order.json" "$(token ES384 ec)"; problem "order-select with a token for the other service" 401
printf '{"feedback": [{"card": "%s", "outcome": "accepted", "acceptedSuggestions": [], "outcomeTimestamp": "2026-11-25T10:00:00Z"}]}' "$CARD" > "$T/fb.json"
req POST /cds-services/paraneo-patient-view/feedback -H 'Content-Type: application/json' -H "Authorization: Bearer $(token ES384 ec)" --data-binary @"$T/fb.json"
is "feedback" 200
req POST /cds-services/paraneo-patient-view/feedback -H 'Content-Type: application/json' -H "Authorization: Bearer $(token ES384 ec)" --data-binary '{"feedback": [{"outcome": "maybe"}]}'
problem "bad feedback" 400
req POST /cds-services/paraneo-patient-view/feedback -H 'Content-Type: application/json' --data-binary @"$T/fb.json"
problem "feedback without token" 401

# Keep-alive: two requests on one connection.
curl -sv "${URL}healthz" "${URL}healthz" -o /dev/null -o /dev/null 2>"$T/ka"
grep -qi 're-using existing connection\|reusing existing connection' "$T/ka" && ok || bad "keep-alive not kept"

# The access log holds no patient data.
grep -q '"route":"/v1/evaluate"' "$T/main.log" && ok || bad "no access log line"
if grep -q 'pat-01\|sensory\|Hu\b\|2026-08-20' "$T/main.log"; then bad "patient data in the access log"; else ok; fi

# Graceful stop: SIGTERM, exit 0, store clean.
kill -TERM "$PID"; wait "$PID"; rc=$?
[ $rc -eq 0 ] && ok || bad "SIGTERM exit status $rc"
grep -q 'paraneo: stopped' "$T/main.log" && ok || bad "no 'stopped' line"
check "db check after stop" "$PARANEO" db check "$T/main.db"

# ---- API keys ---------------------------------------------------------------------
K1=key-evaluate-$$; K2=key-read-$$
h1=$(printf %s "$K1" | sha256sum | cut -d' ' -f1); h2=$(printf %s "$K2" | sha256sum | cut -d' ' -f1)
printf '{"api_keys": [{"name": "a", "sha256": "%s", "scopes": ["evaluate", "read"]}, {"name": "r", "sha256": "%s", "scopes": ["read"]}]}' "$h1" "$h2" > "$T/keys.json"
start keys --db "$T/keys.db" --config "$T/keys.json" --no-access-log
req POST /v1/evaluate -H 'Content-Type: application/json' --data-binary @"$EX/01-sensory-neuronopathy.case.json"
problem "no key" 401
req POST /v1/evaluate -H 'Content-Type: application/json' -H "Authorization: Bearer wrong" --data-binary @"$EX/01-sensory-neuronopathy.case.json"
problem "unknown key" 401
req POST /v1/evaluate -H 'Content-Type: application/json' -H "Authorization: Bearer $K2" --data-binary @"$EX/01-sensory-neuronopathy.case.json"
problem "read-only key evaluating" 403
req POST /v1/evaluate -H 'Content-Type: application/json' -H "Authorization: Bearer $K1" --data-binary @"$EX/01-sensory-neuronopathy.case.json"
is "good key" 200
req GET "$(hdr location)" -H "Authorization: Bearer $K2"; is "read key reads" 200
req GET /v1/syndromes; is "KB is public" 200
kill -TERM "$PID"; wait "$PID" 2>/dev/null

# --store-cases keeps the raw case next to its report (off by default, above).
start cases --db "$T/cases.db" --store-cases --no-access-log
req POST /v1/evaluate -H 'Content-Type: application/json' --data-binary @"$EX/04-thiazide-hyponatremia.case.json"
req GET "$(hdr location)"; is "--store-cases keeps the case" 200 '.case.id == "04-thiazide-hyponatremia"'
kill -TERM "$PID"; wait "$PID" 2>/dev/null

# Bad settings are refused with the field named.
echo '{"listen": 8080}' > "$T/badconf.json"
"$PARANEO" serve --config "$T/badconf.json" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q 'listen' "$T/err" && ok || bad "bad config: rc $rc $(cat "$T/err")"
"$PARANEO" serve --listen nowhere 2>"$T/err"; [ $? -eq 2 ] && ok || bad "bad --listen"

# ---- kill -9 during a stream of writes ------------------------------------------
start crash --db "$T/crash.db" --no-access-log
: > "$T/acked"
(
    while :; do
        loc=$(curl -s -o /dev/null -D - -H 'Content-Type: application/json' \
            --data-binary @"$EX/02-lems-delta-p.case.json" "${URL}v1/evaluate" |
            tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
        [ -n "$loc" ] && echo "$loc" >> "$T/acked"
    done
) &
W1=$!
(
    while :; do
        loc=$(curl -s -o /dev/null -D - -H 'Content-Type: application/json' \
            --data-binary @"$EX/07-ectopic-acth.case.json" "${URL}v1/evaluate" |
            tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
        [ -n "$loc" ] && echo "$loc" >> "$T/acked"
    done
) &
W2=$!
sleep 3
kill -9 "$PID"
kill "$W1" "$W2" 2>/dev/null; wait "$W1" "$W2" 2>/dev/null
n=$(wc -l < "$T/acked")
[ "$n" -gt 10 ] && ok || bad "only $n evaluations acknowledged before the kill"
check "db check after kill -9" "$PARANEO" db check "$T/crash.db"
start crash2 --db "$T/crash.db" --no-access-log
missing=0
while read -r loc; do
    s=$(curl -s -o /dev/null -w '%{http_code}' "${URL%/}$loc")
    [ "$s" = 200 ] || missing=$((missing + 1))
done < "$T/acked"
[ $missing -eq 0 ] && ok || bad "$missing of $n acknowledged evaluations lost after kill -9"
kill -TERM "$PID"; wait "$PID" 2>/dev/null

echo "server: $pass passed, $fail failed (acknowledged before kill -9: $n)"
[ $fail -eq 0 ]
