#!/usr/bin/env python3
"""Writes sacrebleu 2.6.0's paired-test results with non-default metric options, for mizan's tests.

    pip install sacrebleu==2.6.0 numpy
    python3 scripts/make-paired-options-fixtures.py

Reads the systems and references that scripts/make-spm-fixtures.py wrote (Tests/MizanTests/Fixtures/spm/, French
and Darija) and records in paired-options.json, per language, configuration and test (bs, ar), what
sacrebleu.significance.PairedTest gives (sys1 the baseline, seed 12345, 1000 / 10000): BLEU with floor and add-k
smoothing, with no smoothing and max n-gram order 2, with effective order; chrF and chrF++ (β 3) with epsilon
smoothing. A configuration sacrebleu itself fails on is recorded with its error instead of numbers.
"""
import json
import os
import sys

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.significance import PairedTest

assert sacrebleu.__version__ == "2.6.0", f"need sacrebleu==2.6.0, found {sacrebleu.__version__}"
HERE = os.path.dirname(os.path.abspath(__file__))
DIR = os.path.join(HERE, "..", "Tests", "MizanTests", "Fixtures", "spm")
CONFIGS = {
    "bleu-floor-0.2": lambda refs: BLEU(smooth_method="floor", smooth_value=0.2, references=[refs]),
    "bleu-add-k": lambda refs: BLEU(smooth_method="add-k", references=[refs]),
    "bleu-none-order-2": lambda refs: BLEU(smooth_method="none", max_ngram_order=2, references=[refs]),
    "bleu-effective-order": lambda refs: BLEU(effective_order=True, references=[refs]),
    "chrf-eps": lambda refs: CHRF(eps_smoothing=True, references=[refs]),
    "chrf++-beta-3-eps": lambda refs: CHRF(word_order=2, beta=3, eps_smoothing=True, references=[refs]),
}


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


def main():
    out = {"sacrebleu": sacrebleu.__version__, "languages": {}}
    for lang in ["fra-Latn", "ary-Arab"]:
        refs = read_lines(os.path.join(DIR, f"{lang}.ref"))
        named = [(n, read_lines(os.path.join(DIR, f"{lang}.{n}"))) for n in ["sys1", "sys2", "sys3"]]
        entry = {}
        for test in ["bs", "ar"]:
            results = {}
            for key, make in CONFIGS.items():
                try:
                    signatures, scores = PairedTest(named, {key: make(refs)}, None, test_type=test)()
                except Exception as e:  # noqa: BLE001 - recorded: mizan's test skips what sacrebleu cannot do
                    results[key] = {"error": f"{type(e).__name__}: {e}"}
                    continue
                (label,) = [k for k in scores if k != "System"]
                results[key] = {"signature": str(signatures[label]),
                                "systems": [{k: (None if v is None else float(v)) for k, v in vars(r).items()}
                                            for r in scores[label]]}
            entry[test] = results
        out["languages"][lang] = entry
    with open(os.path.join(DIR, "paired-options.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote paired-options.json")


if __name__ == "__main__":
    sys.exit(main())
