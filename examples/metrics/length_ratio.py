#!/usr/bin/env python3
"""mizan external metric example: length ratio of the output to the first reference.

Protocol (docs/external-metrics.md): one JSON object per line on stdin
  {"id": ..., "output": ..., "references": [...], "lang": ..., "fields": {...}}
and one JSON object per line on stdout, in the same order
  {"id": ..., "score": <number or null>, "details": {...}}

score = min(len(output), len(ref)) / max(len(output), len(ref)) in Unicode code points
(1.0 when both are empty; null with an error when the item has no reference).
No dependencies beyond the Python 3 standard library.
"""
import json
import sys


def score(item):
    refs = item.get("references") or []
    if not refs:
        return {"id": item["id"], "score": None, "error": "item has no reference"}
    out_len = len(item.get("output", "").strip())
    ref_len = len(refs[0].strip())
    longest = max(out_len, ref_len)
    value = 1.0 if longest == 0 else min(out_len, ref_len) / longest
    return {"id": item["id"], "score": value,
            "details": {"output_chars": out_len, "reference_chars": ref_len}}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        reply = score(json.loads(line))
        sys.stdout.write(json.dumps(reply, ensure_ascii=False) + "\n")
        sys.stdout.flush()  # one answer per input line, immediately: mizan waits for it


if __name__ == "__main__":
    main()
