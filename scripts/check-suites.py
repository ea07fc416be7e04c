#!/usr/bin/env python3
"""Validate mizan's prompt suites and the parallel corpus without building Swift.

Checks, for every Prompts/<id>/suite.yaml + items.jsonl:
  - suite.yaml: required keys, id == folder name, semantic version, known task, known metric names,
    bleu `tokenize` values, the header fields the project requires (license, authors, status, changelog);
  - items.jsonl: one JSON object per line, `\\n` endings, no blank lines, unique ids, `input` present,
    every template placeholder present in every item, references for generation suites with
    reference-based metrics, `choices`/`answer` for multiple-choice suites;
  - all text: NFC, no invisible or bidi control characters, Tifinagh only from the IRCAM set
    (ⵯ only after ⴳ or ⴽ), no digit 8 in Arabizi (the project's convention does not use it).
And for Prompts/_corpus/parallel.jsonl: the six fields, the same text checks, and zgh-Tfng equal
to the letter-for-letter transliteration of zgh-Latn (IRCAM correspondences).

Prints item counts per language tag (an item's `lang`, else its suite's `language`) against the
targets of the issue: >= 100 items each in ary-Arab, ary-Latn, arb-Arab, fra-Latn and >= 60 each in
zgh-Tfng and Latin-script Tamazight. Exit status 1 on any error (counts below target are warnings
unless --strict).

Usage: python3 scripts/check-suites.py [--strict] [PROMPTS_DIR]
"""
import json
import os
import re
import sys
import unicodedata
from collections import Counter, defaultdict

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

IRCAM = set("ⴰⴱⴳⴷⴹⴻⴼⴽⵀⵃⵄⵅⵇⵉⵊⵍⵎⵏⵓⵔⵕⵖⵙⵚⵛⵜⵟⵡⵢⵣⵥ")
LABIAL = "ⵯ"
TIFINAGH_PUNCT = "⵰"
INVISIBLE = set(chr(c) for c in list(range(0x200B, 0x2010)) + list(range(0x202A, 0x202F))
                + list(range(0x2066, 0x206A)) + [0x061C, 0xFEFF, 0x00AD, 0x2060])

# IRCAM Latin -> Tifinagh, letter for letter (used to check the corpus).
LATN_TFNG = {'a': 'ⴰ', 'b': 'ⴱ', 'g': 'ⴳ', 'd': 'ⴷ', 'ḍ': 'ⴹ', 'e': 'ⴻ', 'f': 'ⴼ', 'k': 'ⴽ', 'h': 'ⵀ',
             'ḥ': 'ⵃ', 'ɛ': 'ⵄ', 'x': 'ⵅ', 'q': 'ⵇ', 'i': 'ⵉ', 'j': 'ⵊ', 'l': 'ⵍ', 'm': 'ⵎ', 'n': 'ⵏ',
             'u': 'ⵓ', 'r': 'ⵔ', 'ṛ': 'ⵕ', 'ɣ': 'ⵖ', 's': 'ⵙ', 'ṣ': 'ⵚ', 'c': 'ⵛ', 't': 'ⵜ', 'ṭ': 'ⵟ',
             'w': 'ⵡ', 'y': 'ⵢ', 'z': 'ⵣ', 'ẓ': 'ⵥ', 'ʷ': 'ⵯ'}

KNOWN_METRICS = {"exact", "contains", "regex", "choice", "f1", "rouge-l", "json", "fidelity", "length", "refusal",
                 "bleu", "chrf", "chrf++", "ter", "judge"}
# Likelihood metrics (docs/likelihood.md), by the task they read.
LIKELIHOOD_METRICS = {"multiple-choice": {"acc", "acc_norm", "gold_prob", "brier"}, "loglikelihood": {"loglikelihood", "is_greedy"},
                      "rolling": {"bits_per_byte", "byte_perplexity", "word_perplexity"}}
KNOWN_METRICS |= set().union(*LIKELIHOOD_METRICS.values())
REFERENCE_FREE = {"fidelity", "json", "length", "judge", "external", "choice", "refusal"}
KNOWN_TAGS = {"ary-Arab", "ary-Latn", "arb-Arab", "zgh-Tfng", "zgh-Latn", "tzm-Tfng", "tzm-Latn",
              "shi-Latn", "kab-Latn", "rif-Latn", "fra-Latn", "eng-Latn"}
TOP_KEYS = {"id", "version", "language", "task", "prompt", "metrics", "generation", "description",
            "license", "authors", "status", "changelog", "tags", "source", "arabizi_convention",
            "scoring", "likelihood", "cluster"}
REQUIRED = ["id", "version", "language", "task", "prompt", "metrics"]
PROJECT_REQUIRED = ["description", "license", "authors", "status", "changelog", "generation"]
SEMVER = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")
PLACEHOLDER = re.compile(r"\{\{([A-Za-z0-9_]+)\}\}")
TARGETS = [("ary-Arab", 100), ("ary-Latn", 100), ("arb-Arab", 100), ("fra-Latn", 100),
           ("zgh-Tfng", 60), ("Latin Tamazight (zgh/tzm/shi/kab/rif-Latn)", 60)]
LATIN_TAMAZIGHT = {"zgh-Latn", "tzm-Latn", "shi-Latn", "kab-Latn", "rif-Latn"}

errors = []
warnings = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def latn_to_tfng(text):
    out = []
    for ch in unicodedata.normalize("NFC", text).lower():
        if ch.isalpha() and ch not in LATN_TFNG:
            return None
        out.append(LATN_TFNG.get(ch, ch))
    return "".join(out)


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)


def check_text(where, s, tag=None):
    if not unicodedata.is_normalized("NFC", s):
        err(where, f"not NFC: {s!r}")
    bad = sorted({f"U+{ord(c):04X}" for c in s if c in INVISIBLE})
    if bad:
        err(where, f"invisible/bidi control characters {bad}")
    prev = ""
    for c in s:
        if 0x2D30 <= ord(c) <= 0x2D7F:
            if c == LABIAL:
                if prev not in ("ⴳ", "ⴽ"):
                    err(where, f"ⵯ after {prev!r} (only after ⴳ or ⴽ)")
            elif c != TIFINAGH_PUNCT and c not in IRCAM:
                err(where, f"non-IRCAM Tifinagh letter {c} U+{ord(c):04X}")
        prev = c
    if tag == "ary-Latn" and re.search(r"[A-Za-z]8|8[A-Za-z]", s):
        err(where, "digit 8 used as a letter in Arabizi (the project convention does not use it)")


def read_jsonl(path):
    raw = open(path, "rb").read()
    if b"\r" in raw:
        err(path, "CR line endings")
    text = raw.decode("utf-8")
    if not text.endswith("\n"):
        err(path, "no final newline")
    rows = []
    for n, line in enumerate(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"), 1):
        if not line.strip():
            err(f"{path}:{n}", "blank line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            err(f"{path}:{n}", f"invalid JSON: {e}")
            continue
        if not isinstance(obj, dict):
            err(f"{path}:{n}", "not a JSON object")
            continue
        rows.append((n, obj))
    return rows


def check_corpus(path):
    fields = ["fra-Latn", "arb-Arab", "ary-Arab", "ary-Latn", "zgh-Tfng", "zgh-Latn"]
    rows = read_jsonl(path)
    ids = Counter(o.get("id") for _, o in rows)
    for i, c in ids.items():
        if c > 1:
            err(path, f"duplicate id {i}")
    full = 0
    for n, o in rows:
        where = f"{path}:{n} ({o.get('id')})"
        if set(o) != {"id", *fields}:
            err(where, f"fields {sorted(o)}")
        for f in fields:
            v = o.get(f)
            if v is None:
                if f.startswith("zgh"):
                    continue
                err(where, f"{f} missing")
                continue
            check_text(where, v, f)
            if f.endswith("Arab") and not re.search(r"[\u0621-\u064A]", v):
                err(where, f"{f} has no Arabic letters")
        zt, zl = o.get("zgh-Tfng"), o.get("zgh-Latn")
        if (zt is None) != (zl is None):
            err(where, "zgh-Tfng and zgh-Latn must both be present or both null")
        elif zt is not None:
            full += 1
            if latn_to_tfng(zl) != zt:
                err(where, f"zgh-Tfng {zt!r} is not the IRCAM transliteration of zgh-Latn {zl!r} ({latn_to_tfng(zl)!r})")
    print(f"corpus {os.path.relpath(path, ROOT)}: {len(rows)} rows, {full} with Tamazight")


def check_suite(folder, counts, own):
    name = os.path.basename(folder)
    spath = os.path.join(folder, "suite.yaml")
    ipath = os.path.join(folder, "items.jsonl")
    try:
        raw_yaml = open(spath, encoding="utf-8").read()
        suite = yaml.safe_load(raw_yaml)
    except Exception as e:  # noqa: BLE001
        err(spath, f"cannot read: {e}")
        return None
    check_text(spath, raw_yaml)
    for k in REQUIRED:
        if k not in suite:
            err(spath, f"missing required key {k}")
    likelihood = suite.get("task") in ("loglikelihood", "rolling") or suite.get("scoring") == "loglikelihood"
    for k in PROJECT_REQUIRED:
        if k == "generation" and likelihood:
            if k in suite:
                err(spath, "a generation: block on a likelihood suite (nothing is generated)")
            continue
        if k not in suite:
            warnings.append(f"{spath}: missing key {k} (the project asks every suite for it)")
    for k in suite:
        if k not in TOP_KEYS:
            err(spath, f"unknown key {k}")
    if suite.get("id") != name:
        err(spath, f"id {suite.get('id')!r} != folder {name!r}")
    if not SEMVER.match(str(suite.get("version", ""))):
        err(spath, "version is not semver")
    lang = suite.get("language")
    if lang not in KNOWN_TAGS:
        err(spath, f"unknown language {lang}")
    task = suite.get("task")
    if task not in ("generation", "multiple-choice", "loglikelihood", "rolling"):
        err(spath, f"unknown task {task}")
    if not isinstance(suite.get("authors", []), list):
        err(spath, "authors must be a list")
    if "changelog" in suite and not isinstance(suite["changelog"], list):
        err(spath, "changelog must be a list")
    template = (suite.get("prompt") or {}).get("template", "")
    if not template:
        err(spath, "no prompt.template")
    placeholders = set(PLACEHOLDER.findall(template))
    metric_names = []
    for m in suite.get("metrics") or []:
        if isinstance(m, str):
            mname, opts = m, {}
        elif isinstance(m, dict) and "name" in m:
            mname, opts = m["name"], {k: v for k, v in m.items() if k != "name"}
        else:
            err(spath, f"bad metric entry {m!r}")
            continue
        if mname not in KNOWN_METRICS:
            err(spath, f"unknown metric {mname}")
        likelihood_task = next((t for t, ms in LIKELIHOOD_METRICS.items() if mname in ms), None)
        if likelihood and likelihood_task != task:
            err(spath, f"metric {mname} does not score a {task} likelihood suite")
        elif not likelihood and likelihood_task:
            err(spath, f"metric {mname} needs a likelihood suite")
        if mname == "bleu" and opts.get("tokenize", "13a") not in ("13a", "intl", "char", "none"):
            err(spath, f"bleu tokenize {opts.get('tokenize')}")
        if mname == "bleu" and lang and (lang.endswith("Arab") or lang.endswith("Tfng")) and opts.get("tokenize") != "intl":
            err(spath, "bleu on Arabic script or Tifinagh must use tokenize: intl")
        metric_names.append(mname)
    needs_reference = task == "generation" and any(m not in REFERENCE_FREE for m in metric_names)
    if not os.path.exists(ipath):
        err(ipath, "missing")
        return suite
    rows = read_jsonl(ipath)
    ids = Counter(o.get("id") for _, o in rows)
    for i, c in ids.items():
        if c > 1:
            err(ipath, f"duplicate id {i}")
    positions = Counter()
    for n, o in rows:
        where = f"{ipath}:{n} ({o.get('id')})"
        if not isinstance(o.get("id"), str):
            err(where, "id missing or not a string")
        if not isinstance(o.get("input"), str):
            err(where, "input missing or not a string")
        for p in placeholders:
            if p == "choices" and task == "multiple-choice":
                continue
            if p not in o:
                err(where, f"placeholder {{{{{p}}}}} missing")
        tag = o.get("lang", lang)
        if tag not in KNOWN_TAGS:
            err(where, f"unknown lang {tag}")
        for s in strings(o):
            check_text(where, s, tag)
        if needs_reference and not (o.get("reference") or o.get("references")):
            err(where, "no reference")
        if task == "multiple-choice":
            ch, ans = o.get("choices"), o.get("answer")
            if not (isinstance(ch, list) and len(ch) >= 2 and all(isinstance(c, str) and c for c in ch)):
                err(where, "choices must be a list of strings")
            elif len(set(ch)) != len(ch):
                err(where, "duplicate choices")
            if not (isinstance(ans, int) and isinstance(ch, list) and 0 <= ans < len(ch)):
                err(where, "answer must be a zero-based index into choices")
            else:
                positions[ans] += 1
        counts[tag] += 1
        if "_corpus" not in str(suite.get("source", "")):
            own[tag] += 1
    extra = ""
    if positions:
        extra = "  answers by position " + " ".join(f"{k}:{positions[k]}" for k in sorted(positions))
    print(f"  {name:24s} {suite.get('version', ''):8s} {str(lang):9s} {str(task):16s} {len(rows):4d} items{extra}")
    return suite


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    strict = "--strict" in sys.argv
    prompts = args[0] if args else os.path.join(ROOT, "Prompts")
    corpus = os.path.join(prompts, "_corpus", "parallel.jsonl")
    if os.path.exists(corpus):
        check_corpus(corpus)
    counts = Counter()
    own = Counter()  # items of suites not derived from the parallel corpus
    print("suites:")
    for entry in sorted(os.listdir(prompts)):
        folder = os.path.join(prompts, entry)
        if os.path.isdir(folder) and os.path.exists(os.path.join(folder, "suite.yaml")):
            check_suite(folder, counts, own)
    print("items per language tag (all suites; without the suites derived from Prompts/_corpus):")
    for tag in sorted(counts):
        print(f"  {tag:10s} {counts[tag]:5d}  ({own[tag]} without corpus-derived suites)")
    print("targets (items across suites):")
    for label, target in TARGETS:
        n = sum(counts[t] for t in LATIN_TAMAZIGHT) if label.startswith("Latin") else counts[label]
        ok = n >= target
        print(f"  {label:44s} {n:5d} / {target:3d}  {'ok' if ok else 'BELOW TARGET'}")
        if not ok:
            (errors if strict else warnings).append(f"{label}: {n} items, target {target}")
    for w in warnings:
        print("warning:", w)
    for e in errors:
        print("error:", e)
    print(f"{len(errors)} error(s), {len(warnings)} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
