"""A local stand-in for WeChat's servers, speaking their protocol both ways.

- As WeChat's API (what the desk calls; its base URL is the desk's
  ``wechat_api_base``): ``GET /cgi-bin/token`` and ``POST
  /cgi-bin/message/custom/send`` with WeChat's error codes: 40013 wrong
  AppID, 40125 wrong secret, 41001 no token, 40001 a token that is not the
  latest (WeChat keeps the previous one valid for 5 minutes), 42001 expired,
  40003 unknown OpenID, 45015 outside the 48-hour window since the user last
  wrote, 45002 content over 2048 bytes, 47001 bad JSON; temporary media:
  ``GET /cgi-bin/media/get`` (the file, or 40007 as JSON for an unknown
  media_id) and ``POST /cgi-bin/media/upload?type=image`` (multipart field
  ``media``, JPEG/PNG/GIF up to 10 MB, else 40005/40009); an image
  customer-service message needs a media_id it issued.
- As WeChat pushing a user's message to the developer's server
  (:meth:`WechatStandin.push`): XML built like WeChat's, signed with the
  current timestamp, encrypted with wechatpy's crypto when the account has an
  EncodingAESKey (安全模式; in 兼容模式 the plaintext fields travel beside
  ``<Encrypt>``), plaintext otherwise or when asked (明文模式), retried after
  5 seconds up to 3 times; the passive reply is decrypted and checked like
  WeChat would.

Used by the tests and the benchmark; runs in a thread of their process.
"""

import itertools
import json
from email.parser import BytesParser
from email.policy import HTTP
import secrets
import threading
import time
from dataclasses import dataclass, field

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from handoff.core.settings import WechatAccount
from handoff.wechat.protocol import safe_fields

WINDOW_SECONDS = 48 * 3600


def new_account(app_id: str = "wxd0000000000demo", name: str = "测试公众号", *, safe_mode: bool = True,
                compatible_mode: bool = False) -> WechatAccount:
    """An account with fresh secrets; with an EncodingAESKey unless ``safe_mode`` is False (明文模式 only)."""
    key = secrets.token_urlsafe(40).replace("-", "a").replace("_", "b")[:43] if safe_mode else ""
    return WechatAccount(app_id=app_id, app_secret=secrets.token_hex(16), token=secrets.token_hex(8),
                         encoding_aes_key=key, name=name, compatible_mode=compatible_mode)


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def cdata(value: str) -> str:
    return f"<![CDATA[{value}]]>"


def message_xml(openid: str, msg_type: str, fields: dict[str, str | int], create_time: int | None = None,
                msg_id: int | None = None, to: str = "gh_standin00001") -> str:
    """A user's message or event as WeChat's servers write it."""
    parts = [f"<ToUserName>{cdata(to)}</ToUserName>", f"<FromUserName>{cdata(openid)}</FromUserName>",
             f"<CreateTime>{create_time or int(time.time())}</CreateTime>", f"<MsgType>{cdata(msg_type)}</MsgType>"]
    for name, value in fields.items():
        parts.append(f"<{name}>{value if isinstance(value, int) else cdata(value)}</{name}>")
    if msg_id is not None:
        parts.append(f"<MsgId>{msg_id}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


@dataclass
class Pushed:
    """What the developer's server answered to one pushed message."""

    status: int
    body: str
    content: str | None  # the passive reply's text, decrypted; None for "success" or an error
    seconds: float  # from the first POST to the answer that counted
    attempts: int


@dataclass
class Standin:
    accounts: dict[str, WechatAccount]
    token_ttl: int = 7200
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token -> (app_id, expires at)
    latest: dict[str, str] = field(default_factory=dict)  # app_id -> newest token
    token_fetches: int = 0
    sent: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    last_interaction: dict[tuple[str, str], float] = field(default_factory=dict)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # media_id -> (bytes, content type)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/cgi-bin/token")
        def token(grant_type: str = "", appid: str = "", secret: str = ""):
            account = self.accounts.get(appid)
            if grant_type != "client_credential":
                return {"errcode": 40002, "errmsg": "invalid grant_type"}
            if account is None:
                return {"errcode": 40013, "errmsg": "invalid appid"}
            if secret != account.app_secret:
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            with self.lock:
                now = time.time()
                previous = self.latest.get(appid)
                if previous in self.tokens:  # still valid for 5 minutes, as on WeChat
                    self.tokens[previous] = (appid, min(self.tokens[previous][1], now + 300))
                value = secrets.token_urlsafe(48)
                self.tokens[value] = (appid, now + self.token_ttl)
                self.latest[appid] = value
                self.token_fetches += 1
            return {"access_token": value, "expires_in": self.token_ttl}

        @app.post("/cgi-bin/message/custom/send")
        async def custom_send(request: Request, access_token: str = ""):
            raw = await request.body()
            result = self._custom_send(access_token, raw)
            (self.refused if result["errcode"] else self.sent).append(
                {"body": raw.decode("utf-8", "replace"), **result, "at": time.time()})
            return result

        @app.get("/cgi-bin/media/get")
        def media_get(access_token: str = "", media_id: str = ""):
            refused = self._token_error(access_token)
            if refused:
                return refused
            if media_id not in self.media:
                return {"errcode": 40007, "errmsg": "invalid media_id"}
            data, content_type = self.media[media_id]
            return Response(data, media_type=content_type,
                            headers={"Content-Disposition": f'attachment; filename="{media_id}.jpg"'})

        @app.post("/cgi-bin/media/upload")
        async def media_upload(request: Request, access_token: str = "", type: str = ""):
            refused = self._token_error(access_token)
            if refused:
                return refused
            if type != "image":
                return {"errcode": 40004, "errmsg": "invalid media type"}
            head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
            parts = BytesParser(policy=HTTP).parsebytes(head + await request.body())
            files = [p for p in parts.iter_parts() if p.get_param("name", header="content-disposition") == "media"]
            data = files[0].get_payload(decode=True) if files else b""
            if not data:
                return {"errcode": 41005, "errmsg": "media data missing"}
            if len(data) > 10 * 1024 * 1024:
                return {"errcode": 40009, "errmsg": "invalid image size"}
            if not (data.startswith(b"\xff\xd8") or data.startswith(b"\x89PNG") or data.startswith(b"GIF8")):
                return {"errcode": 40005, "errmsg": "invalid file type"}
            return {"type": "image", "media_id": self.add_media(data, "image/jpeg"), "created_at": int(time.time())}

        return app

    def add_media(self, data: bytes, content_type: str = "image/jpeg") -> str:
        """A temporary media file, as WeChat keeps a user's photo (or one the desk uploaded)."""
        media_id = secrets.token_urlsafe(32)
        with self.lock:
            self.media[media_id] = (data, content_type)
        return media_id

    def _token_error(self, access_token: str) -> dict | None:
        if not access_token:
            return {"errcode": 41001, "errmsg": "access_token missing"}
        with self.lock:
            app_id, expires = self.tokens.get(access_token, (None, 0.0))
        if app_id is None:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if time.time() > expires:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        return None

    def _custom_send(self, access_token: str, raw: bytes) -> dict:
        refused = self._token_error(access_token)
        if refused:
            return refused
        with self.lock:
            app_id = self.tokens[access_token][0]
        try:
            body = json.loads(raw.decode("utf-8"))
            openid = body["touser"]
            if body.get("msgtype") == "image":
                media_id, content = body["image"]["media_id"], ""
                if media_id not in self.media:
                    return {"errcode": 40007, "errmsg": "invalid media_id"}
            else:
                media_id, content = None, body["text"]["content"]
        except (ValueError, KeyError, TypeError):
            return {"errcode": 47001, "errmsg": "data format error"}
        last = self.last_interaction.get((app_id, openid))
        if last is None:
            return {"errcode": 40003, "errmsg": "invalid openid"}
        if time.time() - last > WINDOW_SECONDS:
            return {"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"}
        if len(content.encode()) > 2048:
            return {"errcode": 45002, "errmsg": "content size out of limit"}
        return {"errcode": 0, "errmsg": "ok", "app_id": app_id, "touser": openid, "content": content,
                "media_id": media_id}

    def messages_to(self, openid: str) -> list[str]:
        """The texts sent to a user (images are in :meth:`images_to`)."""
        return [s["content"] for s in self.sent if s["touser"] == openid and not s["media_id"]]

    def images_to(self, openid: str) -> list[bytes]:
        return [self.media[s["media_id"]][0] for s in self.sent if s["touser"] == openid and s["media_id"]]

    def revoke_tokens(self) -> None:
        """As if someone fetched a new token elsewhere long ago: every cached token is now refused."""
        with self.lock:
            self.tokens.clear()

    def interacted(self, app_id: str, openid: str, at: float | None = None) -> None:
        self.last_interaction[(app_id, openid)] = time.time() if at is None else at

    def push(self, desk: httpx.Client, account: WechatAccount, xml: str, encrypted: bool | None = None,
             retries: int = 3) -> Pushed:
        """POST a user's message to the desk's webhook as WeChat does, retrying when no answer comes in time.

        ``desk`` is an HTTP client whose base URL is the desk (a TestClient works too); WeChat's
        patience is its timeout (5 s, see :func:`desk_client`). ``encrypted``: by default as
        WeChat does for this account (encrypted when it has an EncodingAESKey); False sends
        plaintext, as WeChat in 明文模式."""
        if encrypted is None:
            encrypted = bool(account.encoding_aes_key)
        fields = safe_fields(xml)
        self.interacted(account.app_id, fields["FromUserName"])
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        params = {"signature": sign(account.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                  "openid": fields["FromUserName"]}
        body = xml
        crypto = WeChatCrypto(account.token, account.encoding_aes_key, account.app_id) if encrypted else None
        if encrypted:
            envelope = safe_fields(crypto.encrypt_message(xml, nonce, timestamp))
            params |= {"encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
            body = (f"<xml><ToUserName>{cdata(fields['ToUserName'])}</ToUserName>"
                    f"<Encrypt>{cdata(envelope['Encrypt'])}</Encrypt></xml>")
            if account.compatible_mode:  # 兼容模式: the plaintext message with the ciphertext added
                body = xml.removesuffix("</xml>") + f"<Encrypt>{cdata(envelope['Encrypt'])}</Encrypt></xml>"
        started = time.perf_counter()
        for attempt in itertools.count(1):
            try:
                response = desk.post(f"/wechat/{account.app_id}", params=params, content=body.encode(),
                                     headers={"Content-Type": "text/xml"})
                break
            except httpx.TimeoutException:
                if attempt > retries:
                    raise
        seconds = time.perf_counter() - started
        text = response.text
        content = None
        if response.status_code == 200 and text not in ("", "success"):
            reply = safe_fields(text)
            if encrypted:
                reply = safe_fields(crypto.decrypt_message(text, reply["MsgSignature"], reply["TimeStamp"],
                                                           reply["Nonce"]))
            assert reply["ToUserName"] == fields["FromUserName"] and reply["MsgType"] == "text", reply
            content = reply["Content"]
        return Pushed(response.status_code, text, content, seconds, attempt)


def desk_client(desk_url: str) -> httpx.Client:
    """The desk as WeChat's servers reach it: they wait 5 seconds for an answer."""
    return httpx.Client(base_url=desk_url, timeout=httpx.Timeout(5.0, connect=2.0))


class WechatStandin:
    """The stand-in served by uvicorn in a thread of this process."""

    def __init__(self, accounts: list[WechatAccount], port: int) -> None:
        self.state = Standin({a.app_id: a for a in accounts})
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(self.state.app(), host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "WechatStandin":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the WeChat stand-in did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def desk_env(self) -> dict[str, str]:
        """The desk's settings that point it at this stand-in."""
        accounts = [a.model_dump() for a in self.state.accounts.values()]
        return {"DESK_WECHAT_ACCOUNTS": json.dumps(accounts), "DESK_WECHAT_API_BASE": self.url}
