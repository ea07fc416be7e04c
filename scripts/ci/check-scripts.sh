#!/usr/bin/env bash
# Checks the project's shell scripts (run by scripts/test after the tests; needs the debug build):
# - every script parses;
# - no script judges a build by grepping its output for "Build complete": `swift build --product X` ends with
#   "Build of product 'X' complete!", so such a grep misreads a build (the demo once went on with a stale binary
#   after a failed build); builds go through scripts/lib.sh's swift_build, which uses the exit status;
# - swift_build reports a real failed build as FAILED with a non-zero status, and a real product build as done;
# - with_progress prints progress lines while a long step runs and returns the step's exit status;
# - without Swift on PATH, need_swift stops with how to install it.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "check-scripts: $*" >&2; exit 1; }

for f in scripts/demo scripts/test scripts/release-smoke scripts/local-model.sh scripts/pg-server scripts/lib.sh scripts/image \
         scripts/ci/*.sh examples/slurm/mizan-shards.sbatch Benchmarks/*.sh; do
  bash -n "$f" || fail "$f does not parse"
done

if grep -nE 'grep.*Build complete' scripts/demo scripts/test scripts/release-smoke scripts/local-model.sh scripts/image \
    scripts/ci/check-image.sh Benchmarks/*.sh; then
  fail "the lines above decide a build's success by grepping for 'Build complete'; use swift_build (scripts/lib.sh)"
fi

source scripts/lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A build that fails for real (no such product): reported, non-zero.
status=0
swift_build "check build" "$work/bad.log" --product no-such-product >"$work/bad.out" 2>&1 || status=$?
[ "$status" -ne 0 ] || fail "swift_build returned 0 for a failed build"
grep -q "check build FAILED" "$work/bad.out" || fail "a failed build was not reported as FAILED: $(cat "$work/bad.out")"
grep -q "no-such-product" "$work/bad.out" || fail "a failed build's error was not shown: $(cat "$work/bad.out")"

# A product build that succeeds (already built by scripts/test, so quick): its own completion message, status 0.
swift_build "check build" "$work/good.log" --product mizan-testserver >"$work/good.out" 2>&1 \
  || fail "swift_build failed for a product that builds: $(cat "$work/good.out")"
grep -q "Build of product 'mizan-testserver' complete!" "$work/good.out" || fail "no completion line: $(cat "$work/good.out")"

# Progress lines while a step runs, and the step's own exit status.
status=0
MIZAN_PROGRESS_EVERY=1 with_progress "slow step" "$work/slow.log" bash -c 'echo "[ 40%] Building x"; sleep 3; exit 7' \
  >"$work/slow.out" 2>&1 || status=$?
[ "$status" -eq 7 ] || fail "with_progress returned $status, not the step's 7"
grep -q "slow step: 40% compiled" "$work/slow.out" || fail "no progress line: $(cat "$work/slow.out")"
# scripts/image refuses an unknown argument before touching Docker or debootstrap, with its usage.
status=0
bash scripts/image --no-such-option >"$work/image.out" 2>&1 || status=$?
[ "$status" -eq 2 ] && grep -q "unknown argument '--no-such-option'" "$work/image.out" && grep -q -- "--update-lock" "$work/image.out" \
  || fail "scripts/image with an unknown argument: status $status, $(cat "$work/image.out")"
# Without Swift on PATH the scripts stop at once and say how to get it.
if ! PATH=/usr/bin:/bin command -v swift >/dev/null; then
  status=0
  PATH=/usr/bin:/bin bash -c 'source scripts/lib.sh; need_swift' >"$work/noswift.out" 2>&1 || status=$?
  [ "$status" -eq 2 ] && grep -q "download.swift.org/swift-6.3" "$work/noswift.out" \
    || fail "need_swift without swift: status $status, $(cat "$work/noswift.out")"
fi
echo "scripts: ok (they parse; builds are judged by exit status; progress lines are printed)"
