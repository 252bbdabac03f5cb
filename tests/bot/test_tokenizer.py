from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.tokenizer import ChineseTokenizer


def make_tokenizer(tmp_path):
    config = {**ChineseTokenizer.get_default_config(), "dictionary_path": "bot/jieba_dict"}
    return ChineseTokenizer.create(
        config, LocalModelStorage(tmp_path), Resource("tokenizer"), ExecutionContext(None)
    )


def test_tokens_are_normalised_but_point_into_the_original_text(tmp_path):
    tokenizer = make_tokenizer(tmp_path)
    text = "我要轉人工，訂單ＤＤ２６０００１０００００１"
    tokens = tokenizer.tokenize(Message(data={TEXT: text}), TEXT)
    words = [t.text for t in tokens]
    assert "转人工" in words  # from the shop dictionary, after simplification
    assert "dd260001000001" in words
    for token in tokens:
        assert len(text[token.start:token.end]) == len(token.text)


def test_blank_and_emoji_messages_tokenise_without_error(tmp_path):
    tokenizer = make_tokenizer(tmp_path)
    assert tokenizer.tokenize(Message(data={TEXT: "   "}), TEXT) == []
    assert [t.text for t in tokenizer.tokenize(Message(data={TEXT: "😡😡"}), TEXT)] == ["😡", "😡"]
