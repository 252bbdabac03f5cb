"""Sending the one-time code: a small interface and its providers.

- ``log`` (development): the code goes to the desk log and to the demo page's
  simulated phone (GET /api/demo/sms), clearly marked as such. Refused in
  production (handoff/core/settings.py).
- ``http``: POST {"phone", "text", "code"} as JSON to ``DESK_SMS_URL`` with
  ``Authorization: Bearer DESK_SMS_TOKEN``: a shop points it at its SMS
  gateway or at a small adapter for its provider's API.
- ``none``: no SMS; customers verify with an order number.
"""

import json
import logging
import time
from typing import Protocol

import httpx
from redis import Redis

from handoff.core.settings import Settings
from handoff.core.privacy import mask_phone as mask

logger = logging.getLogger(__name__)

OUTBOX_KEY = "desk:dev-sms"  # the log provider's last messages, for the demo page
OUTBOX_SIZE = 20


class SmsUnavailable(Exception):
    """The provider did not accept the message."""


class SmsSender(Protocol):
    def send(self, phone: str, text: str, code: str) -> None: ...


class LogSms:
    """Development: the "SMS" is a log line and an entry in the demo page's simulated phone."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def send(self, phone: str, text: str, code: str) -> None:
        logger.warning("[开发模式·模拟短信] 发往 %s：%s", mask(phone), text)
        entry = json.dumps({"phone": mask(phone), "text": text, "code": code, "at": int(time.time())},
                           ensure_ascii=False)
        with self.redis.pipeline() as pipe:
            pipe.lpush(OUTBOX_KEY, entry)
            pipe.ltrim(OUTBOX_KEY, 0, OUTBOX_SIZE - 1)
            pipe.expire(OUTBOX_KEY, 3600)
            pipe.execute()


class HttpSms:
    """A shop's SMS gateway behind one HTTP call."""

    def __init__(self, url: str, token: str, timeout: float = 5.0) -> None:
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, phone: str, text: str, code: str) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = httpx.post(self.url, json={"phone": phone, "text": text, "code": code},
                                  headers=headers, timeout=self.timeout)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            logger.warning("SMS gateway refused a verification code for %s: %s", mask(phone), type(exc).__name__)
            raise SmsUnavailable(str(exc)) from exc


def sender(settings: Settings, redis: Redis) -> SmsSender | None:
    """The configured provider; None when SMS is off."""
    if settings.sms_provider == "log":
        return LogSms(redis)
    if settings.sms_provider == "http":
        return HttpSms(settings.sms_url, settings.sms_token)
    return None


def dev_outbox(redis: Redis) -> list[dict]:
    """What the log provider "sent", newest first."""
    return [json.loads(entry) for entry in redis.lrange(OUTBOX_KEY, 0, OUTBOX_SIZE - 1)]
