"""The action server's answers are checked as strictly as Rasa checks them, with a validator built once."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot import action_validation

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "customer_id", "value": "C004", "timestamp": None},
                {"event": "active_loop", "name": None}],
     "responses": [{"text": "您的订单已发货", "buttons": [{"title": "查物流", "payload": "/track_order"}]}]},
    {"events": [{"event": "followup", "name": "action_listen"}]},
]
INVALID = [
    {"events": [{"event": "slot", "value": "C004"}]},  # a slot event without its name
    {"events": [{"name": "customer_id"}]},  # no event type
    {"events": "not a list"},
    {"responses": [["not an object"]]},
]


def rasas_verdict(result) -> bool:
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
        return True
    except jsonschema.ValidationError:
        return False


@pytest.mark.parametrize("result", VALID)
def test_a_valid_answer_passes_as_with_rasa(result):
    assert rasas_verdict(result)
    assert action_validation.validate_action_result(None, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_an_invalid_answer_is_refused_as_with_rasa_and_says_why(result):
    assert not rasas_verdict(result)
    with pytest.raises(jsonschema.ValidationError) as refused:
        action_validation.validate_action_result(None, result)
    assert "Failed to validate Action server response" in refused.value.message


def test_install_replaces_rasas_check(monkeypatch):
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    action_validation.install()
    action = RemoteAction("action_track_order", None)
    assert action._validate_action_result(VALID[1]) is True
    with pytest.raises(jsonschema.ValidationError):
        action._validate_action_result(INVALID[0])
