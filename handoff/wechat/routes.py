"""The webhook of each official account: GET /wechat/<app_id> (URL check), POST (messages).

Thin: checks, then one call. Errors are the desk's usual {"detail", "code"}
(WeChat shows nothing of them; they are for whoever configures the account);
the URL check echoes ``echostr`` as plain text, as WeChat requires.
"""

import logging

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from handoff.core.deps import get_desk
from handoff.core.settings import WechatAccount
from handoff.wechat import inbound, protocol

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/wechat", tags=["wechat"])


def _refuse(detail: str, code: str, status: int) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code}, status_code=status)


def _plain(text: str, status: int) -> Response:
    return Response(text, status_code=status, media_type="text/plain; charset=utf-8")


def _account(request: Request, app_id: str) -> WechatAccount | None:
    return get_desk(request).settings.wechat_account(app_id)


@router.get("/{app_id}")
def verify(request: Request, app_id: str, signature: str = "", timestamp: str = "", nonce: str = "",
           echostr: str = Query("", max_length=128)):
    """WeChat checks the server URL: echo ``echostr`` only when the signature is the account's
    and the timestamp is within ``wechat_max_clock_skew_seconds`` of the desk's clock."""
    account = _account(request, app_id)
    if account is None:
        return _refuse("未知的公众号", "unknown_account", 404)
    if not protocol.signature_ok((account.token, timestamp, nonce), signature):
        return _refuse("签名错误", "bad_signature", 403)
    try:
        skew = get_desk(request).settings.wechat_max_clock_skew_seconds
        protocol.check_timestamp(timestamp, max_skew_seconds=skew)
    except protocol.StaleTimestamp as exc:
        return _stale(app_id, exc)
    return _plain(echostr, 200)


def _stale(app_id: str, exc: protocol.StaleTimestamp) -> Response:
    logger.warning("WeChat request on %s refused: timestamp %s", app_id, exc)
    return _refuse("时间戳无效或与服务器时间相差过大", "bad_timestamp", 403)


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
        return _refuse("未知的公众号", "unknown_account", 404)
    desk = get_desk(request)
    body = await _body(request, desk.settings.wechat_max_body_bytes)
    if body is None:
        return _refuse("消息过大", "too_large", 413)
    params = dict(request.query_params)
    try:
        message = protocol.unwrap(account, body, params,
                                  max_skew_seconds=desk.settings.wechat_max_clock_skew_seconds)
    except protocol.BadSignature:
        return _refuse("签名错误", "bad_signature", 403)
    except protocol.StaleTimestamp as exc:
        return _stale(app_id, exc)
    except protocol.EncryptionRequired:
        logger.warning("plaintext WeChat message on %s refused: the account has an EncodingAESKey "
                       "(switch it to 安全模式, or set compatible_mode while migrating)", app_id)
        return _refuse("该公众号要求加密消息", "encryption_required", 403)
    except protocol.WrongAppId:
        logger.warning("WeChat message for another AppID on %s's webhook", app_id)
        return _refuse("AppID 不符", "wrong_app_id", 403)
    except protocol.BadRequest as exc:
        logger.warning("bad WeChat request on %s: %s", app_id, exc)
        return _refuse("消息格式错误", "bad_message", 400)
    return await inbound.receive(desk, account, message, params.get("encrypt_type") == "aes")
