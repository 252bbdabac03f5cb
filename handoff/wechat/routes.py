"""The webhook of each official account: GET /wechat/<app_id> (URL check), POST (messages).

Thin: checks, then one call. Errors are plain text (WeChat shows nothing of
them; they are for whoever configures the account).
"""

import logging

from fastapi import APIRouter, Query, Request, Response

from handoff.core.settings import WechatAccount
from handoff.wechat import inbound, protocol

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/wechat", tags=["wechat"])


def _plain(text: str, status: int) -> Response:
    return Response(text, status_code=status, media_type="text/plain; charset=utf-8")


def _account(request: Request, app_id: str) -> WechatAccount | None:
    return request.app.state.settings.wechat_account(app_id)


@router.get("/{app_id}")
def verify(request: Request, app_id: str, signature: str = "", timestamp: str = "", nonce: str = "",
           echostr: str = Query("", max_length=128)):
    """WeChat checks the server URL: echo ``echostr`` only when the signature is the account's."""
    account = _account(request, app_id)
    if account is None:
        return _plain("未知的公众号", 404)
    if not protocol.signature_ok((account.token, timestamp, nonce), signature):
        return _plain("签名错误", 403)
    return _plain(echostr, 200)


async def _body(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it is longer than ``limit`` (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


@router.post("/{app_id}")
async def receive(request: Request, app_id: str):
    account = _account(request, app_id)
    if account is None:
        return _plain("未知的公众号", 404)
    desk = request.app.state.desk
    body = await _body(request, desk.settings.wechat_max_body_bytes)
    if body is None:
        return _plain("消息过大", 413)
    params = dict(request.query_params)
    try:
        message = protocol.unwrap(account, body, params)
    except protocol.BadSignature:
        return _plain("签名错误", 403)
    except protocol.WrongAppId:
        logger.warning("WeChat message for another AppID on %s's webhook", app_id)
        return _plain("AppID 不符", 403)
    except protocol.BadRequest as exc:
        logger.warning("bad WeChat request on %s: %s", app_id, exc)
        return _plain("消息格式错误", 400)
    return await inbound.receive(desk, account, message, params.get("encrypt_type") == "aes")
