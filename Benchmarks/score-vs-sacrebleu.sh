#!/usr/bin/env bash
# End-to-end timing of `mizan score` against sacrebleu 2.6.0 (process start included) on 10,000 deterministic,
# mixed-language segment pairs (French, MSA, Darija in Arabic script and Arabizi, Tifinagh and Latin Tamazight),
# for the default metrics and the sacrebleu options (BLEU smoothing / max order / effective order, chrF β / orders /
# whitespace / ε smoothing, TER normalization / punctuation / Asian support). Every configuration is first checked
# to print the same score line in both tools; then the runs are interleaved (mizan, sacrebleu, next configuration,
# …, repeated) so machine load hits both alike, and medians of wall and CPU time and their ratios are printed.
# sacrebleu's CLI has no max-order / corpus effective-order flags: that configuration runs sacrebleu's Python API
# in a fresh interpreter that reads the same files and prints the same line (the same work as its CLI).
#
#   pip install sacrebleu==2.6.0
#   Benchmarks/score-vs-sacrebleu.sh [runs]      (default 5 runs of each tool per configuration)
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
cat > "$WORK/api_bleu.py" <<'PY'
import sys
from sacrebleu.metrics import BLEU
ref, hyp, order = sys.argv[1], sys.argv[2], int(sys.argv[3])
refs = [l.rstrip() for l in open(ref, encoding="utf-8")]
hyps = [l.rstrip() for l in open(hyp, encoding="utf-8")]
m = BLEU(max_ngram_order=order, effective_order=True)
print(m.corpus_score(hyps, [refs]).format(width=1, signature=str(m.get_signature())))
PY

# name | mizan score arguments | sacrebleu command
CONFIGS="$WORK/configs"
cat > "$CONFIGS" <<EOF2
bleu|--metric bleu|sacrebleu $R -i $H -m bleu -f text
bleu floor|--metric bleu --smooth-method floor|sacrebleu $R -i $H -m bleu --smooth-method floor -f text
bleu add-k 2|--metric bleu --smooth-method add-k --smooth-value 2|sacrebleu $R -i $H -m bleu --smooth-method add-k --smooth-value 2 -f text
bleu none intl|--metric bleu --smooth-method none --tokenize intl|sacrebleu $R -i $H -m bleu --smooth-method none --tokenize intl -f text
bleu order6 eff|--metric bleu --max-ngram-order 6 --effective-order|python3 $WORK/api_bleu.py $R $H 6
chrf|--metric chrf|sacrebleu $R -i $H -m chrf -f text
chrf++|--metric chrf++|sacrebleu $R -i $H -m chrf --chrf-word-order 2 -f text
chrf b3 eps|--metric chrf --chrf-beta 3 --chrf-eps-smoothing|sacrebleu $R -i $H -m chrf --chrf-beta 3 --chrf-eps-smoothing -f text
chrf space|--metric chrf --chrf-whitespace|sacrebleu $R -i $H -m chrf --chrf-whitespace -f text
chrf c4 w1 lc|--metric chrf --chrf-char-order 4 --chrf-word-order 1 --lowercase|sacrebleu $R -i $H -m chrf -cc 4 -cw 1 --chrf-lowercase -f text
ter|--metric ter|sacrebleu $R -i $H -m ter -f text
ter norm|--metric ter --ter-normalized|sacrebleu $R -i $H -m ter --ter-normalized -f text
ter nopunct asian cs|--metric ter --ter-no-punct --ter-asian-support --case-sensitive|sacrebleu $R -i $H -m ter --ter-no-punct --ter-asian-support --ter-case-sensitive -f text
EOF2

while IFS='|' read -r name margs scmd; do
  a=$($BIN score $margs --ref "$R" --hyp "$H"); b=$($scmd 2>/dev/null)
  if [[ "$a" != "$b" ]]; then echo "MISMATCH $name:"; echo "  mizan:     $a"; echo "  sacrebleu: $b"; exit 1; fi
  echo "same output ($name): $a"
done < "$CONFIGS"

echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (wall times are sensitive to other load; CPU times much less)"
python3 - "$BIN" "$R" "$H" "$CONFIGS" "$RUNS" <<'PY'
import os, shlex, statistics, subprocess, sys, time
bin_, ref, hyp, configs, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
rows = [line.rstrip("\n").split("|") for line in open(configs) if line.strip()]
def timed(cmd):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    if status != 0: sys.exit(f"failed: {cmd}")
    return time.perf_counter() - t, ru.ru_utime + ru.ru_stime
res = {name: ([], []) for name, _, _ in rows}
for _ in range(runs):
    for name, margs, scmd in rows:
        res[name][0].append(timed([bin_, "score"] + shlex.split(margs) + ["--ref", ref, "--hyp", hyp]))
        res[name][1].append(timed(shlex.split(scmd)))
print(f"{'configuration':<22}{'mizan wall':>11}{'sacrebleu wall':>15}{'wall ratio':>11}{'mizan CPU':>10}{'sacrebleu CPU':>14}{'CPU ratio':>10}")
for name, _, _ in rows:
    m, s = res[name]
    mw, sw = statistics.median(x[0] for x in m), statistics.median(x[0] for x in s)
    mc, sc = statistics.median(x[1] for x in m), statistics.median(x[1] for x in s)
    print(f"{name:<22}{mw:>10.3f}s{sw:>14.3f}s{sw / mw:>10.1f}x{mc:>9.3f}s{sc:>13.3f}s{sc / mc:>9.1f}x")
print(f"medians of {runs} interleaved runs per tool and configuration")
PY
