#!/usr/bin/env python3
"""Derive mizan's translation and script-conversion suites from Prompts/_corpus/parallel.jsonl.

Deterministic: the same corpus gives byte-identical suite.yaml and items.jsonl files.
    python3 scripts/make-translation-suites.py           # (re)write the suites
    python3 scripts/make-translation-suites.py --check   # exit 1 if a file would change

Each item: id, input (source sentence), reference (target sentence), source_id (corpus id).
Corpus rows whose source or target is null (Tamazight left out) are skipped for that suite.
The one-shot example in every template is NOT a corpus sentence.
When you change the corpus, bump VERSION below and add a line to CHANGELOG.
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
ARABIZI = "3=ع 7=ح 9=ق 2=ء 5=خ; gh=غ, ch=ش, g=ڭ, ou/o/u=و; the digits 8 and 6 are not used (ط is t, ه is h)"

# One-shot example (not in the corpus), per language field.
EXAMPLE = {
    "fra-Latn": "Le café est prêt.",
    "arb-Arab": "القهوة جاهزة.",
    "ary-Arab": "القهوة واجدة.",
    "ary-Latn": "l9ahwa wajda.",
}
EXAMPLE_ZGH = {  # Tamazight pairs use a Tamazight sentence we are sure of
    "fra-Latn": "Je suis allé en ville.",
    "zgh-Tfng": "ⴷⴷⵉⵖ ⵙ ⵜⵎⴷⵉⵏⵜ.",
    "zgh-Latn": "ddiɣ s tmdint.",
}

# id, source field, target field, instruction, source label, target label, max_tokens, what
MT = [
    ("mt-ary-fra", "ary-Arab", "fra-Latn", "Traduis de la darija marocaine en français.", "Darija :", "Français :", 96,
     "Translation from Moroccan Darija (Arabic script) into French"),
    ("mt-fra-ary", "fra-Latn", "ary-Arab", "ترجم من الفرنسية للدارجة المغربية.", "بالفرنسية:", "بالدارجة:", 96,
     "Translation from French into Moroccan Darija (Arabic script)"),
    ("mt-ary-arb", "ary-Arab", "arb-Arab", "ترجم من الدارجة المغربية إلى العربية الفصحى.", "الدارجة:", "الفصحى:", 96,
     "Translation from Moroccan Darija into Modern Standard Arabic"),
    ("mt-arb-ary", "arb-Arab", "ary-Arab", "ترجم من العربية الفصحى للدارجة المغربية.", "الفصحى:", "الدارجة:", 96,
     "Translation from Modern Standard Arabic into Moroccan Darija; the fidelity metric flags answers that stay in MSA"),
    ("mt-zgh-fra", "zgh-Tfng", "fra-Latn", "Traduis du tamazight (écrit en tifinagh) en français.", "Tamazight :", "Français :", 96,
     "Translation from Standard Moroccan Tamazight (IRCAM Tifinagh) into French"),
    ("mt-fra-zgh", "fra-Latn", "zgh-Tfng", "Traduis du français en tamazight, écrit en tifinagh (alphabet de l'IRCAM).", "Français :", "ⵜⴰⵎⴰⵣⵉⵖⵜ :", 192,
     "Translation from French into Standard Moroccan Tamazight in IRCAM Tifinagh (the instruction is in French, the answer cue in Tifinagh); max_tokens is high because public tokenizers spend about one token per UTF-8 byte on Tifinagh"),
    ("mt-ary-arab-latn", "ary-Arab", "ary-Latn", "Kteb had jjomla dyal darija b l7rouf latiniya (3=ع, 7=ح, 9=ق, 2=ء, 5=خ).", "B l3arbiya:", "B latiniya:", 96,
     "Transliteration of Moroccan Darija from Arabic script into Arabizi (Latin letters with digits)"),
    ("mt-ary-latn-arab", "ary-Latn", "ary-Arab", "كتب هاد الجملة ديال الدارجة بالحروف العربية.", "بالحروف اللاتينية:", "بالحروف العربية:", 96,
     "Conversion of Moroccan Darija from Arabizi (Latin letters with digits) into Arabic script"),
]

SCRIPT = [
    ("script-tfng-latn", "zgh-Tfng", "zgh-Latn",
     "Translittère ce texte tamazight du tifinagh en lettres latines, en minuscules, selon les conventions de l'IRCAM (ⵖ=ɣ, ⵄ=ɛ, ⵃ=ḥ, ⵕ=ṛ, ⵚ=ṣ, ⵟ=ṭ, ⴹ=ḍ, ⵥ=ẓ, ⵛ=c, ⵊ=j, ⵅ=x, ⵇ=q, ⴳⵯ=gʷ).",
     "Tifinagh :", "Latin :", 96,
     "Script conversion of Standard Moroccan Tamazight from IRCAM Tifinagh into the IRCAM Latin transcription, letter for letter and in lower case (Tifinagh has no case)"),
    ("script-latn-tfng", "zgh-Latn", "zgh-Tfng",
     "Écris ce texte tamazight en tifinagh (alphabet de l'IRCAM), lettre pour lettre (ɣ=ⵖ, ɛ=ⵄ, ḥ=ⵃ, ṛ=ⵕ, ṣ=ⵚ, ṭ=ⵟ, ḍ=ⴹ, ẓ=ⵥ, c=ⵛ, j=ⵊ, x=ⵅ, q=ⵇ, gʷ=ⴳⵯ).",
     "Latin :", "Tifinagh :", 192,
     "Script conversion of Standard Moroccan Tamazight from the IRCAM Latin transcription into IRCAM Tifinagh, letter for letter"),
]

SHORT = {"fra-Latn": "fra", "arb-Arab": "arb", "ary-Arab": "ary", "ary-Latn": "aryl", "zgh-Tfng": "tfng", "zgh-Latn": "latn"}


def q(s):
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


def example_for(src, tgt):
    ex = EXAMPLE_ZGH if (src.startswith("zgh") or tgt.startswith("zgh")) else EXAMPLE
    return ex[src], ex[tgt]


def template(instruction, src, tgt, slabel, tlabel):
    exs, ext = example_for(src, tgt)
    lines = [instruction, "", f"{slabel} {exs}", f"{tlabel} {ext}", "", f"{slabel} {{{{input}}}}", tlabel]
    return "\n".join(lines)


def target_text(row, field, suite_id):
    text = row[field]
    if suite_id == "script-tfng-latn":
        text = text.lower()
    return text


def suite_yaml(sid, src, tgt, instruction, slabel, tlabel, max_tokens, what, n, metrics):
    out = [
        f"id: {sid}",
        f"version: {VERSION}",
        "changelog:",
        *[f"  - {q(c)}" for c in CHANGELOG],
        f"language: {tgt}",
        "task: generation",
        f"description: {q(f'{src} → {tgt}. ' + what + f'. {n} short sentences of everyday and public-service life, derived by scripts/make-translation-suites.py from Prompts/_corpus/parallel.jsonl (each item keeps its corpus id in source_id). One-shot completion prompt with an example that is not a corpus sentence; the answer is the rest of the line.')}",
        "license: CC-BY-4.0",
        'authors: ["mizan project"]',
        f"status: {q(STATUS)}",
        "source: \"Prompts/_corpus/parallel.jsonl (written by the mizan project)\"",
    ]
    if "ary-Latn" in (src, tgt):
        out.append(f"arabizi_convention: {q(ARABIZI)}")
    out += ["prompt:", "  template: |-"]
    out += [("    " + l) if l else "" for l in template(instruction, src, tgt, slabel, tlabel).split("\n")]
    out.append("metrics:")
    out += metrics
    out += ["generation:", f"  max_tokens: {max_tokens}", "  temperature: 0", '  stop: ["\\n"]', ""]
    return "\n".join(out)


def mt_metrics(tgt):
    tok = "intl" if tgt.endswith("Arab") or tgt.endswith("Tfng") else "13a"
    return ["  - chrf++", "  - name: bleu", f"    tokenize: {tok}", "  - fidelity"]


def script_metrics():
    return ["  - name: exact", "    normalize: l1", "  - chrf"]


def build():
    rows = [json.loads(l) for l in open(CORPUS, encoding="utf-8").read().split("\n") if l]
    files = {}
    for spec, metrics in [(s, None) for s in MT] + [(s, "script") for s in SCRIPT]:
        sid, src, tgt, instruction, slabel, tlabel, max_tokens, what = spec
        items = []
        for r in rows:
            if r.get(src) is None or r.get(tgt) is None:
                continue
            items.append({"id": f"{SHORT[src]}-{SHORT[tgt]}-{r['id']}", "input": r[src],
                          "reference": target_text(r, tgt, sid), "source_id": r["id"]})
        m = script_metrics() if metrics == "script" else mt_metrics(tgt)
        files[os.path.join(PROMPTS, sid, "suite.yaml")] = suite_yaml(sid, src, tgt, instruction, slabel, tlabel,
                                                                      max_tokens, what, len(items), m)
        files[os.path.join(PROMPTS, sid, "items.jsonl")] = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items)
    return files


def main():
    return write_or_check(build(), ROOT)


if __name__ == "__main__":
    sys.exit(main())
