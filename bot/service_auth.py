"""The desk's service token on Rasa's own channels (model swap, the desk's turns)."""

import hmac
import os
from typing import Any, Dict, Optional

from rasa.core.channels.channel import InputChannel
from sanic.request import Request


def authorised(request: Request, token_env: str = "DESK_SERVICE_TOKEN") -> bool:
    """``Authorization: Bearer <the token in $token_env>``; False when the token is not configured."""
    expected = os.environ.get(token_env, "")
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    return bool(expected) and scheme.lower() == "bearer" and token.isascii() and hmac.compare_digest(
        token.encode(), expected.encode())


class ServiceChannel(InputChannel):
    """A channel on Rasa that only the desk calls: the service token named by ``token_env``
    (credentials.yml may name another variable)."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "ServiceChannel":
        return cls((credentials or {}).get("token_env", "DESK_SERVICE_TOKEN"))

    def __init__(self, token_env: str = "DESK_SERVICE_TOKEN") -> None:
        self.token_env = token_env

    def authorised(self, request: Request) -> bool:
        return authorised(request, self.token_env)
