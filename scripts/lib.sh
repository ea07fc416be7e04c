# Shared by scripts/test, scripts/demo, scripts/release-smoke and scripts/local-model.sh (sourced, not run):
# a line per phase with the time since the top-level script started, progress lines during long steps, and
# builds judged by their exit status (never by grepping their output for a message).

# The start time is inherited by scripts called from scripts, so every line counts from the same moment.
: "${MIZAN_SCRIPT_START:=$(date +%s)}"
export MIZAN_SCRIPT_START

# Time since the top-level script started, e.g. 3m07s.
elapsed() {
  local s=$(( $(date +%s) - MIZAN_SCRIPT_START ))
  printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# phase TEXT…: one line saying what starts now.
phase() { echo "==> [$(elapsed)] $*"; }

# The last progress mark in a build log: "[n/m]" (swift build: step n of the m planned so far — m grows as the
# build goes, so no percentage) or "[ p%]" (CMake/make), else the log's last line.
last_step() {
  local tailtext mark n m
  tailtext=$(tail -c 65536 "$1" 2>/dev/null || true)
  mark=$(printf '%s\n' "$tailtext" | grep -aoE '^\[[0-9]+/[0-9]+\]|\[ *[0-9]+%\]' | tail -1 || true)
  case "$mark" in
    \[*/*\])
      n=${mark#[}; n=${n%/*}; m=${mark#*/}; m=${m%]}
      echo "step $n of $m so far" ;;
    \[*%\])
      echo "$(echo "$mark" | tr -d '[] ') compiled" ;;
    *)
      printf '%s\n' "$tailtext" | grep -av '^\s*$' | tail -1 | cut -c1-100 ;;
  esac
}

# with_progress LABEL LOG COMMAND…: runs COMMAND with its output in LOG and, every $MIZAN_PROGRESS_EVERY seconds
# (default 30), prints LABEL, the last step COMMAND reported and the time so far. Returns COMMAND's exit status.
with_progress() {
  local label=$1 log=$2 pid next every=${MIZAN_PROGRESS_EVERY:-30}
  shift 2
  "$@" >"$log" 2>&1 &
  pid=$!
  next=$(( $(date +%s) + every ))
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if [ "$(date +%s)" -ge "$next" ]; then
      echo "    $label: $(last_step "$log") [$(elapsed)]"
      next=$(( $(date +%s) + every ))
    fi
  done
  wait "$pid"
}

# swift_build LABEL LOG ARGS…: `swift build ARGS…` with progress lines; on failure says so, shows the errors
# and the end of the log, and returns non-zero. Success is swift build's exit status: the final message
# differs between a full build ("Build complete!") and one product ("Build of product 'mizan' complete!").
swift_build() {
  local label=$1 log=$2 status=0
  shift 2
  with_progress "$label" "$log" swift build "$@" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "$label FAILED (swift build $*, exit status $status); errors and the end of $log:" >&2
    grep -aE "error:" "$log" | sort -u | head -20 >&2 || true
    tail -20 "$log" >&2
    return "$status"
  fi
  echo "    $label: $(grep -aE 'complete!' "$log" | tail -1) [$(elapsed)]"
}

# need_swift: stops with what to do when Swift 6.3 or newer is not on PATH (README: "Swift 6.3 on Debian 12").
need_swift() {
  local version
  version=$(swift --version 2>/dev/null | sed -nE 's/.*Swift version ([0-9]+\.[0-9]+).*/\1/p' | head -1)
  case "$version" in
    6.[3-9]*|6.[1-9][0-9]*|[7-9].*) return 0 ;;
  esac
  echo "mizan needs Swift 6.3 or newer; found: ${version:-no swift on PATH}. On Debian 12 (x86_64):" >&2
  echo "  curl -fLO https://download.swift.org/swift-6.3.1-release/debian12/swift-6.3.1-RELEASE/swift-6.3.1-RELEASE-debian12.tar.gz" >&2
  echo "  mkdir -p /opt/swift && tar xzf swift-6.3.1-RELEASE-debian12.tar.gz -C /opt/swift --strip-components=1" >&2
  echo "  export PATH=/opt/swift/usr/bin:\$PATH" >&2
  echo "(its build dependencies and the aarch64 download: README, section 'Swift 6.3 on Debian 12')" >&2
  exit 2
}
