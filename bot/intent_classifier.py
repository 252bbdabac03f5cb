"""Intents and FAQ answers from one linear model over n-grams and sentence embeddings.

A Rasa graph component (an intent classifier) that replaces DIET and the
ResponseSelector. One multinomial logistic regression learns every intent
and every FAQ answer (``faq/<key>``) as its own class, from

- character 1–3-grams of the normalised text (typos, words jieba splits oddly),
- the jieba words of the tokenizer (bot/tokenizer.py),
- the multilingual-e5-small sentence embedding that
  bot/sentence_embeddings.py put on the message (the same request in other
  words), weighted by ``embedding_weight``.

Why not DIET: on this project's data and its held-out test set, this model
understood more messages (see docs/measurements.md, `make eval-nlu` prints
both), and it trains in well under a minute instead of several, which is
what lets an admin retrain the bot without waiting.

The parse looks exactly as Rasa's own components make it: ``intent`` and
``intent_ranking`` (the FAQ answers summed into the one intent ``faq``), and,
for ``faq``, a ``response_selector`` entry with the chosen answer and its
confidence given that the message is an FAQ question; the FAQ rule
(`action_answer_faq`) and the FAQ gate (bot/faq_gate.py) read it there.
"""

from __future__ import annotations

import logging
import pickle
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.linear import softmax, tfidf_row
from bot.normalize import normalize_text
from bot.sentence_embeddings import EMBEDDING_DIM, sentence_features

logger = logging.getLogger(__name__)

MODEL_FILE = "intent_model.pkl"
RANKING_LENGTH = 10


def given_tokens(tokens: List[str]) -> List[str]:
    """The tokenizer's words, as they are (module level, so the vectorizer pickles)."""
    return tokens


def words_of(message: Message) -> List[str]:
    return [t.text for t in message.get(TOKENS_NAMES[TEXT]) or []]


def label_of(message: Message) -> str:
    return message.get(INTENT_RESPONSE_KEY) or message.get(INTENT)


class LinearModel:
    """The fitted vectorizers and the logistic regression's weights, scored one message at a time."""

    def __init__(self, chars, words, coef: np.ndarray, intercept: np.ndarray, classes: List[str],
                 embedding_weight: float) -> None:
        self.chars, self.words = chars, words
        self.classes = classes
        self.intercept = intercept
        self.embedding_weight = embedding_weight
        n_chars, n_words = len(chars.vocabulary_), len(words.vocabulary_)
        self.char_coef = np.ascontiguousarray(coef[:, :n_chars])
        self.word_coef = np.ascontiguousarray(coef[:, n_chars:n_chars + n_words])
        self.dense_coef = np.ascontiguousarray(coef[:, n_chars + n_words:])
        self._char_analyzer = chars.build_analyzer()
        self._word_analyzer = words.build_analyzer()

    @classmethod
    def fit(cls, texts: List[str], words: List[List[str]], dense: np.ndarray, labels: List[str],
            c: float, embedding_weight: float) -> "LinearModel":
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), preprocessor=normalize_text,
                                lowercase=False, sublinear_tf=True)
        word_vectorizer = TfidfVectorizer(analyzer=given_tokens, sublinear_tf=True)
        features = hstack([chars.fit_transform(texts), word_vectorizer.fit_transform(words),
                           csr_matrix(dense * embedding_weight)]).tocsr()
        regression = LogisticRegression(C=c, max_iter=5000).fit(features, labels)
        return cls(chars, word_vectorizer, regression.coef_, regression.intercept_, list(regression.classes_),
                   embedding_weight)

    def probabilities(self, text: str, words: List[str], dense: Optional[np.ndarray]) -> np.ndarray:
        logits = self.intercept.copy()
        for analyzer, vectorizer, coef, document in (
                (self._char_analyzer, self.chars, self.char_coef, text),
                (self._word_analyzer, self.words, self.word_coef, words)):
            row = tfidf_row(analyzer, vectorizer.vocabulary_, vectorizer.idf_, document)
            if row is not None:
                logits += coef[:, row[0]] @ row[1]
        if dense is not None:
            logits += self.dense_coef @ (dense * self.embedding_weight)
        return softmax(logits)

    def __getstate__(self) -> Dict[str, Any]:
        state = dict(self.__dict__)
        del state["_char_analyzer"], state["_word_analyzer"]  # closures; rebuilt on load
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._char_analyzer = self.chars.build_analyzer()
        self._word_analyzer = self.words.build_analyzer()


def parse_result(classes: List[str], probabilities: np.ndarray) -> Tuple[Dict, List[Dict], Optional[Dict]]:
    """Intent, intent ranking and the FAQ answer (or None) from the per-class probabilities.

    The classes ``faq/<key>`` add up to the intent ``faq``; the FAQ answer's
    confidence is its share of that sum.
    """
    by_intent: Dict[str, float] = {}
    answers: List[Tuple[str, float]] = []
    for label, p in zip(classes, probabilities):
        intent = label.split("/")[0]
        by_intent[intent] = by_intent.get(intent, 0.0) + float(p)
        if "/" in label:
            answers.append((label, float(p)))
    ranking = [{"name": name, "confidence": round(p, 6)}
               for name, p in sorted(by_intent.items(), key=lambda kv: -kv[1])[:RANKING_LENGTH]]
    faq = None
    if ranking[0]["name"] == "faq" and answers:
        answers.sort(key=lambda kv: -kv[1])
        total = sum(p for _, p in answers) or 1.0
        faq = {"ranking": [{"intent_response_key": key, "confidence": round(p / total, 6)}
                           for key, p in answers[:RANKING_LENGTH]]}
    return dict(ranking[0]), ranking, faq


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Inverse regularisation of the logistic regression.
            "c": 20.0,
            # How much the sentence embedding counts against the n-grams.
            "embedding_weight": 1.5,
            # The retrieval intent whose answers are classes of their own.
            "retrieval_intent": "faq",
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[LinearModel] = None, responses: Optional[Dict[str, List[Dict]]] = None,
                 ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage, self._resource = model_storage, resource
        self._model = model
        self._responses = responses or {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        if len({label_of(m) for m in examples}) < 2:
            raise ValueError("the intent classifier needs examples of at least two intents")
        dense = np.vstack([self._dense(m) for m in examples])
        self._model = LinearModel.fit([m.get(TEXT) for m in examples], [words_of(m) for m in examples],
                                      dense, [label_of(m) for m in examples], self._config["c"],
                                      self._config["embedding_weight"])
        prefix = self._config["retrieval_intent"] + "/"
        # The FAQ answers' texts travel with the parse, as the ResponseSelector's do.
        self._responses = {key: value for key, value in training_data.responses.items()
                           if key.startswith("utter_" + prefix)}
        with self._model_storage.write_to(self._resource) as directory:
            (directory / MODEL_FILE).write_bytes(pickle.dumps((self._model, self._responses)))
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LinearIntentClassifier":
        with model_storage.read_from(resource) as directory:
            model, responses = pickle.loads((directory / MODEL_FILE).read_bytes())  # our own model archive
        return cls(config, model_storage, resource, model, responses)

    @staticmethod
    def _dense(message: Message) -> np.ndarray:
        vector = sentence_features(message)
        return np.zeros(EMBEDDING_DIM, dtype=np.float32) if vector is None else vector

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        retrieval_intent = self._config["retrieval_intent"]
        for message in messages:
            text = message.get(TEXT)
            if not text or not text.strip():  # nothing to understand: the fallback asks what they need
                fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
                message.set(INTENT, fallback, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [dict(fallback)], add_to_output=True)
                continue
            probabilities = self._model.probabilities(text, words_of(message), sentence_features(message))
            intent, ranking, faq = parse_result(self._model.classes, probabilities)
            if faq is not None:
                key = faq["ranking"][0]["intent_response_key"]
                intent["full_retrieval_intent_name"] = key
                faq["response"] = {
                    "intent_response_key": key,
                    "confidence": faq["ranking"][0]["confidence"],
                    "utter_action": f"utter_{key}",
                    "responses": self._responses.get(f"utter_{key}", []),
                }
                selector = message.get("response_selector") or {}
                selector.update({"all_retrieval_intents": [retrieval_intent], retrieval_intent: faq})
                message.set("response_selector", selector, add_to_output=True)
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
