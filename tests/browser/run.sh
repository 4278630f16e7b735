#!/bin/sh
# run.sh - the web pages in a real browser: starts `paraneo serve` on a free port, fills the
# clinician form with example 01 and checks the report view, then the patient check; saves
# screenshots to build/test-output/. Uses Debian's /usr/bin/chromium through playwright-core
# (pinned in tests/browser/package.json, installed into build/npm/browser when missing).
#   PARANEO=build/paraneo tests/browser/run.sh
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
paraneo=${PARANEO:-$top/build/paraneo}
chromium=${CHROMIUM:-/usr/bin/chromium}
npm_dir=$top/build/npm/browser
out_dir=$top/build/test-output
[ -x "$chromium" ] || { echo "browser: $chromium not found (apt-get install chromium)" >&2; exit 1; }
if [ ! -d "$npm_dir/node_modules/playwright-core" ]; then
    mkdir -p "$npm_dir"
    cp "$top/tests/browser/package.json" "$npm_dir/"
    (cd "$npm_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --silent --no-audit --no-fund >/dev/null)
fi
mkdir -p "$out_dir"
tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$paraneo" serve --listen 127.0.0.1:0 --db "$tmp/t.db" --insecure-dev 2>"$tmp/server.log" &
pid=$!
# the server names its address on stderr: "paraneo: listening on http://127.0.0.1:PORT/"
url=
i=0
while [ $i -lt 100 ]; do
    url=$(sed -n 's|.*listening on \(http://[^ ]*\).*|\1|p' "$tmp/server.log" | head -n 1)
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "browser: the server exited:" >&2; cat "$tmp/server.log" >&2; exit 1; }
    sleep 0.1; i=$((i + 1))
done
[ -n "$url" ] || { echo "browser: the server did not say where it listens:" >&2; cat "$tmp/server.log" >&2; exit 1; }
url=${url%/}
i=0
until curl -fsS -o /dev/null "$url/healthz" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 100 ] || { echo "browser: $url/healthz did not answer" >&2; cat "$tmp/server.log" >&2; exit 1; }
    sleep 0.1
done
status=0
BROWSER_NPM_DIR=$npm_dir CHROMIUM=$chromium OUT_DIR=$out_dir EXAMPLES=$top/../shared/examples \
    node "$top/tests/browser/test.mjs" "$url" || status=$?
if [ $status -ne 0 ]; then
    echo "browser: server log (last lines):" >&2
    tail -n 20 "$tmp/server.log" >&2
fi
exit $status
