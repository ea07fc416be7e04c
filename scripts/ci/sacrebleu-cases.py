#!/usr/bin/env python3
"""Runs sacrebleu 2.6.0's own test cases (Tests/MizanTests/Fixtures/sacrebleu-cases.json, extracted once by
scripts/make-sacrebleu-cases.py) against `mizan score`, each at its test's own tolerance.

    scripts/ci/sacrebleu-cases.py path/to/mizan [fixture.json]

Prints one line per failure and a summary: cases run, passed, and the cases not run with their reasons.
Exit status 1 when a case fails. Needs no network and no sacrebleu.
"""
import json
import lzma
import os
import subprocess
import sys
import tempfile
from collections import Counter

BIN = sys.argv[1]
FIXTURE = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    os.path.dirname(__file__), "..", "..", "Tests", "MizanTests", "Fixtures", "sacrebleu-cases.json")

# suite option name -> `mizan score` flag (booleans are switches)
FLAGS = {
    "tokenize": "--tokenize", "lowercase": "--lowercase", "smooth_method": "--smooth-method",
    "smooth_value": "--smooth-value", "max_ngram_order": "--max-ngram-order", "effective_order": "--effective-order",
    "char_order": "--chrf-char-order", "word_order": "--chrf-word-order", "beta": "--chrf-beta",
    "whitespace": "--chrf-whitespace", "eps_smoothing": "--chrf-eps-smoothing", "normalized": "--ter-normalized",
    "no_punct": "--ter-no-punct", "asian_support": "--ter-asian-support",
}
work = tempfile.mkdtemp(prefix="mizan-sacrebleu-cases.")


def write(name, lines):
    path = os.path.join(work, name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("".join(line + "\n" for line in lines))
    return path


def flags(metric, options):
    out = []
    for key, value in options.items():
        if key == "lowercase" and metric == "ter":
            out += [] if value else ["--case-sensitive"]
        elif isinstance(value, bool):
            out += [FLAGS[key]] if value else ["--no-" + FLAGS[key][2:]]
        else:
            out += [FLAGS[key], str(value)]
    return out


def score(case, hyps, refs, extra=()):
    args = [BIN, "score", "--metric", case["metric"], "--hyp", write("hyp", hyps)]
    for k, ref_set in enumerate(refs):
        args += ["--ref", write(f"ref{k}", ref_set)]
    args += flags(case["metric"], case.get("options", {})) + list(extra)
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def check(case):
    """None when the case passes, else what differs."""
    kind = case["kind"]
    if kind in ("corpus", "sentence"):
        extra = ["--json"] + (["--sentence"] if kind == "sentence" else [])
        got = json.loads(score(case, case["hyps"], case["refs"], extra).splitlines()[0])["score"]
        value = got * case["scale"]
        ok = abs(value - case["expected"]) < case["tolerance"] if case["tolerance"] > 0 else value == case["expected"]
        return None if ok else f"expected {case['expected']} ± {case['tolerance']}, got {value!r}"
    if kind == "corpus-text":
        got = score(case, case["hyps"], case["refs"], ["--width", str(case["width"])]).split(" = ")[1].split()[0]
        return None if got == case["expected_text"] else f"expected {case['expected_text']}, got {got}"
    if kind == "bleu-counts":
        got = json.loads(score(case, case["hyps"], case["refs"], ["--json"]))
        ok = got["counts"] == case["counts"] and got["totals"] == case["totals"]
        return None if ok else f"expected {case['counts']}/{case['totals']}, got {got['counts']}/{got['totals']}"
    if kind == "ter-tokenize":
        # scoring the input against the expected tokens gives 0 edits exactly when the tokens agree
        # (the expected side is already tokenized); Tests/MizanTests also compares the token strings
        got = json.loads(score(case, [case["input"]], [[case["expected_text"]]], ["--json"]))["score"]
        return None if got == 0 else f"input {case['input']!r} does not tokenize to {case['expected_text']!r} (TER {got})"
    if kind == "equal-scores":
        a = score(case, case["hyps"], case["refs_a"], ["--width", str(case["width"])])
        b = score(case, case["hyps"], case["refs_b"], ["--width", str(case["width"])])
        return None if a.split(" = ")[1] == b.split(" = ")[1] else f"{a.strip()} != {b.strip()}"
    if kind == "paired":
        return None  # checked per test run in paired_checks()
    raise ValueError(f"unknown kind {kind}")


def paired_checks(cases):
    """test_significance.py: one paired test of the 16 WMT17 en-de systems (the first is the baseline) against the
    references, BLEU with tokenize none, seed 12345 — bootstrap with 2000 resamples, approximate randomization with
    10000 trials — then each system's p-value against its expected value (± 0.01, the test's tolerance)."""
    paired = [c for c in cases if c["kind"] == "paired"]
    if not paired:
        return 0, []
    data = json.loads(lzma.open(os.path.join(os.path.dirname(FIXTURE), paired[0]["data"])).read())["systems"]
    *systems, (_, refs) = data
    names = [n for n, _ in systems]
    args = ["--metric", "bleu", "--tokenize", "none", "--paired-seed", "12345", "--json"]
    for k, ref_set in enumerate(refs):  # a list of reference sets, as sacrebleu's BLEU(references=...) takes
        args += ["--ref", write(f"paired-ref{k}", ref_set)]
    for name, lines in systems:
        args += ["--hyp", write(name, lines)]
    failed = []
    for test, flag in (("test_paired_bootstrap", ["--paired-bs", "--paired-bs-n", "2000"]),
                       ("test_paired_approximate_randomization", ["--paired-ar", "--paired-ar-n", "10000"])):
        r = subprocess.run([BIN, "score"] + args + flag, capture_output=True, text=True)
        p = {}
        if r.returncode == 0:
            for line in r.stdout.splitlines():
                o = json.loads(line)
                p[os.path.basename(o["system"])] = o["p_value"]
        for case in (c for c in paired if c["id"].startswith(f"test_significance.py::{test}")):
            got = p.get(case["system"]) or 0.0  # sacrebleu's test sums into a defaultdict: the baseline counts 0
            if r.returncode != 0 or abs(got - case["expected"]) >= case["tolerance"]:
                failed.append(case["id"])
                why = r.stderr.strip() if r.returncode != 0 else f"expected p {case['expected']} ± {case['tolerance']}, got {got}"
                print(f"FAIL {case['id']}: {why}")
    return len(paired), failed


def main():
    cases = json.load(open(FIXTURE, encoding="utf-8"))["cases"]
    runnable = ("corpus", "sentence", "corpus-text", "bleu-counts", "ter-tokenize", "equal-scores")
    ran, failed, not_run = 0, [], Counter()
    library = [c for c in cases if c["kind"] == "bleu-stats"]
    for case in cases:
        if case["kind"] not in runnable:
            if case["kind"] not in ("bleu-stats", "paired"):
                not_run[case.get("reason", case["kind"])] += 1
            continue
        ran += 1
        try:
            problem = check(case)
        except Exception as e:  # noqa: BLE001 - report every case
            problem = f"error: {e}"
        if problem:
            failed.append(case["id"])
            print(f"FAIL {case['id']}: {problem}")
    n_paired, failed_paired = paired_checks(cases)
    ran += n_paired
    failed += failed_paired
    print(f"sacrebleu 2.6.0 cases through mizan score: {ran} run, {ran - len(failed)} passed, {len(failed)} failed")
    print(f"  + {len(library)} BLEU-from-statistics cases run by Tests/MizanTests/SacrebleuOptionsTests.swift (no text to score)")
    for reason, n in sorted(not_run.items()):
        print(f"  not run: {n} — {reason}")
    sys.exit(1 if failed else 0)


main()
