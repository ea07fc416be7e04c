#!/usr/bin/env bash
# End-to-end timing of `mizan score` against the sacrebleu 2.6.0 CLI (process start included)
# on 10,000 deterministic, mixed-language segment pairs (French, MSA, Darija in Arabic script and
# Arabizi, Tifinagh and Latin Tamazight). Prints medians and ratios; also checks both tools print
# the same score line.
#
#   pip install sacrebleu==2.6.0; apt-get install -y hyperfine   (falls back to repeated runs without it)
#   Benchmarks/score-vs-sacrebleu.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
WORK=$(mktemp -d /tmp/mizan-score-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

python3 -c 'import sacrebleu,sys; v=sacrebleu.__version__; sys.exit(0 if v=="2.6.0" else f"need sacrebleu 2.6.0, found {v}")'

python3 - "$WORK" <<'PY'
import importlib.util, os, random, sys
spec = importlib.util.spec_from_file_location("corpus", os.path.join("scripts", "make-golden-corpus.py"))
corpus = importlib.util.module_from_spec(spec); spec.loader.exec_module(corpus)
rng = random.Random(10000)
langs = list(corpus.POOLS)
hyp, ref = [], []
for i in range(10000):
    lang = langs[i % len(langs)]
    r = " ".join(rng.choice(corpus.POOLS[lang]) for _ in range(rng.randint(1, 3)))
    hyp.append(corpus.noisy(rng, r, lang, rng.choice([0, 1, 2, 3, 5, 8])))
    ref.append(r)
for name, lines in (("hyp.txt", hyp), ("ref.txt", ref)):
    with open(os.path.join(sys.argv[1], name), "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines) + "\n")
print(f"generated {len(hyp)} segment pairs, {sum(map(len, ref))} reference characters", file=sys.stderr)
PY

swift build -c release --static-swift-stdlib --product mizan >/dev/null
BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/mizan"
H="$WORK/hyp.txt"; R="$WORK/ref.txt"

declare -a NAMES MIZAN SACRE
NAMES=(bleu chrf chrf++ ter)
MIZAN=("$BIN score --metric bleu --ref $R --hyp $H"
       "$BIN score --metric chrf --ref $R --hyp $H"
       "$BIN score --metric chrf++ --ref $R --hyp $H"
       "$BIN score --metric ter --ref $R --hyp $H")
SACRE=("sacrebleu $R -i $H -m bleu -f text"
       "sacrebleu $R -i $H -m chrf -f text"
       "sacrebleu $R -i $H -m chrf --chrf-word-order 2 -f text"
       "sacrebleu $R -i $H -m ter -f text")

for k in 0 1 2 3; do
  a=$(${MIZAN[$k]}); b=$(${SACRE[$k]} 2>/dev/null)
  if [[ "$a" != "$b" ]]; then echo "MISMATCH ${NAMES[$k]}:"; echo "  mizan:     $a"; echo "  sacrebleu: $b"; exit 1; fi
  echo "same output (${NAMES[$k]}): $a"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
time_cmd() {  # prints "<median wall s> <mean user+sys CPU s>" over $1 runs of command $2
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 1 --runs "$1" --export-json "$WORK/t.json" "$2" >/dev/null 2>&1
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print(r["median"], r["user"]+r["system"])' "$WORK/t.json"
  else
    : > "$WORK/cpu"
    for _ in $(seq "$1"); do
      /usr/bin/time -f "%e %U %S" -o "$WORK/one" $2 >/dev/null 2>&1
      awk '{print $2+$3}' "$WORK/one" >> "$WORK/cpu"; awk '{print $1}' "$WORK/one"
    done | median | tr '\n' ' '
    median < "$WORK/cpu"
  fi
}

echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (wall times are sensitive to other load; CPU times much less)"
printf "%-8s %11s %14s %10s %14s %14s %10s\n" metric "mizan wall" "sacrebleu wall" "wall ratio" "mizan CPU" "sacrebleu CPU" "CPU ratio"
for k in 0 1 2 3; do
  read -r mw mc < <(time_cmd $((RUNS * 3)) "${MIZAN[$k]}")
  read -r sw sc < <(time_cmd "$RUNS" "${SACRE[$k]}")
  printf "%-8s %10.4fs %13.3fs %9.1fx %13.4fs %13.3fs %9.1fx\n" "${NAMES[$k]}" "$mw" "$sw" \
    "$(python3 -c "print($sw/$mw)")" "$mc" "$sc" "$(python3 -c "print($sc/$mc)")"
done
