"""Scoring an NLU model on labelled messages: shared by `make eval-nlu` and the training job's evaluation gate.

Labels keep the FAQ key (``faq/<key>``): an FAQ question counts as right
only when the right answer was chosen. ``nlu_fallback`` (asked to rephrase)
and ``out_of_scope`` count as not understood.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from pathlib import Path

NOT_UNDERSTOOD = ("out_of_scope", "nlu_fallback")


def read_examples(paths: list[Path]) -> list[tuple[str, str]]:
    """(text, label) pairs of Rasa NLU files; labels keep the FAQ key (faq/<key>)."""
    from rasa.shared.nlu.training_data.loading import load_data

    pairs = []
    for path in paths:
        for message in load_data(str(path)).intent_examples:
            label = message.get("intent_response_key") or message.get("intent")
            pairs.append((message.get("text"), label))
    return pairs


def predicted_label(parse: dict) -> str:
    intent = (parse.get("intent") or {}).get("name") or "nlu_fallback"
    if intent == "faq":
        key = ((parse.get("response_selector") or {}).get("faq") or {}).get("response", {})
        return key.get("intent_response_key") or "faq"
    return intent


async def parse_all(model: Path, texts: list[str]) -> tuple[list[str], list[float]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    for text in texts[:20]:  # warm up
        await agent.parse_message(text)
    labels, millis = [], []
    for text in texts:
        started = time.perf_counter()
        parse = await agent.parse_message(text)
        millis.append((time.perf_counter() - started) * 1000)
        labels.append(predicted_label(parse))
    return labels, millis


def intent_of(label: str) -> str:
    return label.split("/")[0]


def scores(gold: list[str], predicted: list[str]) -> dict:
    """Accuracies, per-intent P/R/F1 (FAQ answers counted as the one intent `faq`), confusions."""
    n = len(gold)
    intents_gold = [intent_of(g) for g in gold]
    intents_pred = [intent_of(p) for p in predicted]
    per_intent = {}
    for intent in sorted(set(intents_gold)):
        tp = sum(g == p == intent for g, p in zip(intents_gold, intents_pred))
        fp = sum(p == intent != g for g, p in zip(intents_gold, intents_pred))
        fn = sum(g == intent != p for g, p in zip(intents_gold, intents_pred))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[intent] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    faq = [(g, p) for g, p in zip(gold, predicted) if g.startswith("faq/")]
    in_scope = [p for g, p in zip(gold, predicted) if g != "out_of_scope"]
    confusions = Counter((g, p) for g, p in zip(gold, predicted) if g != p)
    return {
        "n": n,
        "accuracy": sum(g == p for g, p in zip(gold, predicted)) / n,
        "intent_accuracy": sum(g == p for g, p in zip(intents_gold, intents_pred)) / n,
        "faq_answer_accuracy": sum(g == p for g, p in faq) / len(faq) if faq else None,
        "faq_n": len(faq),
        "not_understood_rate": sum(p in NOT_UNDERSTOOD for p in in_scope) / len(in_scope),
        "out_of_scope_recall": per_intent.get("out_of_scope", {}).get("recall"),
        "macro_f1": statistics.mean(r["f1"] for r in per_intent.values()),
        "per_intent": per_intent,
        "confusions": confusions.most_common(10),
    }
