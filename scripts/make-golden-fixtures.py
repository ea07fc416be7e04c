#!/usr/bin/env python3
"""Writes golden sacrebleu 2.6.0 scores for mizan's reference-metric parity tests.

    pip install sacrebleu==2.6.0
    python3 scripts/make-golden-fixtures.py

Reads Tests/MizanTests/Fixtures/golden/corpus/{hyp,ref1,ref2}.txt (see make-golden-corpus.py) and
writes one JSON file per metric configuration × reference count into Tests/MizanTests/Fixtures/golden/:
corpus score, signature, sacrebleu's formatted line, and every sentence score. Also writes
tokens/zh.json: sacrebleu's `zh` tokenizer output for lines of Chinese mixed with Latin, Arabic and
Tifinagh text, digits and punctuation (the golden corpus has no Chinese).

Files are split exactly as mizan does: on "\n" only, one final "\n" ends the last line (an empty
file has no lines), nothing is trimmed. Scores are computed through sacrebleu's Python API, which
does not rstrip lines (its CLI does; that is score-neutral for BLEU, chrF and TER, which strip or
split away trailing whitespace themselves).
"""
import json
import os
import sys

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF, TER

assert sacrebleu.__version__ == "2.6.0", f"need sacrebleu==2.6.0, found {sacrebleu.__version__}"

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "Tests", "MizanTests", "Fixtures", "golden")
CORPUS = os.path.join(GOLDEN, "corpus")


def read_lines(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")  # strict: bad UTF-8 is an error
    if text == "":
        return []
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n")


def configs():
    """(case name, mizan metric, options, corpus metric, sentence metric)."""
    for tok in ("13a", "intl", "char", "none", "zh"):
        yield (f"bleu-{tok}", "bleu", {"tokenize": tok},
               BLEU(tokenize=tok), BLEU(tokenize=tok, effective_order=True))
    yield ("bleu-13a-lc", "bleu", {"tokenize": "13a", "lowercase": True},
           BLEU(tokenize="13a", lowercase=True), BLEU(tokenize="13a", lowercase=True, effective_order=True))
    yield ("chrf", "chrf", {}, CHRF(), CHRF())
    yield ("chrf++", "chrf++", {}, CHRF(word_order=2), CHRF(word_order=2))
    yield ("chrf-lc", "chrf", {"lowercase": True}, CHRF(lowercase=True), CHRF(lowercase=True))
    yield ("ter", "ter", {}, TER(), TER())
    yield ("ter-cs", "ter", {"lowercase": False}, TER(case_sensitive=True), TER(case_sensitive=True))


def main():
    hyps = read_lines(os.path.join(CORPUS, "hyp.txt"))
    ref_sets = [read_lines(os.path.join(CORPUS, n)) for n in ("ref1.txt", "ref2.txt")]
    for r in ref_sets:
        assert len(r) == len(hyps), (len(r), len(hyps))
    written = []
    for nrefs in (1, 2):
        refs = ref_sets[:nrefs]
        for name, metric, options, corpus_metric, sentence_metric in configs():
            score = corpus_metric.corpus_score(hyps, refs)
            sig = corpus_metric.get_signature().format()
            sentences = []
            for i, h in enumerate(hyps):
                sentences.append(sentence_metric.sentence_score(h, [r[i] for r in refs]).score)
            sentence_sig = sentence_metric.get_signature().format()
            case = {
                "sacrebleu": sacrebleu.__version__,
                "metric": metric,
                "options": options,
                "nrefs": nrefs,
                "corpus": score.score,
                "signature": sig,
                "formatted": score.format(width=1, signature=sig),
                "sentence_signature": sentence_sig,
                "sentences": sentences,
            }
            fname = f"{name}.{nrefs}ref.json"
            with open(os.path.join(GOLDEN, fname), "w", encoding="utf-8") as f:
                json.dump(case, f, ensure_ascii=False, indent=1)
                f.write("\n")
            written.append(fname)
            print(f"{fname}: {score.format(width=4, signature=sig)}", file=sys.stderr)
    from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh
    zh = TokenizerZh()
    lines = [
        "我们今天去北京。", "他说：“你好！”然后走了。", "价格是12.50元，不是12,5元。", "2024年5月-6月", "  前后有空格  ",
        "中文English混合text，还有123。", "（括号）《书名》【方括号】", "ｆｕｌｌ　ｗｉｄｔｈ！", "emoji ☀ and ✈ symbols",
        "L’été — «ça» … ok", "ⴰⵣⵓⵍ 你好 مرحبا", "𠀀 extension B 𠀁", "⺀⻳ radicals ㈠㈡ ㍱", ".5 and 5. and -3",
        "a.b,c d-e 3-4", "数字3.14和1,000", "tab\there", "﹐﹑﹒ small forms ︰︱", "",
    ]
    os.makedirs(os.path.join(GOLDEN, "tokens"), exist_ok=True)
    with open(os.path.join(GOLDEN, "tokens", "zh.json"), "w", encoding="utf-8") as f:
        json.dump([{"input": line, "tokens": zh(line)} for line in lines], f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(written)} fixture files and tokens/zh.json to {os.path.normpath(GOLDEN)}")


if __name__ == "__main__":
    main()
