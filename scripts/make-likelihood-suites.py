#!/usr/bin/env python3
"""Derive mizan's likelihood suites from suites and corpus already in Prompts/ (docs/likelihood.md).

Deterministic: the same inputs give byte-identical suite.yaml and items.jsonl files.
    python3 scripts/make-likelihood-suites.py           # (re)write the suites
    python3 scripts/make-likelihood-suites.py --check   # exit 1 if a file would change

- bpb-parallel: `task: rolling` on Prompts/_corpus/parallel.jsonl, one item per sentence per language
  (`lang` set, `source_id` = corpus id), metrics bits_per_byte and byte_perplexity. The items are ordered
  sentence by sentence, the six languages of a sentence next to each other, and the 71 sentences that exist in
  all six languages come first: `--limit 6n` scores the same n sentences in every language (the demo uses this).
  The 79 sentences without Tamazight follow, in the four other languages.
- mcq-morocco-{fra,arb,ary}-ll: the items of mcq-morocco-{fra,arb,ary} unchanged, scored by log-likelihood
  (`scoring: loglikelihood`) as a cloze: the context is the question and an answer cue, each continuation is
  " " + the choice's text, so a base model is scored on the answers themselves, not on a letter.
When you change an input suite or the corpus, bump VERSION below and add a line to CHANGELOG.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from suite_files import write_or_check  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROMPTS = os.path.join(ROOT, "Prompts")
CORPUS = os.path.join(PROMPTS, "_corpus", "parallel.jsonl")

VERSION = "1.0.0"
CHANGELOG = ["1.0.0: first version"]
STATUS = "written by the mizan project; not yet reviewed by a native speaker"
LANGUAGES = ["fra-Latn", "arb-Arab", "ary-Arab", "ary-Latn", "zgh-Tfng", "zgh-Latn"]

# suite id, source suite, language, template, description language name
MCQ = [
    ("mcq-morocco-fra-ll", "mcq-morocco-fra", "fra-Latn", "Question : {{input}}\nRéponse :", "French"),
    ("mcq-morocco-arb-ll", "mcq-morocco-arb", "arb-Arab", "السؤال: {{input}}\nالجواب:", "Modern Standard Arabic"),
    ("mcq-morocco-ary-ll", "mcq-morocco-ary", "ary-Arab", "السؤال: {{input}}\nالجواب:", "Moroccan Darija (Arabic script)"),
]


def q(s):
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


def jsonl(rows):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def header(sid, language, task, description, source, extra=()):
    return [
        f"id: {sid}",
        f"version: {VERSION}",
        "changelog:",
        *[f"  - {q(c)}" for c in CHANGELOG],
        f"language: {language}",
        f"task: {task}",
        *extra,
        f"description: {q(description)}",
        "license: CC-BY-4.0",
        'authors: ["mizan project"]',
        f"status: {q(STATUS)}",
        f"source: {q(source)}",
    ]


def bpb_parallel():
    rows = [json.loads(l) for l in open(CORPUS, encoding="utf-8").read().split("\n") if l]
    complete = [r for r in rows if all(r.get(k) is not None for k in LANGUAGES)]
    partial = [r for r in rows if not all(r.get(k) is not None for k in LANGUAGES)]
    items = []
    for r in complete + partial:
        for lang in LANGUAGES:
            if r.get(lang) is None:
                continue
            items.append({"id": f"{r['id']}-{lang}", "input": r[lang], "lang": lang, "source_id": r["id"]})
    counts = {lang: sum(1 for i in items if i["lang"] == lang) for lang in LANGUAGES}
    description = (
        "Bits per byte of the same everyday and public-service sentences in French, Modern Standard Arabic, "
        "Moroccan Darija (Arabic script and Arabizi) and Standard Moroccan Tamazight (Tifinagh and IRCAM Latin): "
        "how well a model knows each language relative to the others, comparable across tokenizers. "
        f"{len(items)} items, one per sentence per language ("
        + ", ".join(f"{lang} {n}" for lang, n in counts.items())
        + "), derived by scripts/make-likelihood-suites.py from Prompts/_corpus/parallel.jsonl (source_id is the corpus id). "
        f"The {len(complete)} sentences that exist in all six languages come first, six items each, so --limit {6 * 20} "
        "scores the same 20 sentences in every language; the sentences without Tamazight follow. Each item is scored "
        "as a whole text from the beginning of sequence (task rolling); the suite figure is the mean over items "
        "(per text), not lm-eval's corpus-weighted figure. Lower is better.")
    yaml = header("bpb-parallel", "fra-Latn", "rolling", description,
                  "Prompts/_corpus/parallel.jsonl (written by the mizan project)")
    yaml += ["prompt:", '  template: "{{input}}"', "metrics:", "  - bits_per_byte", "  - byte_perplexity",
             "cluster: source_id", ""]
    return {"bpb-parallel": ("\n".join(yaml), jsonl(items))}


def mcq_ll():
    out = {}
    for sid, source, language, template, name in MCQ:
        text = open(os.path.join(PROMPTS, source, "items.jsonl"), encoding="utf-8").read()
        n = sum(1 for l in text.split("\n") if l)
        description = (
            f"Knowledge of Morocco in {name}, scored by log-likelihood: the {n} four-option questions of {source} "
            "(the same items, copied unchanged by scripts/make-likelihood-suites.py), each choice scored as a "
            "continuation of the question and an answer cue (a cloze: the continuation is a space and the "
            "choice's text, not a letter). acc takes the choice with the highest log-likelihood, acc_norm the highest "
            "per UTF-8 byte of the continuation (as lm-eval does); gold_prob and brier read the softmax over the "
            "choices. Gives base models, which score at chance on the generative version, a real score.")
        yaml = header(sid, language, "multiple-choice", description,
                      f"Prompts/{source}/items.jsonl (written by the mizan project)",
                      extra=["scoring: loglikelihood"])
        yaml += ["prompt:", "  template: |-", *[f"    {l}" for l in template.split("\n")],
                 f"  continuation: {q(' {{choice}}')}",
                 "metrics:", "  - acc", "  - acc_norm", "  - gold_prob", "  - brier", ""]
        out[sid] = ("\n".join(yaml), text)
    return out


def build():
    files = {}
    for sid, (yaml, items) in {**bpb_parallel(), **mcq_ll()}.items():
        files[os.path.join(PROMPTS, sid, "suite.yaml")] = yaml
        files[os.path.join(PROMPTS, sid, "items.jsonl")] = items
    return files


def main():
    return write_or_check(build(), ROOT)


if __name__ == "__main__":
    sys.exit(main())
