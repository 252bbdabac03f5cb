"""The sentiment component: trains, persists through Rasa's model storage, loads, labels."""

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.sentiment import Scorer, SentimentAnalyzer, decide, load_labels

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "data" / "sentiment.yml"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    resource = Resource("sentiment_analyzer")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**SentimentAnalyzer.get_default_config(), "labels_path": str(LABELS)}
    nlu = TrainingData([Message(data={"text": "我的快递到哪了", "intent": "track_order"}),
                        Message(data={"text": "我要投诉，太气人了", "intent": "complain"}),
                        Message(data={"text": "谢谢啦", "intent": "thank"})])
    SentimentAnalyzer.create(config, storage, resource, context).train(nlu)
    # A fresh instance from the storage, as `rasa run` loads it from the model archive.
    return SentimentAnalyzer.load(config, storage, resource, context)


def labels(component, *texts):
    messages = component.process([Message(data={"text": t}) for t in texts])
    return [m.get("sentiment") for m in messages]


def test_the_loaded_component_labels_anger_routine_questions_and_thanks(trained):
    angry, routine, staff, thanks, blank = labels(
        trained, "我要投诉你们，太过分了！！！", "请问怎么退货", "客服在吗", "非常感谢", "   ")
    assert angry["label"] == "negative" and angry["score"] > 0.5
    assert routine["label"] == staff["label"] == "neutral"
    assert thanks["label"] == "positive"
    assert blank == {"label": "neutral", "score": 1.0}
    assert all(0 <= r["score"] <= 1 for r in (angry, routine, staff, thanks))


def test_sentiment_is_part_of_the_parse_output(trained):
    (message,) = trained.process([Message(data={"text": "真是太好了，又没到"})])
    assert message.as_dict(only_output_properties=True)["sentiment"]["label"] == "negative"


def test_a_button_payload_gets_no_sentiment(trained):
    """Pressing "000003 机械键盘 · 已签收" sends '/request_return{...}': not the customer's words."""
    pressed, typed = labels(trained, '/request_return{"order_id":"DD260004000003"}', "键盘坏了，气死我了")
    assert pressed is None
    assert typed["label"] == "negative"


def test_a_changed_labels_file_changes_the_fingerprint(tmp_path):
    path = tmp_path / "labels.yml"
    path.write_text(LABELS.read_text(encoding="utf-8"), encoding="utf-8")
    before = SentimentAnalyzer.fingerprint_addon({"labels_path": str(path)})
    path.write_text(path.read_text(encoding="utf-8") + "  - 再加一条\n", encoding="utf-8")
    assert SentimentAnalyzer.fingerprint_addon({"labels_path": str(path)}) != before


def test_the_labels_file_has_every_label_and_no_duplicates():
    pairs = load_labels(LABELS)
    assert {label for _, label in pairs} == {"negative", "neutral", "positive"}
    texts = [t for t, _ in pairs]
    assert len(texts) == len(set(texts)), [t for t in texts if texts.count(t) > 1]


def test_the_fast_scorer_gives_the_pipelines_probabilities(trained):
    model = trained._model
    scorer = Scorer(model)
    texts = ["我要投诉你们，太过分了！！！", "请问怎么退货", "好的", "谢谢 😊", "訂單DD260002000001到哪了？？",
             "qwertyuiop", "!!!"]
    expected = model.predict_proba(texts)
    for text, row in zip(texts, expected):
        assert scorer.probabilities(text) == pytest.approx(row, abs=1e-9), text
    assert scorer.classes == list(model.classes_)


def test_negative_needs_the_configured_probability():
    classes = ["negative", "neutral", "positive"]
    assert decide(classes, [0.6, 0.3, 0.1], 0.55) == {"label": "negative", "score": 0.6}
    # Most probable, but under the bar: the likelier of the other two, renormalised.
    assert decide(classes, [0.5, 0.3, 0.2], 0.55) == {"label": "neutral", "score": 0.6}
    assert decide(classes, [0.1, 0.2, 0.7], 0.55) == {"label": "positive", "score": pytest.approx(0.7778, abs=1e-4)}
