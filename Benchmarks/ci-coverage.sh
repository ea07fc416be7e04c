#!/usr/bin/env bash
# Coverage of mizan's 95% confidence intervals by simulation (issue: intervals that keep their promise).
# Usage: bash Benchmarks/ci-coverage.sh [SIMULATIONS_PER_CELL]   (default 4000; ~2 minutes on 2 cores in release mode)
# Drives the statistics module that `mizan show`, `compare` and `gate` use; prints Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product mizan-coverage 2>&1 | grep -E "error|warning: |Build of product|Compiling" | tail -3
.build/release/mizan-coverage "${1:-4000}"
