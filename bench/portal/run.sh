#!/usr/bin/env bash
# Portal page throughput: egov serving a portal page, against nginx serving the same bytes as a static
# file. Both run on 127.0.0.1 only; wrk is the client for both, interleaved round by round.
#
#   bash bench/portal/run.sh                       # from the repository root
#
# Environment (defaults in brackets):
#   EGOV_BIN       the egov binary [target/release/egov]; built with cargo only when it does not exist
#   PAGE_PATH      the page under test [/en/mfa/news]; falls back to /en/ when it does not answer 200
#   CONNS          connection counts, space-separated ["64"]
#   ROUNDS         rounds per server and connection count [3]
#   DURATION       length of one wrk run, as wrk takes it (10s, 1m) [10s]
#   THREADS        wrk threads [2]
#   WORKERS        nginx worker_processes [2]
#   PORT           egov's port [18080]
#   NGINX_PORT     nginx's port [18081]
#   OUT            where the report is written [bench/results/portal-latest.md]
#   KEEP_TMP=1     keep the temporary folder (data, logs, nginx config) for inspection
set -euo pipefail
export LC_ALL=C

cd "$(dirname "$0")/../.."
ROOT=$(pwd)

EGOV_BIN=${EGOV_BIN:-target/release/egov}
PAGE_PATH=${PAGE_PATH:-/en/mfa/news}
CONNS=${CONNS:-64}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
WORKERS=${WORKERS:-2}
PORT=${PORT:-18080}
NGINX_PORT=${NGINX_PORT:-18081}
OUT=${OUT:-bench/results/portal-latest.md}
KEEP_TMP=${KEEP_TMP:-0}
WARMUP_REQUESTS=300

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
trap 'printf "bench: a command failed at line %s of %s\n" "$LINENO" "$0" >&2' ERR

# ---- checks on the parameters ------------------------------------------------------------------
[[ $PAGE_PATH =~ ^/[A-Za-z0-9._~/-]*$ ]] || die "PAGE_PATH must be a plain path (letters, digits, . _ ~ / -): $PAGE_PATH"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer: $ROUNDS"
[[ $THREADS =~ ^[1-9][0-9]*$ ]] || die "THREADS must be a positive integer: $THREADS"
[[ $WORKERS =~ ^[1-9][0-9]*$ ]] || die "WORKERS must be a positive integer: $WORKERS"
[[ $PORT =~ ^[0-9]+$ && $NGINX_PORT =~ ^[0-9]+$ && $PORT != "$NGINX_PORT" ]] || die "PORT and NGINX_PORT must be two different port numbers"
for c in $CONNS; do
  [[ $c =~ ^[1-9][0-9]*$ ]] || die "CONNS must be positive integers: $CONNS"
  (( c >= THREADS )) || die "each connection count must be at least THREADS ($THREADS): $c"
done
case $DURATION in
  *[0-9]s) dur_s=${DURATION%s} ;;
  *[0-9]m) dur_s=$(( ${DURATION%m} * 60 )) ;;
  *[0-9]) dur_s=$DURATION ;;
  *) die "DURATION must look like 10s, 1m or 10: $DURATION" ;;
esac
[[ $dur_s =~ ^[1-9][0-9]*$ ]] || die "DURATION must be a whole, positive number of seconds or minutes: $DURATION"

# ---- tools ---------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  say "installing wrk and nginx from Debian's packages"
  [[ $(id -u) == 0 ]] || die "wrk or nginx is missing and installing needs root: apt-get install -y wrk nginx"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y wrk nginx >/dev/null \
    || { apt-get update >/dev/null && apt-get install -y wrk nginx >/dev/null; } \
    || die "could not install wrk and nginx"
fi
command -v curl >/dev/null || die "curl is required"
NGINX=$(command -v nginx)

# ---- the egov binary -----------------------------------------------------------------------------
if [[ ! -x $EGOV_BIN ]]; then
  say "$EGOV_BIN does not exist: building it with 'cargo build --release -p egov' (about 10 minutes on 2 cores)"
  command -v cargo >/dev/null || die "cargo is needed to build egov (or point EGOV_BIN at a built binary)"
  cargo build --release -p egov
  [[ -x $EGOV_BIN ]] || die "the build finished but $EGOV_BIN is still missing (EGOV_BIN points elsewhere than target/release/egov?)"
fi
case $EGOV_BIN in
  *release*) PROFILE=release ;;
  *debug*) PROFILE=debug ;;
  *) PROFILE=unknown ;;
esac
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ $COMMIT != unknown ]] && [[ -n $(git status --porcelain -- crates Cargo.toml Cargo.lock 2>/dev/null) ]]; then
  COMMIT="$COMMIT (with uncommitted changes in crates/ or Cargo files)"
fi

# ---- temporary folder, processes, cleanup --------------------------------------------------------
TMP=$(mktemp -d -t egov-bench.XXXXXX)
chmod 755 "$TMP"   # nginx workers run as an unprivileged user and must reach www/
EGOV_PID=""
NGINX_PID=""
WRK_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $WRK_PID ]]; then kill "$WRK_PID" 2>/dev/null || true; wait "$WRK_PID" 2>/dev/null || true; fi
  if [[ -n $NGINX_PID ]]; then kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
  if [[ -n $EGOV_PID ]]; then kill "$EGOV_PID" 2>/dev/null || true; wait "$EGOV_PID" 2>/dev/null || true; fi
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

for p in "$PORT" "$NGINX_PORT"; do
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$p/"; then
    die "something already answers on 127.0.0.1:$p (set PORT / NGINX_PORT)"
  fi
done

# ---- egov ----------------------------------------------------------------------------------------
say "starting egov ($EGOV_BIN, $PROFILE) on 127.0.0.1:$PORT"
# egov refuses EGOV_* variables it does not know, so the script's own EGOV_BIN is kept from it.
env -u EGOV_BIN "$EGOV_BIN" demo --listen "127.0.0.1:$PORT" --data "$TMP/egov-data" 2>"$TMP/egov.log" >/dev/null &
EGOV_PID=$!
ready=0
for _ in $(seq 120); do
  if curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/readyz"; then ready=1; break; fi
  kill -0 "$EGOV_PID" 2>/dev/null || { tail -n 20 "$TMP/egov.log" >&2; EGOV_PID=""; die "egov exited while starting"; }
  sleep 0.5
done
(( ready )) || { tail -n 20 "$TMP/egov.log" >&2; die "egov not ready on 127.0.0.1:$PORT/readyz after 60 s"; }
BACKEND=$(sed -n 's/.*"backend":"\([^"]*\)".*/\1/p' "$TMP/egov.log" | head -n 1)
[[ -n $BACKEND ]] || BACKEND=unknown

# ---- the page under test -------------------------------------------------------------------------
mkdir -p "$TMP/www"
chmod 755 "$TMP/www"
NOTE=""
status=$(curl -s -o "$TMP/www/page.html" -w '%{http_code}' "http://127.0.0.1:$PORT$PAGE_PATH")
if [[ $status != 200 ]]; then
  NOTE="$PAGE_PATH answered $status, so this run measured /en/ instead."
  say "$NOTE"
  PAGE_PATH=/en/
  status=$(curl -s -o "$TMP/www/page.html" -w '%{http_code}' "http://127.0.0.1:$PORT$PAGE_PATH")
  [[ $status == 200 ]] || die "/en/ answered $status as well"
fi
chmod 644 "$TMP/www/page.html"
PAGE_BYTES=$(wc -c <"$TMP/www/page.html")
# The comparison only holds if egov sends the same bytes every time.
curl -s -o "$TMP/page2.html" "http://127.0.0.1:$PORT$PAGE_PATH"
cmp -s "$TMP/www/page.html" "$TMP/page2.html" \
  || say "warning: egov's $PAGE_PATH differs between two requests; nginx serves the first copy"

# ---- nginx ---------------------------------------------------------------------------------------
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/nginx.conf" <<EOF
# Generated by bench/portal/run.sh; serves one file, the egov page, at the same path.
worker_processes $WORKERS;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;

events {
    worker_connections 4096;
}

http {
    access_log off;
    sendfile on;
    keepalive_requests 100000;
    default_type text/html;
    charset utf-8;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;

    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $TMP/www;
        location = $PAGE_PATH {
            rewrite ^ /page.html break;
        }
        location / {
            return 404;
        }
    }
}
EOF
"$NGINX" -t -q -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" \
  || die "nginx rejected the generated config ($TMP/nginx/nginx.conf)"
say "starting nginx ($WORKERS workers) on 127.0.0.1:$NGINX_PORT"
"$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" &
NGINX_PID=$!
ready=0
for _ in $(seq 40); do
  if curl -sf -o "$TMP/nginx-page.html" --max-time 2 "http://127.0.0.1:$NGINX_PORT$PAGE_PATH"; then ready=1; break; fi
  kill -0 "$NGINX_PID" 2>/dev/null || { cat "$TMP/nginx/error.log" >&2; NGINX_PID=""; die "nginx exited while starting"; }
  sleep 0.25
done
(( ready )) || { cat "$TMP/nginx/error.log" >&2; die "nginx did not answer on 127.0.0.1:$NGINX_PORT$PAGE_PATH"; }
cmp -s "$TMP/www/page.html" "$TMP/nginx-page.html" || die "nginx does not send the same bytes as egov"

EGOV_URL="http://127.0.0.1:$PORT$PAGE_PATH"
NGINX_URL="http://127.0.0.1:$NGINX_PORT$PAGE_PATH"
# Response headers differ (egov adds its security headers; nginx adds ETag, Last-Modified); their size
# is reported so the reader can weigh it. Neither side compresses: wrk sends no Accept-Encoding.
EGOV_HDR=$(curl -s -o /dev/null -w '%{size_header}' "$EGOV_URL")
NGINX_HDR=$(curl -s -o /dev/null -w '%{size_header}' "$NGINX_URL")

# ---- warm-up -------------------------------------------------------------------------------------
warm() {
  local url=$1 args=() i
  for ((i = 0; i < WARMUP_REQUESTS; i++)); do args+=(-o /dev/null "$url"); done
  curl -sf "${args[@]}" || die "warm-up of $url failed"
}
say "warming up both servers ($WARMUP_REQUESTS requests each)"
warm "$EGOV_URL"
warm "$NGINX_URL"

# ---- measurement ---------------------------------------------------------------------------------
to_ms() { # a wrk duration (12.5us, 3.1ms, 1.2s, 1.1m) in milliseconds
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else if (v ~ /h$/) { sub(/h$/, "", v); printf "%.3f", v * 3600000 }
    else { exit 1 }
  }'
}
median() { # numbers on stdin, one per line
  sort -g | awk '{ a[NR] = $1 } END {
    if (NR == 0) exit 1
    if (NR % 2) printf "%.3f", a[(NR + 1) / 2]; else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2
  }'
}

ncounts=$(wc -w <<<"$CONNS")
total_s=$(( ncounts * ROUNDS * 2 * dur_s ))
say "measuring: connections [$CONNS], rounds: $ROUNDS, 2 servers, $DURATION each (about ${total_s} s)"
ISSUES=""
RAW=""
declare -A RPS P99
for c in $CONNS; do
  for ((r = 1; r <= ROUNDS; r++)); do
    for server in egov nginx; do
      if [[ $server == egov ]]; then url=$EGOV_URL; else url=$NGINX_URL; fi
      log="$TMP/wrk-$server-c$c-r$r.txt"
      # In the background, so that an interrupt is acted on at once rather than after the run.
      timeout $(( dur_s + 60 )) wrk --latency -t "$THREADS" -c "$c" -d "$DURATION" "$url" >"$log" 2>&1 &
      WRK_PID=$!
      wait "$WRK_PID" || { WRK_PID=""; cat "$log" >&2; die "wrk failed against $server"; }
      WRK_PID=""
      rps=$(awk '/^Requests\/sec:/ { print $2 }' "$log")
      p99=$(awk '$1 == "99%" { print $2 }' "$log")
      [[ -n $rps && -n $p99 ]] || { cat "$log" >&2; die "could not read wrk's output for $server"; }
      p99ms=$(to_ms "$p99") || die "unknown latency unit in wrk's output: $p99"
      non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$log")
      [[ -z $non2xx ]] || die "$server answered $non2xx requests with a non-2xx/3xx status (see $log; KEEP_TMP=1 keeps it)"
      errs=$(awk '/Socket errors:/ { sub(/.*Socket errors: /, ""); print }' "$log")
      [[ -z $errs ]] || ISSUES+="- $server, $c connections, round $r: socket errors ($errs)"$'\n'
      RPS[$server,$c]+="$rps"$'\n'
      P99[$server,$c]+="$p99ms"$'\n'
      RAW+="| $c | $r | $server | $rps | $p99ms |"$'\n'
      say "  $c conns, round $r, $server: $rps req/s, p99 $p99ms ms"
    done
  done
done

# ---- report --------------------------------------------------------------------------------------
CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
[[ -n $CPU ]] || CPU=unknown
NPROC=$(nproc)
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
NGINX_VERSION=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')
WRK_VERSION=$({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $1, $2 }')   # wrk -v exits 1

{
  echo "# Portal page: egov against nginx serving the same bytes"
  echo
  echo "- date: $DATE"
  echo "- machine: $NPROC cores, $CPU"
  echo "- egov: commit $COMMIT, $PROFILE binary ($EGOV_BIN), demo deployment, store: $BACKEND"
  echo "- page: \`$PAGE_PATH\`, $PAGE_BYTES bytes of HTML (response headers: egov $EGOV_HDR bytes, nginx $NGINX_HDR bytes)"
  echo "- nginx: $NGINX_VERSION, $WORKERS workers, sendfile on, access_log off, no open_file_cache"
  echo "- client: $WRK_VERSION, $THREADS threads, $DURATION per run, rounds per server: $ROUNDS, interleaved (egov, nginx, egov, …); median of the rounds"
  echo "- everything on 127.0.0.1 of the same machine; no compression on either side (wrk sends no Accept-Encoding)"
  [[ -z $NOTE ]] || echo "- note: $NOTE"
  echo
  echo "| connections | egov req/s | nginx req/s | egov/nginx | egov p99 ms | nginx p99 ms |"
  echo "|---:|---:|---:|---:|---:|---:|"
  for c in $CONNS; do
    e_rps=$(printf '%s' "${RPS[egov,$c]}" | median)
    n_rps=$(printf '%s' "${RPS[nginx,$c]}" | median)
    e_p99=$(printf '%s' "${P99[egov,$c]}" | median)
    n_p99=$(printf '%s' "${P99[nginx,$c]}" | median)
    awk -v c="$c" -v er="$e_rps" -v nr="$n_rps" -v ep="$e_p99" -v np="$n_p99" 'BEGIN {
      printf "| %d | %.0f | %.0f | %.2f | %.2f | %.2f |\n", c, er, nr, (nr > 0 ? er / nr : 0), ep, np
    }'
  done
  echo
  echo "Each run:"
  echo
  echo "| connections | round | server | req/s | p99 ms |"
  echo "|---:|---:|---|---:|---:|"
  printf '%s' "$RAW"
  if [[ -n $ISSUES ]]; then
    echo
    echo "Socket errors reported by wrk:"
    echo
    printf '%s' "$ISSUES"
  fi
} >"$TMP/report.md"

mkdir -p "$(dirname "$OUT")"
cp "$TMP/report.md" "$OUT"
echo
cat "$TMP/report.md"
echo
say "written to $OUT"
