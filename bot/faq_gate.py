"""No FAQ answer unless the answer is clear: an unsure retrieval goes to the fallback flow.

The ResponseSelector always picks one of the FAQ answers, however unsure it
is. A customer who asks which size to buy and gets the shipping-time answer
has been misunderstood with confidence; being asked to rephrase (and then
offered a human) is better. This component, after the ResponseSelector,
turns a `faq` intent into `nlu_fallback` when the selected answer's
confidence is below ``threshold`` or hardly above the runner-up's
(``ambiguity_threshold``), the way Rasa's FallbackClassifier treats intents.
The retrieval result stays in the parse, for the desk and the reports.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

logger = logging.getLogger(__name__)


def faq_confidence(message: Message, retrieval_intent: str) -> tuple[float, float]:
    """The selected FAQ answer's confidence and the margin over the second answer."""
    selector = (message.get("response_selector") or {}).get(retrieval_intent) or {}
    ranking = selector.get("ranking") or []
    best = float((selector.get("response") or {}).get("confidence") or 0.0)
    second = float(ranking[1].get("confidence") or 0.0) if len(ranking) > 1 else 0.0
    return best, best - second


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FaqConfidenceGate(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"retrieval_intent": "faq", "threshold": 0.5, "ambiguity_threshold": 0.1}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = {**self.get_default_config(), **config}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "FaqConfidenceGate":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        retrieval_intent = self._config["retrieval_intent"]
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get("name") != retrieval_intent:
                continue
            confidence, margin = faq_confidence(message, retrieval_intent)
            if confidence >= self._config["threshold"] and margin >= self._config["ambiguity_threshold"]:
                continue
            logger.debug("FAQ answer confidence %.2f (margin %.2f): fallback instead", confidence, margin)
            fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": round(confidence, 4)}
            message.data[INTENT] = fallback
            message.data.setdefault(INTENT_RANKING_KEY, []).insert(0, dict(fallback))
        return messages
