#!/usr/bin/env bash
# End-to-end timing of `mizan score` against the sacrebleu 2.6.0 CLI (process start included) for spBLEU and the
# paired significance tests, on 10,000 deterministic mixed-language segments (the corpus of score-vs-sacrebleu.sh;
# a second system from the same references with other noise). The SentencePiece model is the test fixture
# (Tests/MizanTests/Fixtures/spm/mizan-test.model), placed in a temporary $SACREBLEU folder as sacrebleu's
# flores200 model, so nothing is downloaded. Checks both tools print the same score first; prints medians and ratios.
#
#   pip install sacrebleu==2.6.0 sentencepiece; apt-get install -y hyperfine   (falls back to repeated runs without it)
#   Benchmarks/spbleu-vs-sacrebleu.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
WORK=$(mktemp -d /tmp/mizan-spbleu-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export SACREBLEU="$WORK/sacrebleu"
mkdir -p "$SACREBLEU/models"
MODEL=Tests/MizanTests/Fixtures/spm/mizan-test.model
cp "$MODEL" "$SACREBLEU/models/flores200sacrebleuspm"

python3 -c 'import sacrebleu,sys; v=sacrebleu.__version__; sys.exit(0 if v=="2.6.0" else f"need sacrebleu 2.6.0, found {v}")'
python3 -c 'import sentencepiece' || { echo "need the sentencepiece package: pip install sentencepiece" >&2; exit 1; }

python3 - "$WORK" <<'PY'
import importlib.util, os, random, sys
spec = importlib.util.spec_from_file_location("corpus", os.path.join("scripts", "make-golden-corpus.py"))
corpus = importlib.util.module_from_spec(spec); spec.loader.exec_module(corpus)
rng = random.Random(10000)
other = random.Random(20000)
langs = list(corpus.POOLS)
hyp, hyp2, ref = [], [], []
for i in range(10000):
    lang = langs[i % len(langs)]
    r = " ".join(rng.choice(corpus.POOLS[lang]) for _ in range(rng.randint(1, 3)))
    hyp.append(corpus.noisy(rng, r, lang, rng.choice([0, 1, 2, 3, 5, 8])))
    hyp2.append(corpus.noisy(other, r, lang, other.choice([0, 1, 2, 3, 5, 8])))
    ref.append(r)
for name, lines in (("hyp.txt", hyp), ("hyp2.txt", hyp2), ("ref.txt", ref)):
    with open(os.path.join(sys.argv[1], name), "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines) + "\n")
print(f"generated {len(hyp)} segment pairs and a second system", file=sys.stderr)
PY

swift build -c release --static-swift-stdlib --product mizan >/dev/null
BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/mizan"
H="$WORK/hyp.txt"; H2="$WORK/hyp2.txt"; R="$WORK/ref.txt"

NAMES=(spbleu-flores200 paired-bs-bleu paired-bs-chrf paired-bs-spbleu paired-ar-bleu)
MIZAN=("$BIN score --metric bleu --tokenize flores200 --spm-model $MODEL --ref $R --hyp $H"
       "$BIN score --metric bleu --ref $R --hyp $H --hyp $H2 --paired-bs --json"
       "$BIN score --metric chrf --ref $R --hyp $H --hyp $H2 --paired-bs --json"
       "$BIN score --metric bleu --tokenize flores200 --spm-model $MODEL --ref $R --hyp $H --hyp $H2 --paired-bs --json"
       "$BIN score --metric bleu --ref $R --hyp $H --hyp $H2 --paired-ar --json")
SACRE=("sacrebleu $R -i $H -m bleu --tokenize flores200 -f text"
       "sacrebleu $R -i $H $H2 -m bleu --paired-bs -f json"
       "sacrebleu $R -i $H $H2 -m chrf --paired-bs -f text"
       "sacrebleu $R -i $H $H2 -m bleu --tokenize flores200 --paired-bs -f json"
       "sacrebleu $R -i $H $H2 -m bleu --paired-ar -f json")

# The same numbers first: spBLEU's line (mizan adds |spm:<hash>), and each paired test's last p-value.
a=$(${MIZAN[0]} | sed 's/|spm:[0-9a-f]*//'); b=$(${SACRE[0]} 2>/dev/null)
[[ "$a" == "$b" ]] || { echo "MISMATCH spBLEU:"; echo "  mizan:     $a"; echo "  sacrebleu: $b"; exit 1; }
echo "same output (spBLEU): $a"
for k in 1 3 4; do
  a=$(${MIZAN[$k]} | tail -1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["p_value"])')
  b=$(${SACRE[$k]} 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["BLEU"]["p_value"])')
  [[ "$a" == "$b" ]] || { echo "MISMATCH ${NAMES[$k]}: mizan p=$a, sacrebleu p=$b"; exit 1; }
  echo "same p-value (${NAMES[$k]}): $a"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
time_cmd() {  # prints "<median wall s> <median user+sys CPU s>" over $1 runs of command $2
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
printf "%-17s %11s %14s %10s %14s %14s %10s\n" configuration "mizan wall" "sacrebleu wall" "wall ratio" "mizan CPU" "sacrebleu CPU" "CPU ratio"
for k in "${!NAMES[@]}"; do
  read -r mw mc < <(time_cmd "$RUNS" "${MIZAN[$k]}")
  read -r sw sc < <(time_cmd "$RUNS" "${SACRE[$k]}")
  printf "%-17s %10.4fs %13.3fs %9.1fx %13.4fs %13.3fs %9.1fx\n" "${NAMES[$k]}" "$mw" "$sw" \
    "$(python3 -c "print($sw/$mw)")" "$mc" "$sc" "$(python3 -c "print($sc/$mc)")"
done
