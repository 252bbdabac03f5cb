"""How well the bot understands messages it was never trained on.

    make eval-nlu        (or: .venv/rasa/bin/python bench/eval_nlu.py [--test FILE ...])

Trains three NLU models on data/: the pipeline in config.yml (the product),
the previous pipeline (DIET, sparse features only: bench/nlu/baseline-config.yml)
and DIET with the sentence embeddings (bench/nlu/diet-e5-config.yml); parses
every message of the held-out test set (bench/nlu/test_*.yml, written
separately from the training data and never trained on) with each, and
prints, for each:

- accuracy (the intent; for the FAQ retrieval intent also the right answer),
- per-intent precision, recall and F1,
- the ten largest confusions,
- FAQ-answer accuracy, out-of-scope rate,
- parse latency p50/p95 (in process, one message at a time) and training time.

Before training it checks the test set against the training data: how many
test messages are the same as, or within a couple of edits of, a training
example (those measure memory, not understanding; keep the count near zero).
Models and a JSON report go to var/eval/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bot.evaluation import parse_all, read_examples, scores  # noqa: E402
RASA = ROOT / ".venv" / "rasa" / "bin" / "rasa"
OUT = ROOT / "var" / "eval"
PIPELINES = {
    "baseline": ROOT / "bench" / "nlu" / "baseline-config.yml",  # before issue 12: DIET, sparse features only
    "diet_e5": ROOT / "bench" / "nlu" / "diet-e5-config.yml",  # DIET and ResponseSelector with e5 features
    "current": ROOT / "config.yml",  # the product: one linear model over n-grams and e5 features
}


def near_edits(length: int) -> int:
    """How many edits apart a test message may be from a training example and still count as its
    near-duplicate: one, or one per five characters of the (squeezed) test message."""
    return max(1, length // 5)


def training_examples() -> list[tuple[str, str]]:
    return read_examples(sorted((ROOT / "data" / "nlu").glob("*.yml")))


def squeeze(text: str) -> str:
    """The text as a near-duplicate check compares it: normalised, without spaces and punctuation."""
    from bot.normalize import normalize_text

    return "".join(ch for ch in normalize_text(text)
                   if not ch.isspace() and not unicodedata.category(ch).startswith("P"))


def near_duplicates(test: list[tuple[str, str]], train: list[tuple[str, str]]) -> list[tuple[str, str, int]]:
    """(test text, closest training text, edits) for test messages that are near-duplicates of a training one."""
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import extractOne

    choices = [squeeze(t) for t, _ in train]
    found = []
    for text, _ in test:
        squeezed = squeeze(text)
        best = extractOne(squeezed, choices, scorer=Levenshtein.distance, score_cutoff=near_edits(len(squeezed)))
        if best is not None:
            found.append((text, train[best[2]][0], int(best[1])))
    return found


def train(name: str, config: Path) -> tuple[Path, float]:
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(OUT / f"train-{name}.log", "wb") as log:
        subprocess.run([str(RASA), "train", "nlu", "--config", str(config), "--nlu", "data",
                        "--out", str(OUT), "--fixed-model-name", name],
                       cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=True)
    return OUT / f"{name}.tar.gz", time.monotonic() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


COLUMNS = {"baseline": "baseline: DIET, sparse only", "diet_e5": "DIET + e5", "current": "current: linear + e5"}


def report(results: dict, near: list, test_n: int, train_n: int) -> None:
    names = list(results)
    base, cur = results[names[0]], results[names[-1]]
    print(f"\nTest set: {test_n} messages; training data: {train_n} examples.")
    print(f"Near-duplicates: {len(near)} test messages within one edit (one per five characters) of a "
          f"training example ({sum(d == 0 for *_, d in near)} identical after normalisation).")
    for text, closest, d in near[:15]:
        print(f"  {d}  {text}  ~  {closest}")

    print("\n| measurement | " + " | ".join(COLUMNS.get(n, n) for n in names) + " |")
    print("|---|" + "---:|" * len(names))
    rows = [
        ("accuracy (intent, and the FAQ answer)", "accuracy", "{:.3f}"),
        ("intent accuracy (all FAQ answers as `faq`)", "intent_accuracy", "{:.3f}"),
        ("macro F1 over intents", "macro_f1", "{:.3f}"),
        ("FAQ-answer accuracy", "faq_answer_accuracy", "{:.3f}"),
        ("in-scope messages not understood (out_of_scope / nlu_fallback)", "not_understood_rate", "{:.1%}"),
        ("out-of-scope recall", "out_of_scope_recall", "{:.3f}"),
        ("parse p50 ms", "p50_ms", "{:.1f}"),
        ("parse p95 ms", "p95_ms", "{:.1f}"),
        ("training s (`rasa train nlu`)", "train_s", "{:.0f}"),
    ]
    for title, key, fmt in rows:
        values = [fmt.format(results[n][key]) if results[n][key] is not None else "–" for n in names]
        print(f"| {title} | " + " | ".join(values) + " |")
    print("| parse p50 / baseline's | " + " | ".join(f"{results[n]['p50_ms'] / base['p50_ms']:.2f}×"
                                                    for n in names) + " |")

    print("\n| intent | precision | recall | F1 | " + " | ".join(f"F1 {n}" for n in names[:-1])
          + " | test messages |\n|---|---:|---:|---:|" + "---:|" * (len(names) - 1) + "---:|")
    for intent, r in sorted(cur["per_intent"].items(), key=lambda kv: kv[1]["f1"]):
        others = " | ".join(f"{results[n]['per_intent'].get(intent, {}).get('f1', 0.0):.3f}" for n in names[:-1])
        print(f"| {intent} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {others} | {r['support']} |")

    print(f"\nTen largest confusions ({names[-1]}):\n\n| true | predicted | count |\n|---|---|---:|")
    for (g, p), count in cur["confusions"]:
        print(f"| {g} | {p} | {count} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--test", nargs="*", type=Path,
                        default=sorted((ROOT / "bench" / "nlu").glob("test_*.yml")))
    parser.add_argument("--no-train", action="store_true", help="reuse the models in var/eval/")
    parser.add_argument("--only", choices=sorted(PIPELINES), nargs="+", help="train and score these pipelines")
    parser.add_argument("--errors", action="store_true", help="print every wrongly parsed message")
    parser.add_argument("--near-only", action="store_true",
                        help="only list the test messages that are near-duplicates of training examples")
    args = parser.parse_args()
    os.chdir(ROOT)

    test = read_examples(args.test)
    train_set = training_examples()
    near = near_duplicates(test, train_set)
    if args.near_only:
        for text, closest, d in near:
            print(f"{d}\t{text}\t~\t{closest}")
        print(f"{len(near)} of {len(test)} test messages are near-duplicates of training examples")
        return
    texts, gold = [t for t, _ in test], [label for _, label in test]

    results = {}
    for name, config in PIPELINES.items():
        if args.only and name not in args.only:
            continue
        model, train_s = (OUT / f"{name}.tar.gz", float("nan")) if args.no_train else train(name, config)
        print(f"==> {name}: trained in {train_s:.0f} s; parsing {len(texts)} test messages", flush=True)
        predicted, millis = asyncio.run(parse_all(model, texts))
        result = scores(gold, predicted)
        result.update(p50_ms=percentile(millis, 50), p95_ms=percentile(millis, 95), train_s=train_s)
        results[name] = result
        if args.errors:
            for t, g, p in zip(texts, gold, predicted):
                if g != p:
                    print(f"  [{name}] {g} -> {p}: {t}")
    report(results, near, len(test), len(train_set))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "report.json").write_text(json.dumps({"near_duplicates": near, **results}, ensure_ascii=False,
                                                indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
