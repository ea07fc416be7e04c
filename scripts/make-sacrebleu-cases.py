#!/usr/bin/env python3
"""Extracts sacrebleu 2.6.0's own test cases into Tests/MizanTests/Fixtures/sacrebleu-cases.json.

Run ONCE (the fixture is committed; CI never needs the network):

    git clone https://github.com/mjpost/sacrebleu && git -C sacrebleu checkout v2.6.0
    pip install sacrebleu==2.6.0 pytest
    python3 scripts/make-sacrebleu-cases.py sacrebleu > Tests/MizanTests/Fixtures/sacrebleu-cases.json

Every parametrized case of test/test_bleu.py, test_sentence_bleu.py, test_chrf.py, test_ter.py and
test_tokenizer_ter.py becomes one entry with the options mapped to mizan's suite option names, the
expected value and the test's own tolerance (`tolerance` on the test's scale; `scale` 0.01 when the
test divides sacrebleu's 0-100 score by 100). test_significance.py's cases run on its committed WMT17
systems (written beside the table as sacrebleu-wmt17-en-de-systems.json.xz); test_api.py's and test.sh's
are listed with `kind: "download"` and the reason. scripts/ci/sacrebleu-cases.py runs the table.
"""
import ast
import json
import os
import re
import sys

root = sys.argv[1]
sys.path.insert(0, os.path.join(root, "test"))
import test_bleu as tb  # noqa: E402
import test_sentence_bleu as tsb  # noqa: E402
import test_chrf as tc  # noqa: E402
import test_ter as tt  # noqa: E402
import test_tokenizer_ter as ttt  # noqa: E402

cases = []


def add(test, i, **kw):
    kw = {"id": f"{test}[{i}]", **kw}
    cases.append(kw)


def bleu_opts(smooth_method=None, smooth_value=None, tokenize=None, lowercase=None, effective_order=None,
              max_ngram_order=None):
    o = {}
    if tokenize is not None:
        o["tokenize"] = tokenize
    if lowercase:
        o["lowercase"] = True
    if smooth_method is not None:
        o["smooth_method"] = smooth_method
    if smooth_value is not None:
        o["smooth_value"] = smooth_value
    if effective_order is not None:
        o["effective_order"] = effective_order
    if max_ngram_order is not None:
        o["max_ngram_order"] = max_ngram_order
    return o


def raw_bleu(smooth_value):  # sacrebleu.raw_corpus_bleu
    return bleu_opts("floor", smooth_value, "none", effective_order=True)


# test_bleu.py (EPSILON 1e-8 on score / 100)
for i, (h, r, e) in enumerate(tb.test_raw_bleu_cases):
    add("test_bleu.py::test_raw_bleu", i, kind="corpus", metric="bleu", options=raw_bleu(.01), hyps=h, refs=r,
        expected=e, scale=0.01, tolerance=tb.EPSILON)
for i, (h, r, kw, e) in enumerate(tb.test_corpus_bleu_cases):
    add("test_bleu.py::test_corpus_bleu", i, kind="corpus", metric="bleu", options=bleu_opts(**kw), hyps=list(h),
        refs=r, expected=e, scale=1, tolerance=tb.EPSILON)
for i, (h, r, e) in enumerate(tb.test_case_effective_order):
    add("test_bleu.py::test_effective_order", i, kind="corpus", metric="bleu", options=raw_bleu(.01), hyps=h,
        refs=r, expected=e, scale=0.01, tolerance=tb.EPSILON)
for i, (h, r, st) in enumerate(tb.test_case_statistics):
    add("test_bleu.py::test_statistics", i, kind="bleu-counts", metric="bleu", options=raw_bleu(.01), hyps=h,
        refs=r, counts=list(st.common), totals=list(st.total))
for i, (st, e) in enumerate(tb.test_case_scoring):
    add("test_bleu.py::test_scoring", i, kind="bleu-stats", counts=list(st[0].common), totals=list(st[0].total),
        sys_len=st[1], ref_len=st[2], smooth_method="none", smooth_value=None, expected=e, scale=0.01,
        tolerance=tb.EPSILON)
for i, (h, r, with_offset, without_offset) in enumerate(tb.test_case_offset):
    add("test_bleu.py::test_offset", 3 * i, kind="corpus", metric="bleu", options=raw_bleu(0.0), hyps=h, refs=r,
        expected=without_offset, scale=0.01, tolerance=tb.EPSILON)
    add("test_bleu.py::test_offset", 3 * i + 1, kind="corpus", metric="bleu", options=raw_bleu(None), hyps=h,
        refs=r, expected=with_offset, scale=0.01, tolerance=tb.EPSILON)
    add("test_bleu.py::test_offset", 3 * i + 2, kind="corpus", metric="bleu", options=raw_bleu(None), hyps=h,
        refs=r, expected=with_offset, scale=0.01, tolerance=tb.EPSILON)
for i, (st, off, e) in enumerate(tb.test_case_degenerate_stats):
    add("test_bleu.py::test_degenerate_statistics", i, kind="bleu-stats", counts=list(st[0].common),
        totals=list(st[0].total), sys_len=st[1], ref_len=st[2], smooth_method="floor", smooth_value=off,
        expected=e, scale=0.01, tolerance=0.0)
for i, (order, h, r, e) in enumerate(tb.test_bleu_max_order):
    add("test_bleu.py::test_max_ngram_order", i, kind="corpus-text", metric="bleu",
        options=bleu_opts(max_ngram_order=order), hyps=h, refs=r, width=2, expected_text=e)

# test_sentence_bleu.py (EPSILON 1e-3): compat and API tests run the same table
for test in ("test_compat_sentence_bleu", "test_api_sentence_bleu"):
    for i, (m, v, lc, tok, e) in enumerate(tsb.test_cases):
        add(f"test_sentence_bleu.py::{test}", i, kind="sentence", metric="bleu",
            options=bleu_opts(m, v, tok, lc), hyps=[tsb.SYS], refs=[[tsb.REF]], expected=e, scale=1,
            tolerance=tsb.EPSILON)
for i, (m, v, lc, tok, e) in enumerate(tsb.test_cases_zero_bleu):
    add("test_sentence_bleu.py::test_api_sentence_bleu_zero", i, kind="sentence", metric="bleu",
        options=bleu_opts(m, v, tok, lc), hyps=[tsb.SYS_0], refs=[[tsb.REF_0]], expected=e, scale=1,
        tolerance=tsb.EPSILON)

# test_chrf.py (EPSILON 1e-4)
for i, (h, r, e) in enumerate(tc.test_cases):
    add("test_chrf.py::test_chrf", i, kind="corpus", metric="chrf",
        options={"char_order": 6, "word_order": 0, "beta": 3, "eps_smoothing": True}, hyps=h, refs=[r],
        expected=e, scale=1, tolerance=tc.EPSILON)
for i, (h, r, e) in enumerate(tc.test_cases_effective_order):
    add("test_chrf.py::test_chrf_eff_order", i, kind="corpus", metric="chrf",
        options={"char_order": 6, "word_order": 0, "beta": 3}, hyps=h, refs=[r], expected=e, scale=1,
        tolerance=tc.EPSILON)
for i, (h, r, e) in enumerate(tc.test_cases_keep_whitespace):
    add("test_chrf.py::test_chrf_keep_whitespace", i, kind="corpus", metric="chrf",
        options={"char_order": 6, "word_order": 0, "beta": 3, "whitespace": True}, hyps=h, refs=[r], expected=e,
        scale=1, tolerance=tc.EPSILON)
for i, (h, r, e) in enumerate(tc.test_sentence_level_chrf):
    add("test_chrf.py::test_chrf_sentence_level", i, kind="sentence", metric="chrf",
        options={"eps_smoothing": True}, hyps=[h], refs=[[x] for x in r], expected=e, scale=1,
        tolerance=tc.EPSILON)

# test_ter.py (EPSILON 1e-3 on score / 100)
for i, (h, r, e) in enumerate(tt.test_cases):
    add("test_ter.py::test_ter", i, kind="corpus", metric="ter", options={}, hyps=h, refs=[r], expected=e,
        scale=0.01, tolerance=tt.EPSILON)

# test_tokenizer_ter.py: exact token strings
for test, table, opts in (("test_ter_tokenizer_default", ttt.test_cases_default, {}),
                          ("test_ter_tokenizer_nopunct", ttt.test_cases_no_punct, {"no_punct": True}),
                          ("test_ter_tokenizer_norm", ttt.test_cases_norm, {"normalized": True}),
                          ("test_ter_tokenizer_asian", ttt.test_cases_asian, {"normalized": True, "asian_support": True})):
    for i, (text, expected) in enumerate(table):
        add(f"test_tokenizer_ter.py::{test}", i, kind="ter-tokenize", metric="ter", options=opts, input=text,
            expected_text=expected)

# test_significance.py: paired bootstrap / approximate randomization over the committed WMT17 pickle
sig = ast.parse(open(os.path.join(root, "test", "test_significance.py"), encoding="utf-8").read())
for node in sig.body:
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id in ("MOSES_P_VALS", "MULTEVAL_P_VALS"):
        test = "test_paired_bootstrap" if node.targets[0].id == "MOSES_P_VALS" else "test_paired_approximate_randomization"
        for i, (k, v) in enumerate(zip(node.value.keys, node.value.values)):
            expected = ast.literal_eval(v)
            add(f"test_significance.py::{test}", i, kind="paired", system=ast.literal_eval(k),
                expected=expected if isinstance(expected, float) else expected[0], tolerance=1e-2,
                data="sacrebleu-wmt17-en-de-systems.json.xz")
# the systems the significance tests score (test/wmt17_en_de_systems.pkl.bz2), as xz-compressed JSON
import bz2, lzma, pickle  # noqa: E401,E402
systems = pickle.load(bz2.open(os.path.join(root, "test", "wmt17_en_de_systems.pkl.bz2"), "rb"))
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "MizanTests", "Fixtures",
                   "sacrebleu-wmt17-en-de-systems.json.xz")
blob = json.dumps({"note": "sacrebleu 2.6.0 test/wmt17_en_de_systems.pkl.bz2: [name, lines] per system; "
                           "the last entry is the references", "systems": systems}, ensure_ascii=False)
with open(out, "wb") as f:
    f.write(lzma.compress(blob.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))

# test_api.py: dataset download helpers, not scoring
api = open(os.path.join(root, "test", "test_api.py"), encoding="utf-8").read()
n_api = len(re.findall(r"^\s+\(\"(?:wmt19|mtnt1\.1/train|wmt19/google/ar)\"", api, re.M)) * 2 + \
    len(re.findall(r"^def test_api_get_(?:available|langpairs)", api, re.M))
for i in range(n_api):
    add("test_api.py", i, kind="download", reason="downloads WMT/MTNT test sets (sacrebleu's dataset API, not scoring)")

# test.sh: everything but the control-character check downloads WMT17 data
sh = open(os.path.join(root, "test.sh"), encoding="utf-8").read()
n_sh = len(re.findall(r'^\s*\[?"?[^\n]*\]=', sh, re.M))
add("test.sh::control-character", 0, kind="equal-scores", metric="bleu", options={}, width=2,
    hyps=["Hello! How are you doing today?"],
    refs_a=[["Hello! How are you \r doing today?"]], refs_b=[["Hello! How are you doing today?"]])
for i in range(n_sh):
    add("test.sh", i, kind="download", reason="scores WMT17 submissions or test sets downloaded by the script")

json.dump({"sacrebleu": "2.6.0", "generated_by": "scripts/make-sacrebleu-cases.py", "cases": cases},
          sys.stdout, ensure_ascii=False, indent=1)
print()
