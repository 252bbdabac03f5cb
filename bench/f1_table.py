"""Prints the per-intent table of a `rasa test nlu --cross-validation` report.

    .venv/rasa/bin/python bench/f1_table.py var/crossval/intent_report.json
"""

import json
import sys


def main(path: str) -> None:
    report = json.load(open(path, encoding="utf-8"))
    print("| intent | precision | recall | F1 | examples |\n|---|---:|---:|---:|---:|")
    rows = {k: v for k, v in report.items() if isinstance(v, dict) and "f1-score" in v}
    summary = {k: rows.pop(k) for k in ("micro avg", "macro avg", "weighted avg") if k in rows}
    for name, r in sorted(rows.items(), key=lambda kv: kv[1]["f1-score"]):
        print(f"| {name} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1-score']:.3f} | {r['support']} |")
    for name, r in summary.items():
        print(f"| **{name}** | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1-score']:.3f} | {r['support']} |")
    if "accuracy" in report:
        print(f"\naccuracy: {report['accuracy']:.3f}")


if __name__ == "__main__":
    main(sys.argv[1])
