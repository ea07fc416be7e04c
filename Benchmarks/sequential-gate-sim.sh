#!/usr/bin/env bash
# Error rates and item use of `mizan gate --sequential` by simulation (issue 17): GATES simulated gates per row
# (default 2000) of ITEMS items (default 200) on synthetic paired scores — 0/1 and continuous 0–100 — under no
# change, a small and a large regression, each decided item by item with the gate's own confidence sequence and
# decision rule (Sources/mizan-sequential-sim), next to the fixed-size gate's decision on all the items.
# Usage: bash Benchmarks/sequential-gate-sim.sh [GATES] [ITEMS]   (a few minutes on 2 busy cores); prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c "${MIZAN_BUILD_CONFIG:-debug}" --product mizan-sequential-sim 2>&1 | grep -E "error|warning: " || true
"$(swift build -c "${MIZAN_BUILD_CONFIG:-debug}" --show-bin-path)/mizan-sequential-sim" "${1:-2000}" "${2:-200}"
