#!/usr/bin/env python3
"""Helper of Benchmarks/likelihood-check.sh: the lm-eval side and the comparison report.

    likelihood_check.py lmeval --base-url URL --suite DIR [--suite DIR …] --limit N --runs R --out FILE
        Writes the first N items of each suite as an lm-eval task (local JSON Lines, the context rendered from the
        suite's template exactly as mizan renders it, choices as continuations after lm-eval's target delimiter " "),
        runs lm-eval's `gguf` model on it R times against URL (llama-cpp-python's server) and writes, per run, the wall
        time, and for the first run every (context, continuation) log-likelihood and lm-eval's acc/acc_norm/acc_bytes.
    likelihood_check.py report --lmeval FILE --native SHOW.json … --echo SHOW.json … --bpb-native SHOW.json
                               --bpb-echo SHOW.json --timings FILE
        Reads `mizan show RUN --items --format json` outputs and prints the comparison.

Only the suites' `{{input}}` placeholder is rendered (the mcq-morocco-*-ll templates use no other); the report
checks that lm-eval's contexts equal the rendered ones.
"""
import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time


def read_suite(folder, limit):
    import yaml
    spec = yaml.safe_load(open(os.path.join(folder, "suite.yaml"), encoding="utf-8"))
    items = [json.loads(l) for l in open(os.path.join(folder, "items.jsonl"), encoding="utf-8") if l.strip()][:limit]
    template = spec["prompt"]["template"]
    cont = spec["prompt"].get("continuation", " {{choice}}")
    if cont != " {{choice}}":
        sys.exit(f"{folder}: continuation {cont!r}; this helper handles \" {{{{choice}}}}\" (lm-eval's target delimiter + choice)")
    rows = []
    for it in items:
        rows.append({"id": it["id"], "context": template.replace("{{input}}", it["input"]),
                     "choices": it["choices"], "answer": it["answer"]})
    return spec["id"], rows


def lmeval(args):
    import lm_eval
    from lm_eval.tasks import TaskManager
    work = tempfile.mkdtemp(prefix="mizan-lmeval-")
    tasks = []
    contexts = {}
    for folder in args.suite:
        sid, rows = read_suite(folder, args.limit)
        name = "mizan_" + sid.replace("-", "_")
        data = os.path.join(work, name + ".jsonl")
        with open(data, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
                contexts[(sid, r["id"])] = r
        with open(os.path.join(work, name + ".yaml"), "w", encoding="utf-8") as f:
            f.write(f"task: {name}\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: {json.dumps(data)}\n"
                    "test_split: test\noutput_type: multiple_choice\ndoc_to_text: context\ndoc_to_choice: choices\n"
                    "doc_to_target: answer\ntarget_delimiter: \" \"\nmetric_list:\n  - metric: acc\n  - metric: acc_norm\n"
                    "  - metric: acc_bytes\n")
        tasks.append((sid, name))
    tm = TaskManager(include_path=work)
    out = {"runs": [], "pairs": [], "items": {}, "lm_eval_version": getattr(lm_eval, "__version__", "?")}
    for run in range(args.runs):
        t0 = time.monotonic()
        res = lm_eval.simple_evaluate(model="gguf", model_args=f"base_url={args.base_url}", tasks=[n for _, n in tasks],
                                      task_manager=tm, log_samples=(run == 0), num_fewshot=0, cache_requests=False)
        wall = time.monotonic() - t0
        n_items = sum(len(res["samples"][n]) for _, n in tasks) if run == 0 else out["runs"][0]["items"]
        out["runs"].append({"wall": wall, "items": n_items})
        print(f"lm-eval run {run + 1}/{args.runs}: {n_items} items in {wall:.2f} s", file=sys.stderr)
        if run == 0:
            for sid, name in tasks:
                out["items"][sid] = {k: v for k, v in res["results"][name].items() if not k.endswith("_stderr,none")}
                for s in res["samples"][name]:
                    doc = s["doc"]
                    lls = [float(r[0][0]) if isinstance(r[0], (list, tuple)) else float(r[0]) for r in s["resps"]]
                    for k, arg in enumerate(s["arguments"]):
                        ctx, cont = (arg["arg_0"], arg["arg_1"]) if isinstance(arg, dict) else (arg[0], arg[1])
                        out["pairs"].append({"suite": sid, "id": doc["id"], "choice": k, "context": ctx,
                                             "continuation": cont, "logprob": lls[k],
                                             "context_matches": ctx == contexts[(sid, doc["id"])]["context"]})
                    out.setdefault("docs", []).append({"suite": sid, "id": doc["id"], "answer": doc["answer"],
                                                       "choices": doc["choices"], "acc": s.get("acc"),
                                                       "acc_norm": s.get("acc_norm"), "acc_bytes": s.get("acc_bytes")})
    json.dump(out, open(args.out, "w", encoding="utf-8"), ensure_ascii=False, indent=1)


def show_items(paths):
    """(suite, item id) → item result, from `mizan show --items --format json` files."""
    out = {}
    for p in paths:
        run = json.load(open(p, encoding="utf-8"))
        if "refused" in run:
            print(f"  ({os.path.basename(p)}: mizan refused: {run['refused']})")
            continue
        sid = run["suite"]
        for it in run["item_results"]:
            out[(sid, it["id"])] = it
    return out


def answer(item):
    if item.get("output") is None:
        return None
    return json.loads(item["output"])


def median_max(xs):
    return (statistics.median(xs), max(xs)) if xs else (float("nan"), float("nan"))


def predictions(lls, choices, gold):
    """acc, acc_norm as mizan defines it (acc_norm/2: per character of the choice), lm-eval acc_norm (per character of the
    choice), acc_bytes (per UTF-8 byte of the choice, mizan's and lm-eval's)."""
    def first_max(v):
        return max(range(len(v)), key=lambda i: (v[i], -i))
    acc = first_max(lls) == gold
    chars = first_max([l / len(c) for l, c in zip(lls, choices)]) == gold
    byts = first_max([l / len(c.encode()) for l, c in zip(lls, choices)]) == gold
    return acc, chars, chars, byts


def report(args):
    lm = json.load(open(args.lmeval, encoding="utf-8"))
    native, echo = show_items(args.native), show_items(args.echo)
    lm_pairs = {(p["suite"], p["id"], p["choice"]): p for p in lm["pairs"]}
    print(f"lm-eval {lm['lm_eval_version']} (gguf model, llama-cpp-python server); "
          f"{len(lm.get('docs', []))} items, {len(lm_pairs)} (context, continuation) pairs")
    bad_ctx = [k for k, p in lm_pairs.items() if not p["context_matches"]]
    print(f"lm-eval contexts equal to mizan's rendering: {len(lm_pairs) - len(bad_ctx)}/{len(lm_pairs)}")
    print()
    print("per (context, continuation) log-likelihood, |difference| in nats:")
    print(f"  {'pair of runs':44} {'pairs':>6} {'median':>10} {'max':>10}  choice agreement")
    lls = {}
    for name, items in (("mizan native (llama-server)", native), ("mizan echo (llama-cpp-python)", echo)):
        d = {}
        for (sid, iid), it in items.items():
            a = answer(it)
            if a is None:
                continue
            for k, c in enumerate(a["choices"]):
                d[(sid, iid, k)] = c["logprob"]
        lls[name] = d
    lls["lm-eval (llama-cpp-python)"] = {k: p["logprob"] for k, p in lm_pairs.items()}
    names = list(lls)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            a, b = lls[names[i]], lls[names[j]]
            keys = sorted(set(a) & set(b))
            diffs = [abs(a[k] - b[k]) for k in keys if a[k] is not None and b[k] is not None]
            med, mx = median_max(diffs)
            items = sorted({k[:2] for k in keys})
            agree = 0
            for key in items:
                ks = sorted(k for k in keys if k[:2] == key)
                va, vb = [a[k] for k in ks], [b[k] for k in ks]
                agree += max(range(len(va)), key=lambda x: (va[x], -x)) == max(range(len(vb)), key=lambda x: (vb[x], -x))
            print(f"  {names[i] + ' vs ' + names[j]:44.44} {len(diffs):>6} {med:>10.2e} {mx:>10.2e}  {agree}/{len(items)}")
    print()
    print("accuracy (same items; acc_norm as mizan stores it: acc_norm/2 divides by the characters of the choice, as lm-eval")
    print("0.4.13's acc_norm does; acc_bytes by the choice's UTF-8 bytes, as lm-eval's acc_bytes):")
    suites = sorted({k[0] for k in lm_pairs})
    print(f"  {'suite':22} {'source':32} {'items':>5} {'acc':>6} {'acc_norm':>9} {'lm-eval acc_norm':>17} {'acc_bytes':>10}")
    for sid in suites:
        for name, items in (("mizan native (llama-server)", native), ("mizan echo (llama-cpp-python)", echo)):
            rows = [it for (s, _), it in items.items() if s == sid and it.get("scores")]
            if rows:
                acc = statistics.mean(r["scores"]["acc"] for r in rows)
                norm = statistics.mean(r["scores"]["acc_norm"] for r in rows)
                # lm-eval's definitions recomputed from mizan's log-likelihoods, for a like-for-like row.
                preds = [predictions([c["logprob"] for c in answer(r)["choices"]], r["choices"], r["answer_index"]) for r in rows]
                print(f"  {sid:22} {name:32} {len(rows):>5} {acc:>6.3f} {norm:>9.3f} "
                      f"{statistics.mean(p[2] for p in preds):>17.3f} {statistics.mean(p[3] for p in preds):>10.3f}")
        docs = [d for d in lm["docs"] if d["suite"] == sid]
        preds = [predictions([lm_pairs[(sid, d["id"], k)]["logprob"] for k in range(len(d["choices"]))], d["choices"], d["answer"])
                 for d in docs]
        agg = lm["items"][sid]
        print(f"  {sid:22} {'lm-eval (llama-cpp-python)':32} {len(docs):>5} {agg.get('acc,none', float('nan')):>6.3f} "
              f"{statistics.mean(p[1] for p in preds):>9.3f} {agg.get('acc_norm,none', float('nan')):>17.3f} "
              f"{agg.get('acc_bytes,none', float('nan')):>10.3f}")
    print("  (lm-eval row: acc, acc_norm and acc_bytes as lm-eval reports them; its acc_norm column under mizan's")
    print("   definition is recomputed from lm-eval's log-likelihoods)")
    print()
    bn, be = show_items(args.bpb_native), show_items(args.bpb_echo)
    print("bits per byte per language (bpb-parallel, mean over texts; mizan on both servers):")
    print(f"  {'language':10} {'texts':>5} {'llama-server native':>20} {'llama-cpp-python echo':>22} {'max |diff|':>11}")
    langs = []
    for it in list(bn.values()) + list(be.values()):
        if it["lang"] not in langs:
            langs.append(it["lang"])
    for lang in langs:
        a = {k: v["scores"].get("bits_per_byte") for k, v in bn.items() if v["lang"] == lang and v.get("scores")}
        b = {k: v["scores"].get("bits_per_byte") for k, v in be.items() if v["lang"] == lang and v.get("scores")}
        keys = sorted(k for k in set(a) & set(b) if a[k] is not None and b[k] is not None)
        if not keys:  # one server refused (llama-cpp-python gives no log-prob for a text's first token)
            na = [v for v in a.values() if v is not None]
            if na:
                print(f"  {lang:10} {len(na):>5} {statistics.mean(na):>20.4f} {'refused':>22} {'':>11}")
            continue
        print(f"  {lang:10} {len(keys):>5} {statistics.mean(a[k] for k in keys):>20.4f} {statistics.mean(b[k] for k in keys):>22.4f} "
              f"{max(abs(a[k] - b[k]) for k in keys):>11.2e}")
    print()
    t = json.load(open(args.timings, encoding="utf-8"))
    print("speed on the same items and server (llama-cpp-python, one request at a time), median of "
          f"{len(lm['runs'])} runs, process start included:")
    lm_med = statistics.median(r["wall"] for r in lm["runs"])
    n = lm["runs"][0]["items"]
    rows = [("lm-eval gguf", lm_med, n, "one request per (context, continuation)")]
    for name, walls, items, note in t["mizan"]:
        rows.append((name, statistics.median(walls), items, note))
    for name, wall, items, note in rows:
        print(f"  {name:32} {items:>4} items {wall:>8.2f} s {items / wall:>8.2f} items/s  ({note})")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("lmeval")
    a.add_argument("--base-url", required=True)
    a.add_argument("--suite", action="append", required=True)
    a.add_argument("--limit", type=int, default=20)
    a.add_argument("--runs", type=int, default=3)
    a.add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("--lmeval", required=True)
    r.add_argument("--native", action="append", required=True)
    r.add_argument("--echo", action="append", required=True)
    r.add_argument("--bpb-native", action="append", required=True)
    r.add_argument("--bpb-echo", action="append", required=True)
    r.add_argument("--timings", required=True)
    args = ap.parse_args()
    lmeval(args) if args.cmd == "lmeval" else report(args)


if __name__ == "__main__":
    main()
