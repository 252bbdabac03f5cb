"""The desk's HTTP API as the actions see it.

Configured by actions/settings.py (DESK_URL, DESK_SERVICE_TOKEN, DESK_TIMEOUT_SECONDS). Every call has a short timeout:
a slow desk must give the customer an apology, not silence.
"""

import time
from typing import Any

import aiohttp

from actions.settings import settings


class DeskUnavailable(Exception):
    """The desk did not answer, or answered with a server error."""


class DeskRejected(Exception):
    """The desk refused the request (404, 409, 400...). ``message`` is Chinese."""

    def __init__(self, status: int, message: str, code: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class DeskClient:
    def __init__(self, base_url: str, token: str, timeout: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            async with aiohttp.ClientSession(timeout=self.timeout, headers=self.headers) as http:
                async with http.request(method, self.base_url + path, **kwargs) as response:
                    body = await response.json(content_type=None)
                    if response.status >= 500:
                        raise DeskUnavailable(f"{method} {path}: {response.status}")
                    if response.status >= 400:
                        detail = body.get("detail") if isinstance(body, dict) else None
                        if not isinstance(detail, str):
                            detail = "请求无效"
                        raise DeskRejected(response.status, detail, body.get("code", ""))
                    return body
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise DeskUnavailable(f"{method} {path}: {exc!r}") from exc

    # --- shop ---------------------------------------------------------------

    async def customer(self, customer_id: str) -> dict:
        return await self._call("GET", f"/api/shop/customers/{customer_id}")

    # --- verifying an anonymous customer -----------------------------------

    async def send_code(self, sender_id: str, phone: str) -> dict:
        """Text a one-time code to the phone, if a customer uses it: {"phone": masked, "expires_in"}."""
        return await self._call("POST", "/api/identity/codes", json={"sender_id": sender_id, "phone": phone})

    async def verify(self, sender_id: str, **proof: str) -> dict:
        """The conversation's customer ({"id", "name", "tier"}) by ``code``, or ``order_id`` + ``phone_last4``."""
        return await self._call("POST", "/api/identity/verify", json={"sender_id": sender_id, **proof})

    async def orders(self, customer_id: str, open_only: bool = False, limit: int = 10) -> list:
        params = {"open": str(open_only).lower(), "limit": limit}
        return await self._call("GET", f"/api/shop/customers/{customer_id}/orders", params=params)

    async def order(self, customer_id: str, order_id: str) -> dict:
        return await self._call("GET", f"/api/shop/customers/{customer_id}/orders/{order_id}")

    async def return_eligibility(self, customer_id: str, order_id: str, reason: str | None) -> dict:
        params = {"reason": reason} if reason else None
        path = f"/api/shop/customers/{customer_id}/orders/{order_id}/return-eligibility"
        return await self._call("GET", path, params=params)

    async def create_return(self, customer_id: str, order_id: str, reason: str) -> dict:
        body = {"order_id": order_id, "reason": reason}
        return await self._call("POST", f"/api/shop/customers/{customer_id}/returns", json=body)

    async def returns(self, customer_id: str, order_id: str | None = None) -> list:
        params = {"order_id": order_id} if order_id else None
        return await self._call("GET", f"/api/shop/customers/{customer_id}/returns", params=params)

    async def points(self, customer_id: str) -> dict:
        return await self._call("GET", f"/api/shop/customers/{customer_id}/points")

    async def delivery_estimate(self, region: str | None) -> dict:
        params = {"region": region} if region else None
        return await self._call("GET", "/api/shop/delivery-estimate", params=params)

    async def policy(self) -> dict:
        """The shop's rules."""
        return await self._cached("/api/shop/policy")

    async def catalog(self) -> dict:
        """Products and current promotions."""
        return await self._cached("/api/shop/catalog")

    async def faq_answer(self, key: str) -> dict:
        """The current text (and buttons) of an FAQ answer: not cached, admins' edits show at once."""
        return await self._call("GET", f"/api/shop/faq/{key}")

    async def _cached(self, path: str) -> dict:
        """Shop data that changes rarely, kept for a minute: an admin's change shows within it."""
        key = self.base_url + path
        cached = _cache.get(key)
        if cached and time.monotonic() - cached[0] < CACHE_TTL_SECONDS:
            return cached[1]
        body = await self._call("GET", path)
        _cache[key] = (time.monotonic(), body)
        return body

    # --- handoff ------------------------------------------------------------

    async def request_handoff(self, **body: Any) -> dict:
        return await self._call("POST", "/api/handoffs", json=body)


CACHE_TTL_SECONDS = 60
_cache: dict[str, tuple[float, dict]] = {}


def desk() -> DeskClient:
    config = settings()
    return DeskClient(config.desk_url, config.service_token, config.desk_timeout_seconds)
