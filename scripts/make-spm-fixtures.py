#!/usr/bin/env python3
"""Writes the spBLEU and paired-significance fixtures of mizan's tests, with sacrebleu 2.6.0's numbers.

    pip install sacrebleu==2.6.0 sentencepiece numpy
    python3 scripts/make-spm-fixtures.py

1. Trains a small SentencePiece model (unigram, 400 pieces) on the text of Prompts/_corpus/parallel.jsonl (French,
   MSA, Darija in Arabic and Latin script, Tamazight in Tifinagh and Latin script) with the PyPI `sentencepiece`
   package, and writes it to Tests/MizanTests/Fixtures/spm/mizan-test.model.
2. For French, MSA, Darija (Arabic script) and Tamazight (Tifinagh), writes the reference (the corpus column) and
   three systems made from it by seeded word drops, swaps and substitutions (sys1 and sys2 alike, sys3 worse).
3. Places the model where sacrebleu looks for its FLORES models (a temporary $SACREBLEU folder:
   models/flores200sacrebleuspm and models/sacrebleu_tokenizer_spm.model, so nothing is downloaded) and records
   in expected.json: corpus spBLEU (flores200, flores101) with signatures and sentence scores of sys1; and
   sacrebleu's paired bootstrap and approximate randomization results (sys1 the baseline) for spBLEU, BLEU 13a,
   chrF and TER, through sacrebleu.significance.PairedTest with its defaults (seed 12345, 1000 / 10000).

Run it again only to change the fixtures; the Swift tests need neither Python nor sacrebleu.
"""
import json
import os
import random
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
OUT = os.path.join(ROOT, "Tests", "MizanTests", "Fixtures", "spm")
LANGS = ["fra-Latn", "arb-Arab", "ary-Arab", "zgh-Tfng"]
sandbox = tempfile.mkdtemp(prefix="mizan-spm-")
os.environ["SACREBLEU"] = sandbox  # read by sacrebleu.utils at import: keep ~/.sacrebleu out of it

import sacrebleu  # noqa: E402
import sentencepiece as spm  # noqa: E402
from sacrebleu.metrics import BLEU, CHRF, TER  # noqa: E402
from sacrebleu.significance import PairedTest  # noqa: E402

assert sacrebleu.__version__ == "2.6.0", f"need sacrebleu==2.6.0, found {sacrebleu.__version__}"


def write_lines(path, lines):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("".join(line + "\n" for line in lines))


def perturb(sentence, rng, rate, pool):
    words = sentence.split(" ")
    out = []
    for w in words:
        r = rng.random()
        if r < rate / 3 and len(words) > 1:
            continue  # drop
        if r < 2 * rate / 3:
            out.append(rng.choice(pool))  # substitute
            continue
        out.append(w)
    if len(out) > 1 and rng.random() < rate:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return " ".join(out) if out else words[0]


def main():
    rows = [json.loads(line) for line in open(os.path.join(ROOT, "Prompts", "_corpus", "parallel.jsonl"), encoding="utf-8")]
    os.makedirs(OUT, exist_ok=True)
    train = os.path.join(sandbox, "train.txt")
    write_lines(train, [r[k] for r in rows for k in r if k != "id" and r[k]])
    prefix = os.path.join(sandbox, "mizan-test")
    spm.SentencePieceTrainer.train(input=train, model_prefix=prefix, vocab_size=400, model_type="unigram",
                                   character_coverage=1.0, num_threads=1, minloglevel=2)
    model = os.path.join(OUT, "mizan-test.model")
    shutil.copyfile(prefix + ".model", model)
    models = os.path.join(sandbox, "models")
    os.makedirs(models, exist_ok=True)
    shutil.copyfile(model, os.path.join(models, "flores200sacrebleuspm"))
    shutil.copyfile(model, os.path.join(models, "sacrebleu_tokenizer_spm.model"))

    expected = {"sacrebleu": sacrebleu.__version__, "model": "mizan-test.model", "languages": {}}
    for lang in LANGS:
        refs = [r[lang] for r in rows if r.get(lang)]
        pool = sorted({w for s in refs for w in s.split(" ")})
        systems = {}
        for name, seed, rate in [("sys1", 1, 0.25), ("sys2", 2, 0.25), ("sys3", 3, 0.45)]:
            rng = random.Random(f"{lang}-{seed}")
            systems[name] = [perturb(s, rng, rate, pool) for s in refs]
            write_lines(os.path.join(OUT, f"{lang}.{name}"), systems[name])
        write_lines(os.path.join(OUT, f"{lang}.ref"), refs)
        entry = {"corpus": {}, "paired": {}}
        for tok in ["flores200", "flores101"]:
            bleu = BLEU(tokenize=tok)
            score = bleu.corpus_score(systems["sys1"], [refs])
            sentence = BLEU(tokenize=tok, effective_order=True)
            entry["corpus"][tok] = {
                "score": score.score,
                "signature": str(bleu.get_signature()),
                "sentences": [sentence.sentence_score(h, [r]).score for h, r in zip(systems["sys1"], refs)],
                "tokens": [bleu.tokenizer(r) for r in refs[:20]],
            }
        named = [(n, systems[n]) for n in ["sys1", "sys2", "sys3"]]
        for test in ["bs", "ar"]:
            metrics = {"bleu-flores200": lambda: BLEU(tokenize="flores200", references=[refs]),
                       "bleu-13a": lambda: BLEU(references=[refs]), "chrf": lambda: CHRF(references=[refs]),
                       "ter": lambda: TER(references=[refs])}
            results = {}
            for key, make in metrics.items():
                # one metric per PairedTest: its results are keyed by score name, which both BLEUs share
                signatures, scores = PairedTest(named, {key: make()}, None, test_type=test)()
                (label,) = [k for k in scores if k != "System"]
                results[key] = {"signature": str(signatures[label]),
                                "systems": [{k: (None if v is None else float(v)) for k, v in vars(r).items()}
                                            for r in scores[label]]}
            entry["paired"][test] = results
        expected["languages"][lang] = entry
    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {OUT} ({os.path.getsize(model)} bytes of model)")
    shutil.rmtree(sandbox)


if __name__ == "__main__":
    sys.exit(main())
