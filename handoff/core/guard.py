"""What every HTTP request must pass before a route sees it (pure ASGI middleware).

- A body larger than ``max_body_bytes`` is refused with 413, whether it
  declares its length or streams it; a POST to an upload path (``uploads``,
  photos and files in chat) may be up to ``max_upload_bytes``.
- NUL and other control characters (except tab, newline, carriage return)
  are refused with 422 in the path, the query string and the strings of a
  JSON body: PostgreSQL cannot store NUL, and nobody types the others.
Both answer ``{"detail": "<中文>", "code": "..."}`` like every other error.
"""

import json
import re
from urllib.parse import unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _has_control(value: object) -> bool:
    if isinstance(value, str):
        return bool(CONTROL.search(value))
    if isinstance(value, dict):
        return any(_has_control(k) or _has_control(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_control(v) for v in value)
    return False


async def _refuse(send: Send, status: int, detail: str, code: str) -> None:
    body = json.dumps({"detail": detail, "code": code}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


UPLOADS = re.compile(r"^/api/(chat|console)/conversations/[^/]+/attachments$")


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int = 0,
                 uploads: re.Pattern = UPLOADS) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max(max_upload_bytes, max_body_bytes)
        self.uploads = uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        if CONTROL.search(scope.get("path", "")) or CONTROL.search(unquote(query)):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 4400})
            else:
                await _refuse(send, 422, "请求地址包含不允许的控制字符", "control_characters")
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"")
        upload = scope.get("method") == "POST" and self.uploads.match(scope.get("path", ""))
        limit = self.max_upload_bytes if upload else self.max_body_bytes
        too_large = f"{'文件' if upload else '请求内容'}太大：最多 {_size(limit)}"
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, 413, too_large, "too_large")
            return
        # Read the whole (bounded) body first, then hand it to the app in one piece.
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(send, 413, too_large, "too_large")
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        if body and b"json" in headers.get(b"content-type", b""):
            try:
                parsed = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                parsed = None  # the route's own validation answers (422, in Chinese)
            if _has_control(parsed):
                await _refuse(send, 422, "内容包含不允许的控制字符", "control_characters")
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
