#!/usr/bin/env bash
# Issue-8 benchmark: a 10,000-item run split in 4 shards — 4 concurrent `mizan run --shard i/4` processes
# writing one run into PostgreSQL (the throwaway local server of scripts/pg-server, as in the tests) —
# next to the same run unsharded into a SQLite file. The model is mizan-testserver in echo mode (answers
# at once), so the numbers measure mizan and its store, not a model. The same requests are in flight in
# both cases: --concurrency 32 unsharded, 8 per shard. Wall time from process start to every item stored
# and scored (and, for shards, the last shard's report); medians over N runs; every run is checked complete.
#
#   Benchmarks/shards-vs-sqlite.sh [runs]      (needs: postgresql, libpq-dev; GNU time not needed)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
ITEMS=${MIZAN_BENCH_ITEMS:-10000}
swift build -c release --static-swift-stdlib --product mizan >/dev/null
swift build -c release --static-swift-stdlib --product mizan-testserver >/dev/null
BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)
WORK=$(mktemp -d /tmp/mizan-shard-bench.XXXXXX)
PGDIR=$(mktemp -d /tmp/mizan-bench-pg.XXXXXX)
trap 'kill $SERVER_PID 2>/dev/null || true; bash scripts/pg-server stop "$PGDIR"; rm -rf "$WORK"' EXIT
eval "$(bash scripts/pg-server start "$PGDIR")"

"$BIN/mizan-testserver" --port 0 --mode echo > "$WORK/server.out" &
SERVER_PID=$!
for _ in $(seq 1 100); do grep -q listening "$WORK/server.out" 2>/dev/null && break; sleep 0.05; done
URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/server.out")

python3 - "$WORK" "$ITEMS" <<'PY'
import json, os, sys
work, n = sys.argv[1], int(sys.argv[2])
os.makedirs(f"{work}/bench-suite")
with open(f"{work}/bench-suite/suite.yaml", "w") as f:
    f.write("id: bench-suite\nversion: 1.0.0\nlanguage: ary-Arab\ntask: generation\n"
            "prompt:\n  template: \"{{input}}\"\nmetrics: [exact, contains]\ngeneration:\n  max_tokens: 16\n")
with open(f"{work}/bench-suite/items.jsonl", "w") as items:
    for i in range(n):
        text = f"شنو هي عاصمة المغرب؟ {i}"
        items.write(json.dumps({"id": f"i{i}", "input": text, "reference": text}, ensure_ascii=False) + "\n")
PY

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
check() { # store run-id → fails unless the run is complete with every item
  "$BIN/mizan" show "$2" --store "$1" --format json --resamples 0 > "$WORK/show.json"
  python3 - "$WORK/show.json" "$ITEMS" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); n = int(sys.argv[2])
assert s["items"] == n and s["errors"] == 0, (s["items"], s["errors"])
assert s.get("shards", {"missing": []})["missing"] == [], s["shards"]
PY
}

for r in $(seq 1 "$RUNS"); do
  db="bench_$r"
  psql -q "$MIZAN_TEST_POSTGRES_URL" -c "CREATE DATABASE $db"
  PG="${MIZAN_TEST_POSTGRES_URL%/*}/$db"
  for tls in require disable; do
    t0=$(now)
    pids=()
    for i in 0 1 2 3; do
      "$BIN/mizan" run --suite "$WORK/bench-suite" --endpoint "$URL/v1" --concurrency 8 --store "$PG?sslmode=$tls" \
        --name "bench-$r-$tls" --shard "$i/4" --json > "$WORK/shard-$i.json" 2> "$WORK/shard-$i.err" &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || { cat "$WORK"/shard-*.err >&2; exit 1; }; done
    t1=$(now)
    check "$PG" "$(python3 -c "import json;print(json.load(open('$WORK/shard-0.json'))['run_id'])")"
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >> "$WORK/sharded-$tls"
  done

  t0=$(now)
  "$BIN/mizan" run --suite "$WORK/bench-suite" --endpoint "$URL/v1" --concurrency 32 --store "$WORK/bench-$r.sqlite" \
    --json > "$WORK/single.json"
  t1=$(now)
  check "$WORK/bench-$r.sqlite" "$(python3 -c "import json;print(json.load(open('$WORK/single.json'))['run_id'])")"
  awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >> "$WORK/single"
done

s=$(median < "$WORK/sharded-require"); d=$(median < "$WORK/sharded-disable"); u=$(median < "$WORK/single")
echo "$ITEMS items, $RUNS runs each (median wall time, process start to every item stored and scored):"
printf "  4 shards x --concurrency 8 -> PostgreSQL, one run, TLS (sslmode=require)  %7.2f s\n" "$s"
printf "  4 shards x --concurrency 8 -> PostgreSQL, one run, no TLS                 %7.2f s\n" "$d"
printf "  unsharded --concurrency 32 -> SQLite file                                 %7.2f s\n" "$u"
awk -v s="$s" -v u="$u" 'BEGIN { printf "  ratio sharded (TLS) / unsharded SQLite: %.2f\n", s / u }'
echo "  all runs: TLS $(tr '\n' ' ' < "$WORK/sharded-require")| no TLS $(tr '\n' ' ' < "$WORK/sharded-disable")| SQLite $(tr '\n' ' ' < "$WORK/single")"
