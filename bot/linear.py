"""Scoring fitted linear text models one message at a time, without sklearn's per-call overhead.

sklearn's vectorizers validate their input and build sparse matrices on
every call: over a millisecond for one short message. A fitted
``TfidfVectorizer`` (sublinear tf, l2 norm) followed by a linear model is a
few dictionary lookups and a small matrix product; the classifiers in bot/
(intents, sentiment) compute their scores with this and check in their
tests that the numbers equal sklearn's.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np


def tfidf_row(analyzer: Callable[[Any], Any], vocabulary: Dict[str, int], idf: np.ndarray,
              document: Any) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """Column indices and values of one document's sublinear, l2-normalised tf-idf row (None: empty)."""
    counts: Dict[int, int] = {}
    for token in analyzer(document):
        j = vocabulary.get(token)
        if j is not None:
            counts[j] = counts.get(j, 0) + 1
    if not counts:
        return None
    idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    values = (1.0 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))) * idf[idx]
    values /= np.sqrt(values @ values)
    return idx, values


def softmax(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()
