"""WeChat's server API as the desk uses it: the access token, customer-service messages (text and
images) and temporary media (a follower's photo downloaded, an agent's uploaded).

The access token is cached in Redis, so every desk process shares one: one
process fetches it (under a short Redis lock) and stores it until
``margin`` seconds before it expires, so it is refreshed before WeChat
refuses it. A token WeChat calls invalid (40001, 40014, 42001) is dropped
and fetched again once.
"""

import asyncio
import json
import logging
import secrets

import httpx
from redis import Redis

from handoff.core.redis import release
from handoff.core.settings import WechatAccount

logger = logging.getLogger(__name__)

TOKEN_INVALID = {40001, 40014, 42001}
SYSTEM_BUSY = -1
# The user has not written for 48 hours, or unfollowed: customer-service
# messages are refused until they write again.
OUTSIDE_WINDOW = {45015, 45047, 43004}


class WechatError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code, self.message = code, message

    @property
    def outside_window(self) -> bool:
        return self.code in OUTSIDE_WINDOW


class WechatApi:
    def __init__(self, base_url: str, redis: Redis, margin_seconds: int = 300, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.redis = redis
        self.margin = margin_seconds
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=2.0))

    async def aclose(self) -> None:
        await self._http.aclose()

    @staticmethod
    def _key(account: WechatAccount) -> str:
        return f"wechat:token:{account.app_id}"

    async def access_token(self, account: WechatAccount) -> str:
        key = self._key(account)
        for _ in range(50):
            token = self.redis.get(key)
            if token:
                return token.decode() if isinstance(token, bytes) else token
            lock, mine = f"{key}:lock", secrets.token_hex(8)
            if self.redis.set(lock, mine, nx=True, px=10_000):
                try:
                    return await self._fetch(account)
                finally:
                    release(self.redis, lock, mine)
            await asyncio.sleep(0.1)  # another process is fetching it
        raise WechatError(SYSTEM_BUSY, "timed out waiting for the access token")

    async def _fetch(self, account: WechatAccount) -> str:
        body = await self._get("/cgi-bin/token", {"grant_type": "client_credential", "appid": account.app_id,
                                                  "secret": account.app_secret})
        token, expires_in = body.get("access_token"), int(body.get("expires_in") or 7200)
        if not token:
            raise WechatError(int(body.get("errcode", SYSTEM_BUSY)), str(body.get("errmsg", "no access_token")))
        self.redis.set(self._key(account), token, ex=max(expires_in - self.margin, 1))
        logger.info("fetched a WeChat access token for %s (expires in %s s)", account.app_id, expires_in)
        return token

    def _drop(self, account: WechatAccount, token: str) -> None:
        release(self.redis, self._key(account), token)

    async def _get(self, path: str, params: dict) -> dict:
        try:
            response = await self._http.get(self.base_url + path, params=params)
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise WechatError(SYSTEM_BUSY, f"{type(exc).__name__}: {exc}") from exc

    async def download_media(self, account: WechatAccount, media_id: str, max_bytes: int) -> bytes:
        """A temporary media file (a follower's photo): its bytes, at most ``max_bytes`` + 1 read (the
        caller refuses larger ones). WeChat answers an error as JSON instead of the file."""
        for attempt in range(2):
            token = await self.access_token(account)
            try:
                async with self._http.stream("GET", self.base_url + "/cgi-bin/media/get",
                                             params={"access_token": token, "media_id": media_id}) as response:
                    kind = response.headers.get("content-type", "")
                    if response.status_code != 200 or "json" in kind or kind.startswith("text/"):
                        body = json.loads(await response.aread() or b"{}")
                        code = int(body.get("errcode", SYSTEM_BUSY))
                        if code in TOKEN_INVALID and attempt == 0:
                            self._drop(account, token)
                            continue
                        raise WechatError(code, str(body.get("errmsg", f"HTTP {response.status_code}")))
                    data = bytearray()
                    async for chunk in response.aiter_bytes():
                        data += chunk
                        if len(data) > max_bytes:
                            break
                    return bytes(data)
            except (httpx.HTTPError, ValueError) as exc:
                raise WechatError(SYSTEM_BUSY, f"{type(exc).__name__}: {exc}") from exc
        raise WechatError(SYSTEM_BUSY, "no answer")

    async def send_image(self, account: WechatAccount, openid: str, image: bytes, filename: str) -> None:
        """A photo as a customer-service message: uploaded as temporary media, then sent by its media_id."""
        for attempt in range(2):
            token = await self.access_token(account)
            try:
                response = await self._http.post(self.base_url + "/cgi-bin/media/upload",
                                                 params={"access_token": token, "type": "image"},
                                                 files={"media": (filename, image)})
                body = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise WechatError(SYSTEM_BUSY, f"{type(exc).__name__}: {exc}") from exc
            code = int(body.get("errcode", 0))
            if code in TOKEN_INVALID and attempt == 0:
                self._drop(account, token)
                continue
            if code or not body.get("media_id"):
                raise WechatError(code or SYSTEM_BUSY, str(body.get("errmsg", "no media_id")))
            await self.call(account, "/cgi-bin/message/custom/send",
                            {"touser": openid, "msgtype": "image", "image": {"media_id": body["media_id"]}})
            return
        raise WechatError(SYSTEM_BUSY, "no answer")

    async def call(self, account: WechatAccount, path: str, payload: dict) -> dict:
        """POST to an API that takes the access token; retries a stale token once and a busy system twice."""
        data = json.dumps(payload, ensure_ascii=False).encode()  # WeChat wants UTF-8, not \\u escapes
        stale_retried = False
        for attempt in range(3):
            token = await self.access_token(account)
            try:
                response = await self._http.post(self.base_url + path, params={"access_token": token}, content=data,
                                                 headers={"Content-Type": "application/json; charset=utf-8"})
                body = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                body = {"errcode": SYSTEM_BUSY, "errmsg": f"{type(exc).__name__}: {exc}"}
            code = int(body.get("errcode", 0))
            if code == 0:
                return body
            if code in TOKEN_INVALID and not stale_retried:
                self._drop(account, token)
                stale_retried = True
                continue
            if code == SYSTEM_BUSY and attempt < 2:
                await asyncio.sleep(0.5 * (attempt + 1))
                continue
            raise WechatError(code, str(body.get("errmsg", "")))
        raise WechatError(SYSTEM_BUSY, "no answer")

    async def send_text(self, account: WechatAccount, openid: str, content: str) -> None:
        """A customer-service message (客服消息)."""
        await self.call(account, "/cgi-bin/message/custom/send",
                        {"touser": openid, "msgtype": "text", "text": {"content": content}})
