#!/bin/sh
# store_crash.sh - an evaluation acknowledged by the store survives kill -9.
#
# Four writer threads (tests/unit/test_store --put-forever) put evaluations
# and print each id once pn__store_put_evaluation has returned 0; the writer
# is killed with SIGKILL at a random moment, several times on the same file.
# Then every printed id must be readable and `paraneo db check` clean.
#
#   make BUILD=build unit-test all && BUILD=build tests/server/store_crash.sh
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
T=$BUILD/tests/test_store
P=$BUILD/paraneo
ROUNDS=${ROUNDS:-4}
for f in "$T" "$P"; do
    [ -x "$f" ] || { echo "store_crash: $f missing (make BUILD=... all unit-test)"; exit 2; }
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/pn-crash-XXXXXX")
trap 'rm -rf "$dir"' EXIT
db=$dir/store.db
: > "$dir/acked"
fail=0
r=1
while [ "$r" -le "$ROUNDS" ]; do
    "$T" --put-forever "$db" > "$dir/round" 2> "$dir/err" &
    pid=$!
    # 0.3 .. 1.5 s: kill mid-transaction as often as between them
    ms=$(( ($(od -An -N2 -tu2 /dev/urandom) % 1200) + 300 ))
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [ -s "$dir/err" ]; then echo "store_crash: round $r: writer failed:"; cat "$dir/err"; fail=1; fi
    n=$(grep -c . "$dir/round")
    cat "$dir/round" >> "$dir/acked"
    echo "store_crash: round $r: killed after ${ms} ms, $n acknowledged"
    r=$((r + 1))
done
"$T" --verify "$db" < "$dir/acked" || fail=1
"$P" db check "$db" > "$dir/check" || { cat "$dir/check"; fail=1; }
if [ "$fail" -eq 0 ]; then
    echo "store_crash: ok ($ROUNDS kills, every acknowledged evaluation kept, db check clean)"
else
    echo "store_crash: FAILED"
fi
exit "$fail"
