"""Service-to-service authentication for the APIs the action server calls."""

import hmac

from fastapi import Depends, Header

from handoff.core.context import Desk
from handoff.core.deps import get_desk
from handoff.core.errors import Unauthorized


def require_service_token(
    authorization: str = Header(default=""),
    desk: Desk = Depends(get_desk),
) -> None:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.encode(), desk.settings.service_token.encode()
    ):
        raise Unauthorized("服务令牌无效", "bad_service_token")
