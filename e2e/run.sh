#!/usr/bin/env bash
# Browser tests of the portal: start the demo platform on a fresh data folder, run e2e/portal.test.mjs
# against it in headless Chromium, stop the platform. Exits non-zero if anything fails.
#
#   bash e2e/run.sh
#
# Variables (none starts with EGOV_ except EGOV_BIN, which is removed before the binary starts, because the
# binary refuses EGOV_* variables it does not know):
#   EGOV_BIN      the egov binary (default target/debug/egov, built by `cargo build -p egov`)
#   E2E_PORT      port of the platform (default 18180)
#   E2E_TIMEOUT   seconds the browser tests may take (default 170)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
bin=${EGOV_BIN:-target/debug/egov}
port=${E2E_PORT:-18180}
base="http://127.0.0.1:${port}"
chromium=/usr/bin/chromium

fail() {
  echo "e2e: error: $*" >&2
  exit 1
}

# Prerequisites: fail loudly, never skip.
[[ -x $chromium ]] || fail "$chromium is missing: install it with \`apt-get install -y chromium\`"
command -v node >/dev/null || fail "node is missing: install it with \`apt-get install -y nodejs npm\`"
[[ -f e2e/node_modules/playwright-core/package.json && -f e2e/node_modules/axe-core/axe.min.js ]] ||
  fail "e2e/node_modules is missing or incomplete: run \`(cd e2e && npm ci)\`"
command -v curl >/dev/null || fail "curl is missing: install it with \`apt-get install -y curl\`"

# The binary may be in the middle of a rebuild: give it a minute to reappear.
for _ in $(seq 1 60); do
  [[ -x $bin ]] && break
  sleep 1
done
[[ -x $bin ]] || fail "$bin is missing: build it with \`cargo build -p egov\` (or set EGOV_BIN)"

if curl -sf -o /dev/null "$base/readyz"; then
  fail "something already answers on $base: stop it or choose another port with E2E_PORT"
fi

work=$(mktemp -d)
data="$work/data"
log="$work/server.log"
server_pid=

cleanup() {
  local status=$?
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ $status -ne 0 && -s $log ]]; then
    echo "e2e: last lines of the platform's log ($log):" >&2
    tail -n 20 "$log" >&2 || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "e2e: starting $bin demo on $base (data in $data)"
env -u EGOV_BIN "$bin" demo --listen "127.0.0.1:${port}" --data "$data" >"$log" 2>&1 &
server_pid=$!

ready=
for _ in $(seq 1 120); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    wait "$server_pid" && code=0 || code=$?
    server_pid=
    fail "the platform exited (status $code) before it was ready; see its log below"
  fi
  if curl -sf -o /dev/null "$base/readyz"; then
    ready=1
    break
  fi
  sleep 0.5
done
[[ -n $ready ]] || fail "the platform did not answer $base/readyz within 60 s"

credentials="$data/demo-credentials.json"
[[ -f $credentials ]] || fail "the demo did not write $credentials"

echo "e2e: platform ready; running the browser tests"
status=0
BASE_URL="$base" E2E_CREDENTIALS="$credentials" \
  timeout "${E2E_TIMEOUT:-170}" node e2e/main.mjs || status=$?
if [[ $status -eq 124 ]]; then
  echo "e2e: error: the browser tests took longer than ${E2E_TIMEOUT:-170} s and were stopped" >&2
elif [[ $status -ne 0 ]]; then
  echo "e2e: FAILED (screenshots in $root/target/e2e/)" >&2
else
  echo "e2e: all browser tests passed (screenshots in $root/target/e2e/)"
fi
exit "$status"
