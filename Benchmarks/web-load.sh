#!/usr/bin/env bash
# Issue-16 load check: 20 annotators judging at once against one `mizan serve` (the release binary) for a minute.
# It is the load test of the test suite (Tests/MizanTests/WebLoadTests.swift) with a longer run and a bigger study:
# two real runs of an ITEMS-item suite made by `mizan run` against the project's test server into a SQLite file, a
# pairwise study with K = 3 annotators per pair, then 20 simulated annotators (HTTP through mizan's libcurl transport,
# session cookie and CSRF token as a browser sends them; every tenth form sent twice, as a double click) judging pair
# after pair until SECONDS have passed. It fails on any error, any acknowledged judgment missing from the store or
# stored twice, and prints the counts (requests, judgments, double submits).
#
#   Benchmarks/web-load.sh [seconds] [items]       (defaults 60 and 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_=${1:-60}
ITEMS=${2:-5000}
swift build -c release --static-swift-stdlib --product mizan >/dev/null
BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)
swift build --build-tests >/dev/null
out=$(mktemp)
MIZAN_SERVE_BINARY="$BIN/mizan" MIZAN_WEB_LOAD_SECONDS="$SECONDS_" MIZAN_WEB_LOAD_ITEMS="$ITEMS" \
  swift test --skip-build --filter WebLoadTests 2>&1 | tee "$out" | grep -E "web load:|passed|failed|error" || true
grep -q "Test run with 1 test.* passed" "$out" || { echo "the load test failed (log: $out)" >&2; exit 1; }
rm -f "$out"
