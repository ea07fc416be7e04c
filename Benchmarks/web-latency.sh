#!/usr/bin/env bash
# Issue-16 benchmark: page latency of `mizan serve` on a store holding two 100,000-item runs (a SQLite file).
# The runs are real: the release `mizan` runs a 100,000-item Darija suite twice against mizan-testserver in echo mode
# (answers at once), so the store holds what a real run stores. A pairwise study between the two runs (`mizan human
# new`) and one annotator give the annotation and results pages. Then `mizan serve` (release) is started and each page
# is fetched sequentially from one client on the same machine: a first (cold) request, then REQUESTS timed requests.
# That is repeated ROUNDS times, restarting the server each round (nothing cached across rounds); the table gives the
# median over rounds of each round's p50 and p95, and the median cold request. Every response is checked (HTTP 200 and
# a marker of the page) so an error page is never timed as a fast page.
#
#   Benchmarks/web-latency.sh [rounds] [requests]      (defaults 3 and 30; MIZAN_BENCH_ITEMS=100000, MIZAN_BENCH_BIN)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
REQUESTS=${2:-30}
ITEMS=${MIZAN_BENCH_ITEMS:-100000}
# MIZAN_BENCH_BIN: a folder holding already-built mizan and mizan-testserver (e.g. .build/debug) instead of the
# release build; its numbers are that build's, not the release binary's.
if [ -n "${MIZAN_BENCH_BIN:-}" ]; then BIN=$MIZAN_BENCH_BIN; else
  swift build -c release --static-swift-stdlib --product mizan >/dev/null
  swift build -c release --static-swift-stdlib --product mizan-testserver >/dev/null
  BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)
fi
WORK=$(mktemp -d /tmp/mizan-web-bench.XXXXXX)
SERVER_PID=""; SERVE_PID=""
trap 'kill $SERVER_PID $SERVE_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BIN/mizan-testserver" --port 0 --mode echo > "$WORK/server.out" &
SERVER_PID=$!
for _ in $(seq 1 100); do grep -q listening "$WORK/server.out" 2>/dev/null && break; sleep 0.05; done
URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/server.out")

python3 - "$WORK" "$ITEMS" <<'PY'
import json, os, sys
work, n = sys.argv[1], int(sys.argv[2])
os.makedirs(f"{work}/web-bench")
with open(f"{work}/web-bench/suite.yaml", "w") as f:
    f.write("id: web-bench\nversion: 1.0.0\nlanguage: ary-Arab\ntask: generation\n"
            "prompt:\n  template: \"{{input}}\"\nmetrics: [exact, chrf]\ngeneration:\n  max_tokens: 32\n")
langs = ["ary-Arab", "zgh-Tfng", "arb-Arab"]
texts = {"ary-Arab": "شنو هي العاصمة ديال المغرب؟ سؤال رقم {i}", "zgh-Tfng": "ⴰⵣⵓⵍ ⴰⵎⴰⵏ ⴰⵖⵔⵓⵎ {i}", "arb-Arab": "ما عاصمة مصر؟ السؤال {i}"}
with open(f"{work}/web-bench/items.jsonl", "w") as items:
    for i in range(n):
        lang = langs[i % 3]
        text = texts[lang].format(i=i)
        # Every seventh reference differs from the echoed answer, so scores vary and the compare page has differences.
        ref = text if i % 7 else text + " ✓"
        items.write(json.dumps({"id": f"i{i:06d}", "lang": lang, "input": text, "reference": ref}, ensure_ascii=False) + "\n")
PY

STORE="$WORK/web.sqlite"
t0=$(date +%s.%N)
"$BIN/mizan" run --suite "$WORK/web-bench" --endpoint "$URL/v1" --model bench-a --name bench-a --temperature 0.2 \
  --concurrency 64 --store "$STORE" --json > "$WORK/a.json"
"$BIN/mizan" run --suite "$WORK/web-bench" --endpoint "$URL/v1" --model bench-b --name bench-b --temperature 0.9 \
  --concurrency 64 --store "$STORE" --json > "$WORK/b.json"
t1=$(date +%s.%N)
RUN_A=$(python3 -c "import json;print(json.load(open('$WORK/a.json'))['run_id'])")
RUN_B=$(python3 -c "import json;print(json.load(open('$WORK/b.json'))['run_id'])")
kill $SERVER_PID; SERVER_PID=""
echo "store: 2 runs x $ITEMS items in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; $(du -h "$STORE" | cut -f1)"

# A study between the runs (the CLI prints the owner token and each annotator's token once).
"$BIN/mizan" human new --runs "$RUN_A" "$RUN_B" --name bench-study --store "$STORE" > "$WORK/study.txt"
STUDY=$(sed -n 's/^study \([^ ]*\) .*/\1/p' "$WORK/study.txt")
OWNER=$(sed -n 's/^owner token[^:]*: //p' "$WORK/study.txt")
"$BIN/mizan" human annotators "$STUDY" --add bench-annotator --store "$STORE" > "$WORK/annotators.txt"
TOKEN=$(awk '$2 == "bench-annotator" { print $3 }' "$WORK/annotators.txt")
[ -n "$STUDY" ] && [ -n "$OWNER" ] && [ -n "$TOKEN" ] || { cat "$WORK/study.txt" "$WORK/annotators.txt" >&2; exit 1; }
STUDY_ARGS=("$STUDY" "$TOKEN" "$OWNER")

PORT=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
for round in $(seq 1 "$ROUNDS"); do
  "$BIN/mizan" serve --store "$STORE" --port "$PORT" > "$WORK/serve-$round.log" 2>&1 &
  SERVE_PID=$!
  for _ in $(seq 1 600); do curl -s -o /dev/null "http://127.0.0.1:$PORT/login" && break; sleep 0.1; done
  python3 Benchmarks/web_latency.py "http://127.0.0.1:$PORT" "$RUN_A" "$RUN_B" "$REQUESTS" "$WORK/round-$round.json" "${STUDY_ARGS[@]}"
  kill $SERVE_PID; wait $SERVE_PID 2>/dev/null || true; SERVE_PID=""
done
python3 Benchmarks/web_latency.py --summarise "$ITEMS" "$WORK"/round-*.json
