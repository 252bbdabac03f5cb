"""The desk's service token on Rasa's own channels (model swap, the desk's turns)."""

import hmac
import os

from sanic.request import Request


def authorised(request: Request, token_env: str = "DESK_SERVICE_TOKEN") -> bool:
    """``Authorization: Bearer <the token in $token_env>``; False when the token is not configured."""
    expected = os.environ.get(token_env, "")
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    return bool(expected) and scheme.lower() == "bearer" and token.isascii() and hmac.compare_digest(
        token.encode(), expected.encode())
