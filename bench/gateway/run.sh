#!/usr/bin/env bash
# Gateway overhead: what a call through the egov gateway costs on top of the backend it reaches, against the
# same backend reached directly and through an nginx reverse proxy. One run, 127.0.0.1 only, wrk the client:
#
#   A  direct   wrk -> nginx backend (`return 200 '{"ok":true}'`)
#   B  nginx    wrk -> nginx proxy_pass (keep-alive upstream, HTTP/1.1) -> the backend of A
#   C  egov     wrk -> egov gateway (/r1/…, bearer token, grant check, quota, message log with
#               durability "commit") -> the backend of A
#
# Each at low load (1 connection, 1 thread, 5 s) and at 32 connections (2 threads, 10 s), in interleaved
# rounds (A, B, C, A, B, C, …); figures are medians of the rounds.
#
#   CARGO_TARGET_DIR=/tmp/relbuild cargo build --release -p egov     # once, about 10 minutes on 2 cores
#   bash bench/gateway/run.sh                                        # from anywhere
#
# Environment (defaults in brackets):
#   EGOV_BIN       the egov binary [/tmp/relbuild/release/egov]; never built by this script. Only a release
#                  build gives meaningful figures, and only a release build's figures go into bench/README.md
#   ROUNDS         rounds per target and load [2]
#   LOW_DURATION   one low-load wrk run [5s]        HIGH_DURATION  one 32-connection wrk run [10s]
#   HIGH_CONNS     connections of the high load [32]   HIGH_THREADS  its wrk threads [2]
#   WORKERS        nginx worker_processes [2] (the machine has 2 cores)
#   PORT           egov [18100]   BACKEND_PORT  the nginx backend [18101]   PROXY_PORT  the nginx proxy [18102]
#   README         the file whose gateway section is rewritten [bench/README.md]
#   UPDATE_README  auto: only for a release build (the default); 0: never; 1: always (the section then says
#                  which build it was)
#   OUT            also write the report to this file [none]
#   KEEP_TMP=1     keep the temporary folder (egov's data and log, nginx's config, raw wrk output)
#
# The demo deployment's provider backend always wants 127.0.0.1:18181; if another demo holds that port, egov
# logs a warning and carries on. The benchmark does not use it.
set -euo pipefail
export LC_ALL=C

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$(pwd)

EGOV_BIN=${EGOV_BIN:-/tmp/relbuild/release/egov}
ROUNDS=${ROUNDS:-2}
LOW_DURATION=${LOW_DURATION:-5s}
HIGH_DURATION=${HIGH_DURATION:-10s}
HIGH_CONNS=${HIGH_CONNS:-32}
HIGH_THREADS=${HIGH_THREADS:-2}
WORKERS=${WORKERS:-2}
PORT=${PORT:-18100}
BACKEND_PORT=${BACKEND_PORT:-18101}
PROXY_PORT=${PROXY_PORT:-18102}
README=${README:-bench/README.md}
UPDATE_README=${UPDATE_README:-auto}
OUT=${OUT:-}
KEEP_TMP=${KEEP_TMP:-0}
WARMUP_REQUESTS=300
CLIENT=TJ/COM/030000201/loan-desk
SYSTEM=TJ/GOV/020000105/tax-register
SERVICE_CODE=bench-backend
BUILD_HINT="CARGO_TARGET_DIR=/tmp/relbuild cargo build --release -p egov"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# ---- checks on the parameters --------------------------------------------------------------------
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer: $ROUNDS"
[[ $HIGH_CONNS =~ ^[1-9][0-9]*$ && $HIGH_THREADS =~ ^[1-9][0-9]*$ ]] || die "HIGH_CONNS and HIGH_THREADS must be positive integers"
(( HIGH_CONNS >= HIGH_THREADS )) || die "HIGH_CONNS ($HIGH_CONNS) must be at least HIGH_THREADS ($HIGH_THREADS)"
[[ $WORKERS =~ ^[1-9][0-9]*$ ]] || die "WORKERS must be a positive integer: $WORKERS"
for d in "$LOW_DURATION" "$HIGH_DURATION"; do
  [[ $d =~ ^[1-9][0-9]*[sm]?$ ]] || die "durations must look like 5s, 10s or 1m: $d"
done
for p in "$PORT" "$BACKEND_PORT" "$PROXY_PORT"; do
  [[ $p =~ ^[0-9]+$ ]] && (( p > 0 && p < 65536 )) || die "not a port number: $p"
  [[ $p != 18181 ]] || die "18181 is the demo provider's port; choose another"
done
[[ $PORT != "$BACKEND_PORT" && $PORT != "$PROXY_PORT" && $BACKEND_PORT != "$PROXY_PORT" ]] \
  || die "PORT, BACKEND_PORT and PROXY_PORT must differ"
[[ $UPDATE_README =~ ^(auto|0|1)$ ]] || die "UPDATE_README must be auto, 0 or 1: $UPDATE_README"
secs() { local d=$1; case $d in *m) echo $(( ${d%m} * 60 )) ;; *s) echo "${d%s}" ;; *) echo "$d" ;; esac; }
LOW_S=$(secs "$LOW_DURATION")
HIGH_S=$(secs "$HIGH_DURATION")

# ---- tools and the binary ------------------------------------------------------------------------
command -v wrk >/dev/null || die "wrk is missing: apt-get install -y wrk"
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || die "nginx is missing: apt-get install -y nginx"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v curl >/dev/null || die "curl is missing: apt-get install -y curl"
command -v python3 >/dev/null || die "python3 is missing"
if [[ ! -x $EGOV_BIN ]]; then
  die "no egov binary at $EGOV_BIN. Build the release binary first (about 10 minutes on 2 cores):
    $BUILD_HINT
or point EGOV_BIN at a built binary (a debug build runs, but its figures mean little)."
fi
EGOV_BIN=$(cd "$(dirname "$EGOV_BIN")" && pwd)/$(basename "$EGOV_BIN")
case $EGOV_BIN in
  */release/*) PROFILE=release ;;
  */debug/*) PROFILE=debug ;;
  *) PROFILE=unknown ;;
esac
if [[ $PROFILE != release ]]; then
  say "warning: $EGOV_BIN is a $PROFILE build; its figures say little about the gateway (build: $BUILD_HINT)"
fi
COMMIT_HASH=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
COMMIT=$COMMIT_HASH
DIRTY=""
if [[ $COMMIT != unknown ]] && [[ -n $(git status --porcelain -- crates Cargo.toml Cargo.lock 2>/dev/null) ]]; then
  DIRTY=" (with uncommitted changes in crates/ or Cargo files)"
  COMMIT="$COMMIT$DIRTY"
fi

# ---- temporary folder, processes, cleanup --------------------------------------------------------
TMP=$(mktemp -d -t egov-bench-gateway.XXXXXX)
chmod 755 "$TMP"
EGOV_PID=""
NGINX_PID=""
WRK_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $WRK_PID ]]; then kill "$WRK_PID" 2>/dev/null || true; wait "$WRK_PID" 2>/dev/null || true; fi
  if [[ -n $NGINX_PID ]]; then kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
  if [[ -n $EGOV_PID ]]; then kill "$EGOV_PID" 2>/dev/null || true; wait "$EGOV_PID" 2>/dev/null || true; fi
  if [[ $rc -ne 0 && -s $TMP/egov.log ]]; then
    echo "bench: last lines of egov's log:" >&2
    tail -n 5 "$TMP/egov.log" >&2 || true
  fi
  if [[ $KEEP_TMP == 1 ]]; then
    say "kept $TMP"
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for p in "$PORT" "$BACKEND_PORT" "$PROXY_PORT"; do
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$p/"; then
    die "something already answers on 127.0.0.1:$p (set PORT, BACKEND_PORT or PROXY_PORT)"
  fi
done

# ---- nginx: the backend (A) and the proxy in front of it (B) -------------------------------------
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/nginx.conf" <<EOF
# Generated by bench/gateway/run.sh: the backend that every target ends at, and a reverse proxy to it.
worker_processes $WORKERS;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;

events {
    worker_connections 4096;
}

http {
    access_log off;
    keepalive_requests 100000;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;

    upstream bench_backend {
        server 127.0.0.1:$BACKEND_PORT;
        keepalive 64;
        keepalive_requests 100000;
    }

    # A: the backend.
    server {
        listen 127.0.0.1:$BACKEND_PORT;
        default_type application/json;
        location / {
            return 200 '{"ok":true}';
        }
    }

    # B: a reverse proxy to it, with keep-alive connections upstream.
    server {
        listen 127.0.0.1:$PROXY_PORT;
        location / {
            proxy_pass http://bench_backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
"$NGINX" -t -q -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" \
  || die "nginx rejected the generated config ($TMP/nginx/nginx.conf)"
say "starting nginx ($WORKERS workers): backend on 127.0.0.1:$BACKEND_PORT, proxy on 127.0.0.1:$PROXY_PORT"
"$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" &
NGINX_PID=$!
ready=0
for _ in $(seq 40); do
  if curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$BACKEND_PORT/ok"; then ready=1; break; fi
  kill -0 "$NGINX_PID" 2>/dev/null || { cat "$TMP/nginx/error.log" >&2; NGINX_PID=""; die "nginx exited while starting"; }
  sleep 0.25
done
(( ready )) || { cat "$TMP/nginx/error.log" >&2; die "nginx did not answer on 127.0.0.1:$BACKEND_PORT"; }

# ---- egov: the demo deployment, and a service on the bridge pointing at the backend ---------------
say "starting egov ($EGOV_BIN, $PROFILE) on 127.0.0.1:$PORT"
# egov refuses EGOV_* variables it does not know, so the script's own EGOV_BIN is kept from it.
env -u EGOV_BIN "$EGOV_BIN" demo --listen "127.0.0.1:$PORT" --data "$TMP/data" >"$TMP/egov.log" 2>&1 &
EGOV_PID=$!
ready=0
for _ in $(seq 240); do
  if curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz"; then ready=1; break; fi
  kill -0 "$EGOV_PID" 2>/dev/null || { EGOV_PID=""; die "egov exited while starting"; }
  sleep 0.25
done
(( ready )) || die "egov did not answer 127.0.0.1:$PORT/healthz within 60 s"
DURABILITY=$(env -u EGOV_BIN "$EGOV_BIN" config 2>/dev/null | awk -F' = ' '/^durability/ { gsub(/"/, "", $2); print $2; exit }')
[[ -n $DURABILITY ]] || DURABILITY=unknown
[[ $DURABILITY == commit ]] || say "warning: the gateway's durability is \"$DURABILITY\", not the default \"commit\""

# The Tax Committee registers the service (its production URL: the backend), the bank applies for its loan
# desk to call GET /ok and the Tax Committee approves with the largest quota there is (1,000,000 a minute).
say "registering $SYSTEM/$SERVICE_CODE -> http://127.0.0.1:$BACKEND_PORT and granting it to $CLIENT"
TOKEN=$(python3 - "http://127.0.0.1:$PORT" "$TMP/data/demo-credentials.json" "$SYSTEM" "$SERVICE_CODE" \
  "http://127.0.0.1:$BACKEND_PORT" "$CLIENT" <<'PY'
import http.client, json, sys, urllib.parse

base, creds_path, system, code, backend, client = sys.argv[1:]
host = urllib.parse.urlsplit(base).netloc
creds = json.load(open(creds_path))
passwords = {a["email"]: a["password"] for a in creds["accounts"]}

def call(method, path, token=None, body=None, expect=200):
    conn = http.client.HTTPConnection(host, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    r = conn.getresponse()
    raw = r.read()
    conn.close()
    if r.status != expect:
        sys.exit(f"bench: {method} {path} answered {r.status}: {raw.decode(errors='replace')[:400]}")
    return json.loads(raw)

def session(email):
    if email not in passwords:
        sys.exit(f"bench: no demo account {email} in {creds_path}")
    return call("POST", "/api/v1/session", body={"email": email, "password": passwords[email]}, expect=201)["token"]

openapi = {
    "openapi": "3.0.3",
    "info": {"title": "Benchmark backend", "version": "1.0.0"},
    "paths": {"/ok": {"get": {
        "operationId": "ok",
        "summary": "A constant JSON answer",
        "responses": {"200": {"description": "Always the same answer",
                              "content": {"application/json": {"schema": {"type": "object"},
                                                               "example": {"ok": True}}}}}}}},
}
tax, bank = session("admin@tax.tj"), session("admin@bank.tj")
svc = call("POST", "/api/v1/bridge/services", tax, {
    "system": system, "code": code, "title": {"en": "Benchmark backend"}, "category": "business",
    "production_url": backend, "rate_limit": 1000000, "openapi": json.dumps(openapi)}, expect=201)
app = call("POST", "/api/v1/bridge/applications", bank, {
    "service": svc["passport"], "consumer": client, "environment": "production", "endpoints": ["GET /ok"],
    "purpose": "Benchmark of the gateway", "legal_basis": "Benchmark on a test deployment"}, expect=201)
call("POST", f"/api/v1/bridge/applications/{app['id']}/decision", tax, {"approve": True, "quota": 1000000})
print(creds["consumer_token"]["token"])
PY
) || die "could not register the benchmark service (see above)"

URL_A="http://127.0.0.1:$BACKEND_PORT/ok"
URL_B="http://127.0.0.1:$PROXY_PORT/ok"
URL_C="http://127.0.0.1:$PORT/r1/$SYSTEM/$SERVICE_CODE/ok"
# All three get the same request headers; nginx ignores the gateway's.
HDR_CLIENT="X-Road-Client: $CLIENT"
HDR_AUTH="Authorization: Bearer $TOKEN"

# Every target must answer 200 with the backend's body before it is measured.
for t in A B C; do
  url_var=URL_$t
  code=$(curl -s -o "$TMP/check-$t.json" -w '%{http_code}' -H "$HDR_CLIENT" -H "$HDR_AUTH" "${!url_var}")
  [[ $code == 200 ]] || die "$t (${!url_var}) answered $code: $(head -c 300 "$TMP/check-$t.json")"
  [[ $(cat "$TMP/check-$t.json") == '{"ok":true}' ]] || die "$t (${!url_var}) did not send the backend's body: $(head -c 300 "$TMP/check-$t.json")"
done
HDR_BYTES_A=$(curl -s -o /dev/null -w '%{size_header}' "$URL_A")
HDR_BYTES_B=$(curl -s -o /dev/null -w '%{size_header}' "$URL_B")
HDR_BYTES_C=$(curl -s -o /dev/null -w '%{size_header}' -H "$HDR_CLIENT" -H "$HDR_AUTH" "$URL_C")

say "warming up ($WARMUP_REQUESTS requests per target)"
for t in A B C; do
  url_var=URL_$t
  args=()
  for ((i = 0; i < WARMUP_REQUESTS; i++)); do args+=(-o /dev/null "${!url_var}"); done
  curl -sf -H "$HDR_CLIENT" -H "$HDR_AUTH" "${args[@]}" || die "warm-up of $t failed"
done
LEAVES_BEFORE=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM gateway_log").fetchone()[0])' "$TMP/data/egov.db")

# ---- measurement ---------------------------------------------------------------------------------
to_ms() { # a wrk duration (12.5us, 3.1ms, 1.2s, 1.1m) in milliseconds
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else { exit 1 }
  }'
}
median() { # numbers on stdin, one per line
  sort -g | awk '{ a[NR] = $1 } END {
    if (NR == 0) exit 1
    if (NR % 2) printf "%.3f", a[(NR + 1) / 2]; else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2
  }'
}
declare -A NAME=([A]="direct (nginx backend)" [B]="nginx proxy_pass" [C]="egov gateway")
declare -A LOAD_C=([low]=1 [high]=$HIGH_CONNS) LOAD_T=([low]=1 [high]=$HIGH_THREADS)
declare -A LOAD_D=([low]=$LOW_DURATION [high]=$HIGH_DURATION) LOAD_S=([low]=$LOW_S [high]=$HIGH_S)
declare -A RPS P50 P99
RAW=""
ISSUES=""
C_REQUESTS=0
total=$(( ROUNDS * 3 * (LOW_S + HIGH_S) ))
say "measuring: 3 targets × $ROUNDS rounds × (low load $LOW_DURATION + $HIGH_CONNS connections $HIGH_DURATION), about $total s"
for load in low high; do
  for ((r = 1; r <= ROUNDS; r++)); do
    for t in A B C; do
      url_var=URL_$t
      log="$TMP/wrk-$load-$t-r$r.txt"
      # In the background, so that an interrupt is acted on at once rather than after the run.
      timeout $(( LOAD_S[$load] + 60 )) wrk --latency -t "${LOAD_T[$load]}" -c "${LOAD_C[$load]}" -d "${LOAD_D[$load]}" \
        -H "$HDR_CLIENT" -H "$HDR_AUTH" "${!url_var}" >"$log" 2>&1 &
      WRK_PID=$!
      wait "$WRK_PID" || { WRK_PID=""; cat "$log" >&2; die "wrk failed against $t"; }
      WRK_PID=""
      rps=$(awk '/^Requests\/sec:/ { print $2 }' "$log")
      p50=$(awk '$1 == "50%" { print $2 }' "$log")
      p99=$(awk '$1 == "99%" { print $2 }' "$log")
      reqs=$(awk '/requests in/ { print $1 }' "$log")
      [[ -n $rps && -n $p50 && -n $p99 ]] || { cat "$log" >&2; die "could not read wrk's output for $t"; }
      p50=$(to_ms "$p50") || die "unknown latency unit in wrk's output: $p50"
      p99=$(to_ms "$p99") || die "unknown latency unit in wrk's output: $p99"
      non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$log")
      if [[ -n $non2xx ]]; then
        hint=""
        [[ $t != C ]] || hint=" (429 means the grant's quota of 1,000,000 calls a minute ran out: fewer ROUNDS or shorter runs)"
        die "$t answered $non2xx of $reqs requests with a non-2xx status$hint; KEEP_TMP=1 keeps $log"
      fi
      errs=$(awk '/Socket errors:/ { sub(/.*Socket errors: /, ""); print }' "$log")
      [[ -z $errs ]] || ISSUES+="- $t, $load load, round $r: socket errors ($errs)"$'\n'
      [[ $t != C ]] || C_REQUESTS=$(( C_REQUESTS + reqs ))
      RPS[$load,$t]+="$rps"$'\n'
      P50[$load,$t]+="$p50"$'\n'
      P99[$load,$t]+="$p99"$'\n'
      RAW+="| ${LOAD_C[$load]} | $r | $t ${NAME[$t]} | $rps | $p50 | $p99 |"$'\n'
      say "  ${LOAD_C[$load]} conn, round $r, $t ${NAME[$t]}: $rps req/s, p50 $p50 ms, p99 $p99 ms"
    done
  done
done

# Every call through the gateway is a leaf of its log: check that the log grew by what wrk counted.
sleep 0.5
LEAVES_AFTER=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM gateway_log").fetchone()[0])' "$TMP/data/egov.db")
LEAVES=$(( LEAVES_AFTER - LEAVES_BEFORE ))
# wrk counts completed responses only; calls cut off at the end of a run may be logged without being counted.
(( LEAVES >= C_REQUESTS )) || die "the gateway's log grew by $LEAVES leaves, but wrk got $C_REQUESTS answers through it"

# ---- report --------------------------------------------------------------------------------------
med() { printf '%s' "$1" | median; }
for load in low high; do
  for t in A B C; do
    RPS[$load,$t]=$(med "${RPS[$load,$t]}")
    P50[$load,$t]=$(med "${P50[$load,$t]}")
    P99[$load,$t]=$(med "${P99[$load,$t]}")
  done
done
CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
[[ -n $CPU ]] || CPU=unknown
NPROC=$(nproc)
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
NGINX_VERSION=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')
WRK_VERSION=$({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $1, $2 }')   # wrk -v exits 1
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { printf f, v }'; }
rps_fmt() { # 12345.6 -> 12,346
  awk -v v="$1" 'BEGIN { s = sprintf("%.0f", v); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); print s }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
diff_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.3f", a - b }'; }

TABLE=$(
  echo "| load | target | req/s | p50 ms | p99 ms |"
  echo "|---|---|---:|---:|---:|"
  for load in low high; do
    label="1 connection, 1 thread, $LOW_DURATION"
    [[ $load == low ]] || label="$HIGH_CONNS connections, $HIGH_THREADS threads, $HIGH_DURATION"
    for t in A B C; do
      printf '| %s | %s %s | %s | %s | %s |\n' "$label" "$t" "${NAME[$t]}" "$(rps_fmt "${RPS[$load,$t]}")" \
        "$(fmt "${P50[$load,$t]}" '%.3f')" "$(fmt "${P99[$load,$t]}" '%.3f')"
    done
  done
)
SUMMARY=$(
  echo "- throughput C/B (egov gateway / nginx proxy): $(ratio "${RPS[low,C]}" "${RPS[low,B]}") at 1 connection, $(ratio "${RPS[high,C]}" "${RPS[high,B]}") at $HIGH_CONNS connections"
  echo "- throughput C/A (egov gateway / backend direct): $(ratio "${RPS[low,C]}" "${RPS[low,A]}") at 1 connection, $(ratio "${RPS[high,C]}" "${RPS[high,A]}") at $HIGH_CONNS connections"
  echo "- p50 added at 1 connection: egov gateway $(diff_ms "${P50[low,C]}" "${P50[low,A]}") ms over the backend direct (nginx proxy: $(diff_ms "${P50[low,B]}" "${P50[low,A]}") ms)"
)

{
  echo "# Gateway: egov against the backend direct and behind nginx"
  echo
  echo "- date: $DATE"
  echo "- machine: $NPROC cores, $CPU"
  echo "- egov: commit $COMMIT, $PROFILE binary ($EGOV_BIN), demo deployment on SQLite, durability \"$DURABILITY\""
  echo "- backend: $NGINX_VERSION, $WORKERS workers, \`return 200 '{\"ok\":true}'\` (application/json); the proxy is the same nginx, keep-alive upstream"
  echo "- response header bytes: A $HDR_BYTES_A, B $HDR_BYTES_B, C $HDR_BYTES_C (the gateway adds its X-Road-* headers)"
  echo "- client: $WRK_VERSION with \`--latency\`, the same X-Road-Client and Authorization headers to all three; $ROUNDS interleaved round(s) (A, B, C, …), medians"
  echo "- the gateway's log grew by $LEAVES leaves for $C_REQUESTS calls counted by wrk"
  echo
  printf '%s\n' "$TABLE"
  echo
  printf '%s\n' "$SUMMARY"
  echo
  echo "Each run:"
  echo
  echo "| connections | round | target | req/s | p50 ms | p99 ms |"
  echo "|---:|---:|---|---:|---:|---:|"
  printf '%s' "$RAW"
  if [[ -n $ISSUES ]]; then
    echo
    echo "Socket errors reported by wrk:"
    echo
    printf '%s' "$ISSUES"
  fi
} >"$TMP/report.md"
echo
cat "$TMP/report.md"
echo
if [[ -n $OUT ]]; then
  mkdir -p "$(dirname "$OUT")"
  cp "$TMP/report.md" "$OUT"
  say "report written to $OUT"
fi

# ---- bench/README.md: the figures between the gateway section's markers ---------------------------
update=0
case $UPDATE_README in
  1) update=1 ;;
  auto) [[ $PROFILE == release ]] && update=1 ;;
esac
if (( update == 0 )); then
  say "$README left as it is (a $PROFILE build; UPDATE_README=1 records it anyway, marked as such)"
  exit 0
fi
BUILD_NOTE=""
[[ $PROFILE == release ]] || BUILD_NOTE=" **This was a $PROFILE build, not a release build: these figures say little about the gateway.**"
{
  echo "Measured $DATE on this project's $NPROC-core machine ($CPU), $PROFILE build of commit" \
    "\`$COMMIT_HASH\`$DIRTY, demo deployment on SQLite with durability \"$DURABILITY\", $NGINX_VERSION ($WORKERS" \
    "workers) as the backend and as the proxy, $WRK_VERSION, medians of $ROUNDS interleaved round(s)" \
    "(\`bash bench/gateway/run.sh\`).$BUILD_NOTE"
  echo
  printf '%s\n' "$TABLE"
  echo
  printf '%s\n' "$SUMMARY"
} >"$TMP/figures.md"
python3 - "$README" "$TMP/figures.md" <<'PY' || die "could not update $README"
import sys, textwrap

path, figures_path = sys.argv[1], sys.argv[2]
begin = "<!-- gateway figures: written by bench/gateway/run.sh -->"
end = "<!-- end of gateway figures -->"
text = open(path, encoding="utf-8").read()
def wrap(line):  # the README's prose is wrapped at 110 columns; tables are not
    if line.startswith("|") or not line.strip():
        return line
    indent = "  " if line.startswith("- ") else ""
    return textwrap.fill(line, width=110, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False)
lines = open(figures_path, encoding="utf-8").read().strip("\n").split("\n")
figures = "\n".join(wrap(l) for l in lines)
block = f"{begin}\n{figures}\n{end}"
if begin in text and end in text and text.index(begin) < text.index(end):
    text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
else:
    text = (text.rstrip("\n") + "\n\n### The gateway (`bench/gateway/run.sh`)\n\n" + block + "\n\n"
            "Reproduce: `" "CARGO_TARGET_DIR=/tmp/relbuild cargo build --release -p egov" "`, then "
            "`bash bench/gateway/run.sh`.\n")
if not text.endswith("\n"):
    text += "\n"
open(path, "w", encoding="utf-8").write(text)
PY
say "figures written into the gateway section of $README"
