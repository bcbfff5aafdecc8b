#!/usr/bin/env bash
# Crash test of the gateway's message log: no answered call may be lost when the process dies.
#
# Starts `egov demo` on a fresh data folder, sends a bounded load of gateway calls from several threads
# (each with its own X-Road-Id), kills the platform with SIGKILL in the middle of the load, starts it again
# on the same data folder and checks that
#   a. every call that was answered 2xx before the kill is a leaf of the log (gateway_log in egov.db), and
#      so is every refused call that was answered (the log records refusals too);
#   b. `egov log verify` accepts the whole log;
#   c. the inclusion proof of the last answered call checks against the node's key.
# With durability = "commit" (the default) an answer is only released once its leaf is committed, so the
# number of missing leaves must be 0. Exits non-zero, saying why, on any failure.
#
#   bash e2e/gateway-crash.sh                  # from anywhere; 5–10 s with the debug build
#
# Variables (none starts with EGOV_ except EGOV_BIN, which is removed before the binary starts, because the
# binary refuses EGOV_* variables it does not know):
#   EGOV_BIN            the egov binary [target/debug/egov, relative to the repository root]
#   CRASH_PORT          port of the platform on 127.0.0.1 [18390]; if it is taken, the next free one is used
#   CRASH_CALLS         calls at most in the load [3000]
#   CRASH_WORKERS       concurrent client threads, one keep-alive connection each [8]
#   CRASH_KILL_AFTER    seconds into the load at which the platform is killed [1.5]; it is killed earlier
#                       if half of CRASH_CALLS are answered before then, so calls are always in flight
#   CRASH_MIN_OK        fewest 2xx answers before the kill for the run to count [100]
#   CRASH_LIMIT         seconds the whole run may take before it gives up and fails [55]
#   KEEP_TMP=1          keep the temporary folder (data folder, server logs, the recorded ids)
#
# The demo's provider backend always listens on 127.0.0.1:18181. If another demo on this machine holds that
# port, the platform only logs a warning and its gateway forwards to the backend already there, which
# answers the same sample services.
set -euo pipefail
export LC_ALL=C

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=${EGOV_BIN:-target/debug/egov}
port=${CRASH_PORT:-18390}
calls=${CRASH_CALLS:-3000}
workers=${CRASH_WORKERS:-8}
kill_after=${CRASH_KILL_AFTER:-1.5}
min_ok=${CRASH_MIN_OK:-100}
limit=${CRASH_LIMIT:-55}
keep_tmp=${KEEP_TMP:-0}
provider_addr=127.0.0.1:18181
client=TJ/COM/030000201/loan-desk
service_path=/r1/TJ/GOV/020000105/tax-register/company-lookup/companies/020000101
started=$SECONDS

say() { printf 'crash: %s\n' "$*"; }
fail() {
  printf 'crash: FAILED: %s\n' "$*" >&2
  exit 1
}

# ---- checks ----------------------------------------------------------------------------------------
[[ $port =~ ^[0-9]+$ ]] && (( port > 0 && port < 65536 )) || fail "CRASH_PORT must be a port number: $port"
[[ $calls =~ ^[1-9][0-9]*$ ]] || fail "CRASH_CALLS must be a positive integer: $calls"
[[ $workers =~ ^[1-9][0-9]*$ ]] || fail "CRASH_WORKERS must be a positive integer: $workers"
[[ $min_ok =~ ^[0-9]+$ ]] || fail "CRASH_MIN_OK must be a whole number: $min_ok"
[[ $limit =~ ^[1-9][0-9]*$ ]] || fail "CRASH_LIMIT must be a positive integer: $limit"
[[ $kill_after =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail "CRASH_KILL_AFTER must be a number of seconds: $kill_after"
command -v python3 >/dev/null || fail "python3 is missing"
command -v curl >/dev/null || fail "curl is missing: apt-get install -y curl"
[[ -x $bin ]] || fail "$bin is missing: build it with \`cargo build -p egov\` (or set EGOV_BIN)"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

# A port is free when nothing listens there (connections of an earlier run in TIME_WAIT do not count:
# the platform binds with SO_REUSEADDR too).
port_free() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}
chosen=""
for ((p = port; p < port + 50 && p < 65536; p++)); do
  [[ $p == 18181 ]] && continue
  if port_free "$p"; then chosen=$p; break; fi
done
[[ -n $chosen ]] || fail "no free port on 127.0.0.1 from $port to $((port + 49)) (set CRASH_PORT)"
[[ $chosen == "$port" ]] || say "127.0.0.1:$port is taken; using 127.0.0.1:$chosen"
port=$chosen
base="http://127.0.0.1:$port"
if port_free 18181; then
  provider_note="the platform's own demo provider on $provider_addr"
else
  provider_note="the backend that already listens on $provider_addr (another demo; the platform will log a warning)"
fi

# ---- temporary folder, processes, cleanup ----------------------------------------------------------
work=$(mktemp -d -t egov-crash.XXXXXX)
data="$work/data"
server_pid=""    # the platform
wrapper_pid=""   # the subshell that started it and waits for it
stop_server() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  if [[ -n $wrapper_pid ]]; then wait "$wrapper_pid" 2>/dev/null || true; fi
  server_pid=""
  wrapper_pid=""
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_server
  if [[ $status -ne 0 ]]; then
    for f in "$work"/server-*.log; do
      [[ -s $f ]] || continue
      echo "crash: last lines of $(basename "$f"):" >&2
      tail -n 8 "$f" >&2 || true
    done
  fi
  if [[ $keep_tmp == 1 ]]; then
    echo "crash: kept $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
deadline=$((started + limit))

# Runs a command within what is left of the run's time limit.
bounded() {
  local left=$((deadline - SECONDS)) status=0
  (( left > 0 )) || fail "the run took longer than $limit s (CRASH_LIMIT)"
  timeout --foreground "$left" "$@" || status=$?
  (( status != 124 )) || echo "crash: stopped \`$1\` at the run's time limit ($limit s, CRASH_LIMIT)" >&2
  return "$status"
}

# Starts the platform on the data folder; $1 names its log. Waits for /healthz (within the time limit).
# A subshell starts it and waits for it, so that its death by SIGKILL is an exit status there rather than
# a "Killed" notice of this shell.
start_server() {
  rm -f "$work/server.pid"
  (
    env -u EGOV_BIN "$bin" demo --listen "127.0.0.1:$port" --data "$data" >"$work/server-$1.log" 2>&1 &
    echo $! >"$work/server.pid"
    wait $!
  ) 2>/dev/null &
  wrapper_pid=$!
  while [[ ! -s $work/server.pid ]]; do (( SECONDS < deadline )) || fail "the platform did not start ($1)"; sleep 0.05; done
  server_pid=$(<"$work/server.pid")
  while (( SECONDS < deadline )); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      local code=0
      wait "$wrapper_pid" || code=$?
      server_pid=""
      wrapper_pid=""
      fail "the platform exited (status $code) while starting ($1)"
    fi
    if curl -sf -o /dev/null --max-time 2 "$base/healthz"; then return 0; fi
    sleep 0.25
  done
  fail "the platform did not answer $base/healthz within the run's time limit of $limit s ($1)"
}

# Runs one `egov` command with a time limit, without the script's EGOV_BIN.
egov() { bounded env -u EGOV_BIN "$bin" "$@"; }

# ---- first start -----------------------------------------------------------------------------------
say "starting $bin demo on $base (data in $data)"
start_server first
creds="$data/demo-credentials.json"
[[ -f $creds ]] || fail "the demo did not write $creds"
say "ready after $((SECONDS - started)) s; calls go to $provider_note"

# The demo grants the loan desk 120 calls a minute to company-lookup. For a load of thousands of 2xx
# answers the bank (consumer) revokes that grant and applies again, and the Tax Committee (provider)
# approves with a quota of 1,000,000 a minute, all through the JSON API.
bounded python3 - "$base" "$creds" "$client" <<'PY' || fail "could not raise the loan desk's quota for company-lookup (see above)"
import http.client, json, sys, urllib.parse

base, creds_path, client = sys.argv[1:]
host = urllib.parse.urlsplit(base).netloc
creds = json.load(open(creds_path))
passwords = {a["email"]: a["password"] for a in creds["accounts"]}

def call(method, path, token=None, body=None, expect=(200,)):
    conn = http.client.HTTPConnection(host, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    r = conn.getresponse()
    raw = r.read()
    conn.close()
    if r.status not in expect:
        sys.exit(f"crash: {method} {path} answered {r.status}: {raw.decode(errors='replace')[:400]}")
    return json.loads(raw) if raw else None

def session(email):
    if email not in passwords:
        sys.exit(f"crash: no demo account {email} in {creds_path}")
    return call("POST", "/api/v1/session", body={"email": email, "password": passwords[email]}, expect=(201,))["token"]

bank, tax = session("admin@bank.tj"), session("admin@tax.tj")
grants = call("GET", "/api/v1/bridge/grants", bank)["grants"]
old = [g for g in grants if g["service"] == "TAX-S-0001" and g["consumer"] == client
       and g["environment"] == "production" and g["live"]]
for g in old:
    call("POST", f"/api/v1/bridge/grants/{g['id']}/revoke", bank, {}, expect=(200, 204))
app = call("POST", "/api/v1/bridge/applications", bank, {
    "service": "TAX-S-0001", "consumer": client, "environment": "production",
    "endpoints": ["GET /companies/{inn}"],
    "purpose": "Crash test of the gateway's message log", "legal_basis": "Test deployment"}, expect=(201,))
call("POST", f"/api/v1/bridge/applications/{app['id']}/decision", tax, {"approve": True, "quota": 1000000})
PY
say "loan desk granted company-lookup with a quota of 1,000,000 calls a minute"

# ---- the load, and the kill ------------------------------------------------------------------------
say "load: up to $calls calls from $workers threads; SIGKILL at ${kill_after} s or when $((calls / 2)) are answered"
load_status=0
bounded python3 - "$port" "$creds" "$client" "$service_path" "$calls" "$workers" "$kill_after" "$server_pid" "$work" \
  <<'PY' || load_status=$?
import http.client, json, os, signal, sys, threading, time

port, creds_path, client, path = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
calls, workers, kill_after, pid, work = (int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]),
                                         int(sys.argv[8]), sys.argv[9])
token = json.load(open(creds_path))["consumer_token"]["token"]
lock = threading.Lock()
next_n = 0
ok, other, lost = [], [], []       # 2xx answers; other answers (refusals); sent without an answer
mismatched = []
killed = threading.Event()
half = threading.Event()
deadline = time.monotonic() + 20   # the load never runs longer than this

def take():
    global next_n
    with lock:
        if next_n >= calls or time.monotonic() > deadline:
            return None
        next_n += 1
        return next_n

def worker():
    conn = None
    while True:
        n = take()
        if n is None:
            break
        mid = f"crash-{n}"
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=5)
            conn.request("GET", path, headers={
                "X-Road-Client": client, "Authorization": "Bearer " + token, "X-Road-Id": mid})
            r = conn.getresponse()
            echoed = r.getheader("x-road-id")
            r.read()   # a 2xx counts as acknowledged once its status line has arrived
        except (OSError, http.client.HTTPException):
            with lock:
                lost.append(mid)
            if conn is not None:
                conn.close()
                conn = None
            if killed.is_set():
                break
            time.sleep(0.05)
            continue
        with lock:
            (ok if 200 <= r.status < 300 else other).append(mid)
            if echoed != mid:
                mismatched.append(f"{mid} -> {echoed}")
            if len(ok) + len(other) >= calls // 2:
                half.set()
    if conn is not None:
        conn.close()

threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
t0 = time.monotonic()
for t in threads:
    t.start()
half.wait(kill_after)
reason = "half of the calls answered" if half.is_set() else f"{kill_after} s elapsed"
with lock:
    answered_at_kill = len(ok) + len(other)
os.kill(pid, signal.SIGKILL)
killed.set()
at = time.monotonic() - t0
for t in threads:
    t.join(10)
stuck = sum(t.is_alive() for t in threads)

def write(name, ids):
    with open(os.path.join(work, name), "w") as f:
        f.write("".join(i + "\n" for i in ids))
write("ok.txt", ok)
write("other.txt", other)
write("lost.txt", lost)
print(f"crash: killed the platform {at:.2f} s into the load ({reason}); {answered_at_kill} calls answered by then")
print(f"crash: sent {len(ok) + len(other) + len(lost)} calls: {len(ok)} answered 2xx, {len(other)} answered otherwise, "
      f"{len(lost)} without an answer (in flight at the kill, or sent after it)")
if mismatched:
    sys.exit(f"crash: {len(mismatched)} answers did not echo the call's X-Road-Id, e.g. {mismatched[:3]}")
if stuck:
    sys.exit(f"crash: {stuck} client threads were still waiting 10 s after the kill")
PY
(( load_status == 0 )) || fail "the load generator failed"
wait "$wrapper_pid" 2>/dev/null || true
kill -0 "$server_pid" 2>/dev/null && fail "the platform is still running after SIGKILL"
server_pid=""
wrapper_pid=""

n_ok=$(wc -l <"$work/ok.txt")
n_lost=$(wc -l <"$work/lost.txt")
(( n_ok >= min_ok )) || fail "only $n_ok calls were answered 2xx before the kill (at least $min_ok are needed for the test to mean anything; is $provider_addr answering the sample services?)"
(( n_lost > 0 )) || say "warning: no call was in flight at the kill (the load finished first); lower CRASH_KILL_AFTER"

# ---- restart and checks ----------------------------------------------------------------------------
say "restarting on the same data folder"
restart_at=$SECONDS
start_server second
say "ready again after $((SECONDS - restart_at)) s"
# One call after the restart: the gateway works again, and the node signs a checkpoint over the new tree.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "X-Road-Client: $client" \
  -H "Authorization: Bearer $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["consumer_token"]["token"])' "$creds")" \
  -H "X-Road-Id: crash-after-restart" "$base$service_path")
[[ $code == 2* ]] || fail "the first call after the restart answered $code"
sleep 1.5

bounded python3 - "$data/egov.db" "$work" <<'PY' || fail "answered calls are missing from the log (see above)"
import os, sqlite3, sys

db, work = sys.argv[1], sys.argv[2]
read = lambda name: [l.strip() for l in open(os.path.join(work, name)) if l.strip()]
ok, other, lost = read("ok.txt"), read("other.txt"), read("lost.txt")
conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
logged = {r[0] for r in conn.execute("SELECT message_id FROM gateway_log")}
leaves = conn.execute("SELECT COUNT(*) FROM gateway_log").fetchone()[0]
conn.close()
miss_ok = [m for m in ok if m not in logged]
miss_other = [m for m in other if m not in logged]
lost_logged = sum(m in logged for m in lost)
print(f"crash: the log holds {leaves} leaves")
print(f"crash: acknowledged (2xx) calls: {len(ok)}; leaves found: {len(ok) - len(miss_ok)}; missing: {len(miss_ok)}")
print(f"crash: other answered calls: {len(other)}; leaves found: {len(other) - len(miss_other)}; missing: {len(miss_other)}")
print(f"crash: calls without an answer: {len(lost)}; of them in the log anyway: {lost_logged} (either is allowed)")
if miss_ok or miss_other:
    sys.exit(f"crash: answered calls without a leaf, e.g. {(miss_ok + miss_other)[:5]}")
PY

if ! out=$(egov log verify --data "$data" 2>&1); then
  printf '%s\n' "$out" >&2
  fail "egov log verify rejected the log after the crash"
fi
say "egov log verify: $out"

last=$(tail -n 1 "$work/ok.txt")
if ! egov log proof "$last" --data "$data" >"$work/proof.json" 2>"$work/proof.err"; then
  cat "$work/proof.err" >&2
  fail "egov log proof $last failed (no leaf, or no checkpoint covers it)"
fi
if ! out=$(egov log check-proof "$work/proof.json" --key "$data/gateway/node.pub" 2>&1); then
  printf '%s\n' "$out" >&2
  fail "the inclusion proof of $last does not check"
fi
say "proof of $last: $out"

say "passed in $((SECONDS - started)) s: no answered call was lost, and the log verifies"
