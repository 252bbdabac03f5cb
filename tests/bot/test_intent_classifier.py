"""The intent classifier: trains on tokens, n-grams and sentence embeddings, persists, loads, parses like Rasa."""

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.intent_classifier import LinearIntentClassifier, LinearModel, parse_result, words_of
from bot.sentence_embeddings import SentenceEmbeddingFeaturizer, sentence_features
from bot.tokenizer import ChineseTokenizer

CONTEXT = ExecutionContext(GraphSchema({}), "test")
EXAMPLES = {
    "track_order": ["我的快递到哪了", "物流怎么一直不动", "包裹发货了没有", "帮我查下单子到哪了", "快递还在路上吗"],
    "request_return": ["我要退货", "这个鞋小了想退掉", "衣服不合适 申请退款", "东西不想要了帮我退了", "拍错了要退"],
    "greet": ["你好", "在吗", "亲 在不在", "哈喽", "有人吗"],
    "faq/invoice": ["能开发票吗", "怎么开电子发票", "发票在哪里申请", "可以开票吗", "我要开个发票"],
    "faq/payment_methods": ["能用花呗吗", "支持微信支付吗", "可以信用卡付款吗", "都支持什么付款方式", "能用支付宝吗"],
}


def prepared(texts_and_labels, storage):
    """Messages as the pipeline prepares them: tokenized and with the sentence embedding."""
    messages = []
    for label, texts in texts_and_labels.items():
        for text in texts:
            data = {"text": text, "intent": label.split("/")[0]}
            if "/" in label:
                data["intent_response_key"] = label
            messages.append(Message(data=data))
    tokenizer = ChineseTokenizer.create({**ChineseTokenizer.get_default_config(), "dictionary_path": "bot/jieba_dict"},
                                        storage, Resource("tokenizer"), CONTEXT)
    featurizer = SentenceEmbeddingFeaturizer.create(
        SentenceEmbeddingFeaturizer.get_default_config(), storage, Resource("e5"), CONTEXT)
    training = TrainingData(messages, responses={
        "utter_faq/invoice": [{"text": "签收后可以在订单页面申请电子发票。"}],
        "utter_faq/payment_methods": [{"text": "支持微信支付、支付宝和银行卡。"}],
    })
    tokenizer.process_training_data(training)
    featurizer.process_training_data(training)
    return training, tokenizer, featurizer


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    training, tokenizer, featurizer = prepared(EXAMPLES, storage)
    resource = Resource("intents")
    config = LinearIntentClassifier.get_default_config()
    LinearIntentClassifier.create(config, storage, resource, CONTEXT).train(training)
    classifier = LinearIntentClassifier.load(config, storage, resource, CONTEXT)

    def parse(text):
        message = Message(data={"text": text})
        tokenizer.process([message])
        featurizer.process([message])
        classifier.process([message])
        return message.as_dict(only_output_properties=True)

    return training, parse


def test_the_loaded_model_understands_new_wordings(trained):
    _, parse = trained
    assert parse("我买的东西到哪里了")["intent"]["name"] == "track_order"
    assert parse("鞋子穿着小 退了吧")["intent"]["name"] == "request_return"
    ranking = parse("亲 在吗")["intent_ranking"]
    assert ranking[0]["name"] == "greet" and sum(r["confidence"] for r in ranking) == pytest.approx(1, abs=1e-3)


def test_an_faq_question_gets_the_answer_the_way_the_response_selector_gives_it(trained):
    _, parse = trained
    result = parse("请问开票怎么弄")
    assert result["intent"]["name"] == "faq"
    assert result["intent"]["full_retrieval_intent_name"] == "faq/invoice"
    answer = result["response_selector"]["faq"]["response"]
    assert answer["utter_action"] == "utter_faq/invoice"
    assert answer["responses"] == [{"text": "签收后可以在订单页面申请电子发票。"}]
    assert 0.5 < answer["confidence"] <= 1


def test_the_fast_scores_are_sklearns_probabilities(trained):
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    training, _ = trained
    examples = training.intent_examples
    labels = [m.get("intent_response_key") or m.get("intent") for m in examples]
    dense = np.vstack([sentence_features(m) for m in examples])
    texts, words = [m.get("text") for m in examples], [words_of(m) for m in examples]
    model = LinearModel.fit(texts, words, dense, labels, c=20, embedding_weight=1.5)
    features = hstack([model.chars.transform(texts), model.words.transform(words), csr_matrix(dense * 1.5)])
    expected = LogisticRegression(C=20, max_iter=5000).fit(features, labels).predict_proba(features)
    for i in range(len(texts)):
        assert model.probabilities(texts[i], words[i], dense[i]) == pytest.approx(expected[i], abs=1e-6)


def test_faq_answers_add_up_to_the_faq_intent():
    classes = ["faq/a", "faq/b", "greet", "track_order"]
    intent, ranking, faq = parse_result(classes, np.array([0.3, 0.2, 0.1, 0.4]))
    assert intent == {"name": "faq", "confidence": 0.5}
    assert [r["name"] for r in ranking] == ["faq", "track_order", "greet"]
    assert faq["ranking"][0] == {"intent_response_key": "faq/a", "confidence": 0.6}
    intent, _, faq = parse_result(classes, np.array([0.1, 0.1, 0.1, 0.7]))
    assert intent["name"] == "track_order" and faq is None


def test_a_blank_message_is_the_fallback_intent(trained):
    _, parse = trained
    assert parse("   ")["intent"] == {"name": "nlu_fallback", "confidence": 1.0}
