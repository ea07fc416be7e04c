#!/usr/bin/env bash
# Runaway-endpoint benchmark (issue 13, point 5): a server that answers every request with one valid
# JSON body of 64 MiB (mizan-testserver --mode enormous), `mizan run` of ITEMS items (default 64) at
# --concurrency 16. Every item must end as an error (the answers are far over the response cap) and the
# peak RSS (/usr/bin/time -v) should stay <= 100 MiB. Reports the median of RUNS runs (default 3) of
# the peak RSS and wall time, for the body announced with a Content-Length and sent chunked (unannounced).
#
#   Benchmarks/response-cap-rss.sh [runs] [items]     (needs: apt-get install -y time)
#   MIZAN_BASELINE=/path/to/older/mizan also measures that binary in the same rounds (before/after).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
ITEMS=${2:-64}
BYTES=$((64 << 20))
command -v /usr/bin/time >/dev/null || { echo "install GNU time: apt-get install -y time" >&2; exit 2; }
swift build -c release --static-swift-stdlib --product mizan >/dev/null
swift build -c release --static-swift-stdlib --product mizan-testserver >/dev/null
BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)
WORK=$(mktemp -d /tmp/mizan-cap-bench.XXXXXX)
SERVERS=()
trap 'for p in "${SERVERS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

start_server() { # extra flags… → sets URL
  "$BIN/mizan-testserver" --port 0 --mode enormous --bytes "$BYTES" "$@" > "$WORK/server.out" &
  SERVERS+=($!)
  for _ in $(seq 1 100); do grep -q listening "$WORK/server.out" 2>/dev/null && break; sleep 0.05; done
  URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/server.out")
}

mkdir -p "$WORK/cap-suite"
printf 'id: cap-suite\nversion: 1.0.0\nlanguage: ary-Arab\ntask: generation\nprompt:\n  template: "{{input}}"\nmetrics: [exact]\ngeneration:\n  max_tokens: 256\n' \
  > "$WORK/cap-suite/suite.yaml"
for i in $(seq 1 "$ITEMS"); do printf '{"id":"i%d","input":"q %d","reference":"a"}\n' "$i" "$i"; done > "$WORK/cap-suite/items.jsonl"

measure() { # binary url strict → prints "seconds rss_kb"; with strict=1 checks every item ended in an error
  rm -f "$WORK"/cap.sqlite*
  # Exit 3 is expected: every item is an endpoint error, over the error budget.
  /usr/bin/time -v "$1" run --suite "$WORK/cap-suite" --endpoint "$2/v1" --concurrency 16 --no-cache \
    --store "$WORK/cap.sqlite" --json > "$WORK/out.json" 2> "$WORK/time.txt" || true
  python3 - "$WORK/out.json" "$ITEMS" "$1" "$3" <<'PY' >&2
import json, sys
o = json.load(open(sys.argv[1]))
print(f"  {sys.argv[3]}: {o['errors']}/{o['items']} items ended in errors {o['error_kinds']}")
if sys.argv[4] == "1":
    assert o["items"] == int(sys.argv[2]) and o["errors"] == o["items"], f"{sys.argv[3]}: {o['errors']} errors of {o['items']} items"
PY
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {split($2,t,":"); print (length(t)==3 ? t[1]*3600+t[2]*60+t[3] : t[1]*60+t[2])}' "$WORK/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
  echo "$wall $rss"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

for framing in content-length chunked; do
  if [ "$framing" = chunked ]; then start_server --chunked; else start_server; fi
  : > "$WORK/new"; : > "$WORK/old"
  for r in $(seq 1 "$RUNS"); do
    measure "$BIN/mizan" "$URL" 1 >> "$WORK/new"
    if [ -n "${MIZAN_BASELINE:-}" ]; then measure "$MIZAN_BASELINE" "$URL" 0 >> "$WORK/old"; fi
  done
  report() { # label file
    printf '%-28s peak RSS %6.1f MiB (median of %d)   wall %5.2f s\n' "$1" \
      "$(awk '{print $2/1024}' "$2" | median)" "$RUNS" "$(awk '{print $1}' "$2" | median)"
  }
  echo "64 MiB answers, $ITEMS items, --concurrency 16, body framed by $framing:"
  report "  mizan (this tree)" "$WORK/new"
  if [ -n "${MIZAN_BASELINE:-}" ]; then report "  baseline ($(basename "$MIZAN_BASELINE"))" "$WORK/old"; fi
  kill "${SERVERS[-1]}" 2>/dev/null || true
done
echo "target: every item an error, peak RSS <= 100 MiB"
