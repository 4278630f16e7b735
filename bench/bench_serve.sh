#!/bin/sh
# bench_serve.sh - the service under wrk on 127.0.0.1, next to nginx serving a
# static file of the same size in the same run (the machines are noisy: read
# the ratios).  Routes: GET /healthz, POST /v1/evaluate with an example case,
# POST the CDS hook.  The CDS hook runs with --insecure-dev here because wrk
# replays one request and the service refuses a replayed JWT (jti); JWT
# verification is measured on its own in the unit tests' timing-free way
# (see docs/service.md).
#   bench/bench_serve.sh PARANEO [SECONDS] [CONNECTIONS]
set -eu
PARANEO=${1:-build/paraneo}
SECS=${2:-10}
CONN=${3:-64}
TOP=$(cd "$(dirname "$0")/.." && pwd)
EX=$TOP/../shared/examples
T=$(mktemp -d)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; sleep 0.3; rm -rf "$T"; }
trap cleanup EXIT INT TERM

command -v wrk >/dev/null && command -v nginx >/dev/null || {
    echo "bench-serve needs wrk and nginx (scripts/install-deps --bench)" >&2; exit 1; }

# The service.
"$PARANEO" serve --listen 127.0.0.1:0 --db "$T/bench.db" --no-access-log --insecure-dev 2>"$T/serve.log" &
PIDS="$PIDS $!"
i=0; URL=""
while [ -z "$URL" ] && [ $i -lt 100 ]; do
    URL=$(sed -n 's/^paraneo: listening on \(http[^ ]*\)$/\1/p' "$T/serve.log"); sleep 0.1; i=$((i + 1)); done
[ -n "$URL" ] || { cat "$T/serve.log" >&2; exit 1; }

# The CDS request: example 01's FHIR data as prefetch.
jq '(.entry[] | select(.resource.resourceType == "Patient") | .resource.id) = "pat-01"
    | (.. | objects | select(has("reference")) | select(.reference | startswith("urn:uuid:"))) |= (.reference = "Patient/pat-01")
    | {hookInstance: "bench", hook: "patient-view", context: {userId: "Practitioner/1", patientId: "pat-01"},
       prefetch: {patient: (.entry[] | select(.resource.resourceType == "Patient") | .resource),
                  observations: {resourceType: "Bundle", type: "searchset", entry: [.entry[] | select(.resource.resourceType == "Observation")]},
                  conditions: {resourceType: "Bundle", type: "searchset", entry: [.entry[] | select(.resource.resourceType == "Condition")]},
                  medications: {resourceType: "Bundle", type: "searchset", entry: [.entry[] | select(.resource.resourceType == "MedicationStatement")]}}}' \
    "$EX/01-sensory-neuronopathy.fhir.json" > "$T/hook.json"
CASE=$EX/01-sensory-neuronopathy.case.json

# Static files of the same sizes as the answers.
mkdir -p "$T/www"
curl -s "${URL}healthz" > "$T/www/healthz"
curl -s -H 'Content-Type: application/json' --data-binary @"$CASE" "${URL}v1/evaluate" > "$T/www/evaluate"
curl -s -H 'Content-Type: application/json' --data-binary @"$T/hook.json" "${URL}cds-services/paraneo-patient-view" > "$T/www/cds"
NPORT=$(( 20000 + $$ % 20000 ))
cat > "$T/nginx.conf" <<NGX
worker_processes 2;
pid $T/nginx.pid;
error_log $T/nginx-error.log;
daemon off;
events { worker_connections 1024; use epoll; }
http {
    access_log off;
    default_type application/json;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NPORT;
        root $T/www;
        # wrk's POSTs get the static file too (nginx refuses POST on static
        # files with 405 otherwise, which would not be the same work).
        error_page 405 =200 \$uri;
    }
}
NGX
nginx -c "$T/nginx.conf" -p "$T" &
PIDS="$PIDS $!"
sleep 0.5

post_lua() { # FILE -> lua script posting it
    cat > "$T/$2.lua" <<LUA
local f = io.open("$1", "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body
wrk.headers["Content-Type"] = "application/json"
LUA
}
post_lua "$CASE" evaluate
post_lua "$T/hook.json" cds

# run URL [lua] -> "req/s p50 p99"
run() {
    if [ -n "${2:-}" ]; then s="-s $2"; else s=""; fi
    # shellcheck disable=SC2086
    wrk -t2 -c"$CONN" -d"${SECS}s" --latency $s "$1" > "$T/wrk.out" 2>&1 || true
    rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$T/wrk.out")
    p50=$(sed -n 's/^ *50% *\([0-9.]*[a-z]*\).*/\1/p' "$T/wrk.out")
    p99=$(sed -n 's/^ *99% *\([0-9.]*[a-z]*\).*/\1/p' "$T/wrk.out")
    non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$T/wrk.out")
    echo "${rps:-0} ${p50:-?} ${p99:-?} ${non2xx:-0}"
}
printf '%-10s %9s | %12s %9s %9s | %12s %9s %9s | %7s\n' route bytes "paraneo r/s" p50 p99 "nginx r/s" p50 p99 ratio
for route in healthz evaluate cds; do
    case $route in
        healthz) path=healthz; lua="" ;;
        evaluate) path=v1/evaluate; lua=$T/evaluate.lua ;;
        cds) path=cds-services/paraneo-patient-view; lua=$T/cds.lua ;;
    esac
    set -- $(run "${URL}$path" "$lua"); prps=$1 pp50=$2 pp99=$3 perr=$4
    set -- $(run "http://127.0.0.1:$NPORT/$route" "$lua"); nrps=$1 np50=$2 np99=$3
    ratio=$(awk -v a="$prps" -v b="$nrps" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')
    printf '%-10s %9s | %12s %9s %9s | %12s %9s %9s | %7s%s\n' "$route" "$(wc -c < "$T/www/$route")" \
        "$prps" "$pp50" "$pp99" "$nrps" "$np50" "$np99" "$ratio" \
        "$( [ "$perr" != 0 ] && echo " ($perr non-2xx)" )"
done
echo "($CONN connections, wrk -t2, ${SECS}s each, both servers on the same 2 cores; evaluations stored: $(sqlite3 "$T/bench.db" 'select count(*) from evaluations' 2>/dev/null || echo '?'))"
