"""Service-to-service authentication for the APIs the action server calls."""

import hmac

from fastapi import Depends, Header

from handoff.core.deps import get_app_settings
from handoff.core.errors import Unauthorized
from handoff.core.settings import Settings


def require_service_token(
    authorization: str = Header(default=""),
    settings: Settings = Depends(get_app_settings),
) -> None:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.encode(), settings.service_token.encode()
    ):
        raise Unauthorized("服务令牌无效", "bad_service_token")
