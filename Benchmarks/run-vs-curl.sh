#!/usr/bin/env bash
# Run benchmark: `mizan run` of N items (default 1000) at concurrency 32 against a local server
# that answers instantly (mizan-testserver, echo mode), end to end — process start, suite load,
# libcurl, scoring, every item committed to SQLite before it counts as done, the final summary —
# next to `curl --parallel --parallel-max 32` sending the same request bodies to the same server,
# the two alternating run by run. Reports median wall time and peak RSS (/usr/bin/time -v) and ratios.
#
#   Benchmarks/run-vs-curl.sh [runs] [items]     (needs: apt-get install -y time curl)
#   Targets (issue 4): 1000 items ≤ 0.25 s and ≤ 40 MiB; 100,000 items ≤ 15 s and ≤ 100 MiB.
#   MIZAN_BASELINE=/path/to/older/mizan also times that binary in the same rounds (before/after).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}
ITEMS=${2:-1000}
command -v /usr/bin/time >/dev/null || { echo "install GNU time: apt-get install -y time" >&2; exit 2; }
swift build -c release --static-swift-stdlib --product mizan >/dev/null
swift build -c release --static-swift-stdlib --product mizan-testserver >/dev/null
BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)
WORK=$(mktemp -d /tmp/mizan-run-bench.XXXXXX)
trap 'kill $SERVER_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BIN/mizan-testserver" --port 0 --mode echo > "$WORK/server.out" &
SERVER_PID=$!
for _ in $(seq 1 100); do grep -q listening "$WORK/server.out" 2>/dev/null && break; sleep 0.05; done
URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/server.out")

python3 - "$WORK" "$URL" "$ITEMS" <<'PY'
import json, os, sys
work, url, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(f"{work}/bench-suite")
with open(f"{work}/bench-suite/suite.yaml", "w") as f:
    f.write("id: bench-suite\nversion: 1.0.0\nlanguage: ary-Arab\ntask: generation\n"
            "prompt:\n  template: \"{{input}}\"\nmetrics: [exact, contains]\ngeneration:\n  max_tokens: 16\n")
with open(f"{work}/bench-suite/items.jsonl", "w") as items, open(f"{work}/curl.cfg", "w") as cfg:
    for i in range(n):
        text = f"شنو هي عاصمة المغرب؟ {i}"
        items.write(json.dumps({"id": f"i{i}", "input": text, "reference": text}, ensure_ascii=False) + "\n")
        body = json.dumps({"model": "default", "messages": [{"role": "user", "content": text}], "max_tokens": 16,
                           "stream": False}, ensure_ascii=False)
        cfg.write("next\n" if i else "")
        cfg.write(f'url = "{url}/v1/chat/completions"\nrequest = "POST"\nheader = "Content-Type: application/json"\n'
                  f'data = {json.dumps(body, ensure_ascii=False)}\noutput = "/dev/null"\n')
PY

time_of() { # command… → prints "seconds rss_kb"
  /usr/bin/time -v "$@" > "$WORK/out.json" 2> "$WORK/time.txt" || { cat "$WORK/time.txt" >&2; exit 1; }
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {split($2,t,":"); print (length(t)==3 ? t[1]*3600+t[2]*60+t[3] : t[1]*60+t[2])}' "$WORK/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
  echo "$wall $rss"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

for r in $(seq 1 "$RUNS"); do
  time_of "$BIN/mizan" run --suite "$WORK/bench-suite" --endpoint "$URL/v1" --concurrency 32 \
    --store "$WORK/bench.sqlite" --json >> "$WORK/mizan"
  stored=$(sqlite3 "$WORK/bench.sqlite" "select count(*) from responses where error_kind is null" 2>/dev/null || python3 -c "import json;print(json.load(open('$WORK/out.json'))['items'])")
  [ "$stored" = "$ITEMS" ] || { echo "run $r stored $stored items, expected $ITEMS" >&2; exit 1; }
  rm -f "$WORK"/bench.sqlite*
  if [ -n "${MIZAN_BASELINE:-}" ]; then
    time_of "$MIZAN_BASELINE" run --suite "$WORK/bench-suite" --endpoint "$URL/v1" --concurrency 32 \
      --store "$WORK/bench.sqlite" --json >> "$WORK/baseline"
    rm -f "$WORK"/bench.sqlite*
  fi
  time_of env -u http_proxy -u https_proxy -u all_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY \
    curl -s --parallel --parallel-max 32 --config "$WORK/curl.cfg" >> "$WORK/curl"
done

m_wall=$(cut -d' ' -f1 "$WORK/mizan" | median); m_rss=$(cut -d' ' -f2 "$WORK/mizan" | median)
c_wall=$(cut -d' ' -f1 "$WORK/curl" | median); c_rss=$(cut -d' ' -f2 "$WORK/curl" | median)
echo "$ITEMS items, concurrency 32, $RUNS runs each, alternating (median):"
printf "  mizan run       wall %7.3f s   peak RSS %7d KiB   (every item scored and committed)\n" "$m_wall" "$m_rss"
printf "  curl --parallel wall %7.3f s   peak RSS %7d KiB\n" "$c_wall" "$c_rss"
awk -v m="$m_wall" -v c="$c_wall" -v mr="$m_rss" -v cr="$c_rss" 'BEGIN { printf "  ratio mizan/curl: wall %.2f×, RSS %.2f×\n", m / c, mr / cr }'
if [ -s "$WORK/baseline" ]; then
  b_wall=$(cut -d' ' -f1 "$WORK/baseline" | median); b_rss=$(cut -d' ' -f2 "$WORK/baseline" | median)
  printf "  baseline mizan  wall %7.3f s   peak RSS %7d KiB   (%s)\n" "$b_wall" "$b_rss" "$MIZAN_BASELINE"
  awk -v b="$b_wall" -v c="$c_wall" -v m="$m_wall" 'BEGIN { printf "  ratio baseline/curl: wall %.2f×; baseline/mizan: %.2f×\n", b / c, b / m }'
  echo "  baseline runs: $(tr '\n' ';' < "$WORK/baseline")"
fi
echo "  all runs (wall s, RSS KiB): mizan: $(tr '\n' ';' < "$WORK/mizan")  curl: $(tr '\n' ';' < "$WORK/curl")"
