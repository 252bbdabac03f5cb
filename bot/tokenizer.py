"""Jieba tokenizer that tokenises the normalised text (see bot.normalize).

Token offsets still index the original message, because normalisation keeps
the length; token texts are the normalised words, so "訂單", "订单" and "ＯＫ"
give the features one form each.
"""

from typing import List, Text

import jieba
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.normalize import normalize_text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class ChineseTokenizer(JiebaTokenizer):
    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = normalize_text(message.get(attribute) or "")
        tokens = [Token(word, start) for word, start, _end in jieba.tokenize(text) if word.strip()]
        return self._apply_token_pattern(tokens)
