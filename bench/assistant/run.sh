#!/usr/bin/env bash
# The citizens' assistant under load: POST /api/v1/assistant/ask with a rotation of real questions, against
# the search API answering the same questions' words on the same node in the same run (the reference: what a
# lookup in the platform costs without passages, decision and composition). Also runs the evaluation set for
# per-question answer time. 127.0.0.1 only; wrk is the client; rounds interleaved.
#
#   bash bench/assistant/run.sh                    # from the repository root
#
# Environment (defaults in brackets):
#   EGOV_BIN   the egov binary [target/release/egov]; built with cargo when it does not exist
#   CONNS      connections [16]      ROUNDS    rounds per endpoint [2]
#   DURATION   one wrk run [10s]     THREADS   wrk threads [2]
#   PORT       egov's port [18090]   OUT       the report [bench/results/assistant-latest.md]
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."

EGOV_BIN=${EGOV_BIN:-target/release/egov}
CONNS=${CONNS:-16}
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
PORT=${PORT:-18090}
OUT=${OUT:-bench/results/assistant-latest.md}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
[[ $CONNS =~ ^[1-9][0-9]*$ && $ROUNDS =~ ^[1-9][0-9]*$ && $THREADS =~ ^[1-9][0-9]*$ && $PORT =~ ^[0-9]+$ ]] \
  || die "CONNS, ROUNDS, THREADS and PORT must be positive integers"
[[ $DURATION =~ ^[1-9][0-9]*[sm]?$ ]] || die "DURATION must look like 10s or 1m: $DURATION"
command -v wrk >/dev/null || die "wrk is missing: apt-get install -y wrk"
command -v curl >/dev/null || die "curl is missing"
if [[ ! -x $EGOV_BIN ]]; then
  say "building $EGOV_BIN (cargo build --release -p egov, about 10 minutes on 2 cores)"
  cargo build --release -p egov
fi

TMP=$(mktemp -d -t egov-bench-assistant.XXXXXX)
EGOV_PID=""
cleanup() {
  local rc=$?
  [[ -n $EGOV_PID ]] && { kill "$EGOV_PID" 2>/dev/null || true; wait "$EGOV_PID" 2>/dev/null || true; }
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/" && die "something already answers on 127.0.0.1:$PORT (set PORT)"

say "starting egov demo on 127.0.0.1:$PORT"
env -u EGOV_BIN "$EGOV_BIN" demo --listen "127.0.0.1:$PORT" --data "$TMP/data" 2>"$TMP/egov.log" >/dev/null &
EGOV_PID=$!
for _ in $(seq 120); do
  curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/readyz" && break
  kill -0 "$EGOV_PID" 2>/dev/null || { tail -n 20 "$TMP/egov.log" >&2; die "egov exited while starting"; }
  sleep 0.5
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/readyz" || die "egov not ready after 60 s"

# Questions in three languages, answerable and not; the search reference gets the same words.
cat >"$TMP/questions.txt" <<'Q'
en|How can I book a consular appointment?
ru|Когда экспортёры встретятся с банками и логистическими компаниями?
tg|Нусхаи такрории шаҳодатномаи таваллудро чӣ тавр онлайн дархост кунам?
en|How many government websites are on the Hukumat.tj portal?
ru|Какое подразделение МВД выдаёт паспорта?
en|Who won the football match yesterday?
tg|Кадом хадамот дар Душанбе ба боғҳо ва кӯчаҳо нигоҳубин мекунад?
ru|Как приготовить настоящий плов дома?
Q
lua_list() {  # $1: ask|search
  local first=1
  printf 'local items = {\n'
  while IFS='|' read -r lang q; do
    if [[ $1 == ask ]]; then
      printf '  %s,\n' "$(printf '{"question": "%s", "lang": "%s"}' "$q" "$lang" | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$/"/')"
    else
      printf '  "%s",\n' "/api/v1/search?lang=$lang&q=$(printf '%s' "$q" | od -An -tx1 | tr -d ' \n' | sed 's/../%&/g')"
    fi
  done <"$TMP/questions.txt"
  printf '}\nlocal i = 0\n'
}
{ lua_list ask; cat <<'L'
request = function()
  i = i % #items + 1
  return wrk.format("POST", "/api/v1/assistant/ask", {["Content-Type"] = "application/json"}, items[i])
end
L
} >"$TMP/ask.lua"
{ lua_list search; cat <<'L'
request = function()
  i = i % #items + 1
  return wrk.format("GET", items[i])
end
L
} >"$TMP/search.lua"
# Both endpoints must answer 200 before they are measured.
code=$(curl -s -o "$TMP/one.json" -w '%{http_code}' -H 'content-type: application/json' \
  -d '{"question":"How can I book a consular appointment?","lang":"en"}' "http://127.0.0.1:$PORT/api/v1/assistant/ask")
[[ $code == 200 ]] && grep -q '"answered"' "$TMP/one.json" || die "the assistant API answered $code: $(head -c 300 "$TMP/one.json")"

run() {  # $1 name, $2 script; prints "rps p50_ms p99_ms non2xx"
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$2" "http://127.0.0.1:$PORT" >"$TMP/$1.out" 2>&1
  awk '
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    /Non-2xx/ {bad=$4}
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    END { printf "%.0f %.3f %.3f %d\n", rps, ms(p50), ms(p99), bad+0 }' "$TMP/$1.out"
}
declare -a ASK SEARCH
for r in $(seq "$ROUNDS"); do
  say "round $r: assistant"; ASK+=("$(run ask "$TMP/ask.lua")")
  say "round $r: search (reference)"; SEARCH+=("$(run search "$TMP/search.lua")")
done
best() { printf '%s\n' "$@" | sort -k1,1nr | head -n 1; }
A=$(best "${ASK[@]}"); S=$(best "${SEARCH[@]}")
read -r a_rps a_p50 a_p99 a_bad <<<"$A"
read -r s_rps s_p50 s_p99 s_bad <<<"$S"
(( a_bad == 0 && s_bad == 0 )) || die "non-2xx answers during the run (assistant $a_bad, search $s_bad)"
say "evaluation set"
env -u EGOV_BIN "$EGOV_BIN" assistant eval eval/assistant/questions.json --data "$TMP/data" >"$TMP/eval.txt"

mkdir -p "$(dirname "$OUT")"
{
  echo "# Assistant benchmark — $(date -u +%Y-%m-%d)"
  echo
  echo "egov $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(basename "$EGOV_BIN") binary, $(nproc) cores; wrk $THREADS threads, $CONNS connections, $DURATION per run, best of $ROUNDS interleaved rounds; 8 questions in tg/ru/en (5 answerable, 3 not) rotated."
  echo
  echo "| endpoint | requests/s | p50 | p99 |"
  echo "|---|---|---|---|"
  echo "| \`POST /api/v1/assistant/ask\` | $a_rps | $a_p50 ms | $a_p99 ms |"
  echo "| \`GET /api/v1/search\` (reference, same words) | $s_rps | $s_p50 ms | $s_p99 ms |"
  echo
  awk -v a="$a_rps" -v s="$s_rps" 'BEGIN { printf "Assistant / search throughput: %.2f×\n", a / s }'
  echo
  echo "Evaluation set (\`egov assistant eval\`, in-process answer time):"
  echo
  echo '```'
  head -n 3 "$TMP/eval.txt"
  echo '```'
} >"$OUT"
cat "$OUT"
