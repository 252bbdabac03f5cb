"""The action server's answers checked with a validator built once.

Rasa 3.6 checks every answer of the action server with
``jsonschema.validate(answer, schema)``, which first checks the schema itself
against the JSON Schema metaschema: 14 ms of CPU per action call on the
project's machine, against 0.4 ms for the same check with a validator built
once (a third of Rasa's CPU per turn in a profile of the desk's web chat:
docs/measurements.md). ``install()`` replaces that method by one that
validates against the same schema and raises the same error;
``bot/serve.py`` installs it before Rasa starts.
"""

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _validator():
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the validator built once."""
    error: ValidationError | None = best_match(_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the "
        f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
