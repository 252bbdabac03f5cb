"""The desk's client of the Rasa server(s).

It speaks aiohttp: a bot turn is one HTTP call, and aiohttp's client costs
the desk about a third of the CPU that httpx's does per call (bench/turns.py).

A conversation always goes to the same Rasa process: Rasa's lock store is not
safe across processes, so two processes answering one conversation at once
lose messages (see DESIGN.md). Every desk process ranks the Rasa processes the
same way for a sender id (rendezvous hashing) and uses the first one it can
connect to. When that one refuses connections (killed, restarting), the
message never reached it, so the conversation moves to the next in its own
ranking, the same for every desk process, and comes back when the first is
up again. The trackers are shared (bot/tracker_store.py, ``url``), so the
next process continues the dialogue where it was. A timeout or an error
answer is not retried: that process may have handled the message.
"""

import asyncio
import hashlib
import logging
import time
from urllib.parse import quote

import aiohttp

logger = logging.getLogger(__name__)


# How long a Rasa process that refused a connection is passed over.
DOWN_SECONDS = 5.0


def ranking(urls: list[str], sender_id: str) -> list[str]:
    """The Rasa processes in a conversation's order of preference, the same in every desk process."""
    return sorted(urls, reverse=True,
                  key=lambda url: (hashlib.blake2b(f"{sender_id}|{url}".encode(), digest_size=8).digest(), url))


def pick(urls: list[str], sender_id: str) -> str:
    """The Rasa process of a conversation while every process is up."""
    return ranking(urls, sender_id)[0]


class BotUnavailable(Exception):
    """Rasa did not answer in time, or answered with an error."""


class BotClient:
    def __init__(self, urls: list[str], timeout: float, token: str = "", service_token: str = "") -> None:
        if not urls:
            raise ValueError("no Rasa URL configured")
        self.urls = urls
        self.timeout = timeout
        # Rasa's --auth-token: its HTTP API (parse, trackers) refuses calls without it.
        self._auth = {"token": token} if token else {}
        # The desk's channel on Rasa (bot/desk_channel.py) takes the service token.
        self._service = {"Authorization": f"Bearer {service_token}"}
        self._http: aiohttp.ClientSession | None = None  # made in the event loop that uses it
        self._down_until: dict[str, float] = {}  # Rasa URL -> monotonic time it is tried again

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(
                total=self.timeout, connect=min(self.timeout, 2.0)))
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()

    def url_for(self, sender_id: str) -> str:
        """The process that answers this conversation now: the first of its ranking not known to be down."""
        return self._candidates(sender_id)[0]

    def _candidates(self, sender_id: str) -> list[str]:
        now = time.monotonic()
        ranked = ranking(self.urls, sender_id)
        up = [url for url in ranked if self._down_until.get(url, 0.0) <= now]
        return up + [url for url in ranked if url not in up]  # all down: try them anyway

    async def _conversation_call(self, sender_id: str, method: str, path: str, **kwargs) -> dict:
        """A call about one conversation, to its process; to the next one only if that process is down."""
        *first, last = self._candidates(sender_id)
        for url in first:
            try:
                return await self._call(method, url + path, **kwargs)
            except BotUnavailable as exc:
                if not await self._is_down(url, exc.__cause__):
                    raise
                self._down_until[url] = time.monotonic() + DOWN_SECONDS
                logger.warning("Rasa at %s is down; %s goes to the next process", url, sender_id)
        return await self._call(method, last + path, **kwargs)

    async def _is_down(self, url: str, error: BaseException | None) -> bool:
        """True when the process does not serve: what was sent never reached a live process. A kept-alive
        connection that broke (the process was just killed, or it closed the connection) is checked with
        a new request to Rasa's root, which answers at once when it is up."""
        if isinstance(error, aiohttp.ClientConnectorError):
            return True
        if not isinstance(error, (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
            return False  # a timeout or an error answer: it may have handled the message
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1.0),
                                             connector=aiohttp.TCPConnector(force_close=True)) as probe:
                async with probe.get(url + "/") as response:
                    return response.status >= 500
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return True

    async def _call(self, method: str, url: str, *, timeout: float | None = None, **kwargs) -> dict:
        """The JSON answer; BotUnavailable on an error status, a timeout or a broken connection."""
        if timeout is not None:
            kwargs["timeout"] = aiohttp.ClientTimeout(total=timeout, connect=5.0)
        try:
            async with self._session().request(method, url, **kwargs) as response:
                if response.status >= 400:  # (the message would show the URL, token included)
                    detail = ""
                    if "json" in response.headers.get("content-type", ""):
                        detail = (await response.json()).get("detail") or ""
                    raise BotUnavailable(detail or f"HTTP {response.status} from {method} {response.url.path}")
                return await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise BotUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def send(self, sender_id: str, text: str, metadata: dict) -> tuple[list[dict], dict]:
        """One turn, one call (bot/desk_channel.py): the bot's replies and what NLU understood."""
        answer = await self._conversation_call(
            sender_id, "POST", "/webhooks/desk/webhook",
            json={"sender": sender_id, "message": text, "metadata": metadata},
            headers=self._service,
        )
        return answer["replies"], answer["nlu"]

    async def parse(self, sender_id: str, text: str) -> dict:
        """NLU only: the conversation's dialogue is not touched."""
        return await self._conversation_call(sender_id, "POST", "/model/parse", json={"text": text},
                                             params=self._auth)

    async def tracker(self, sender_id: str) -> dict:
        """Slots and latest message, without the event history."""
        return await self._conversation_call(
            sender_id, "GET", f"/conversations/{quote(sender_id, safe='')}/tracker",
            params={"include_events": "NONE", **self._auth},
        )

    async def append_event(self, sender_id: str, event: dict) -> None:
        await self._conversation_call(
            sender_id, "POST", f"/conversations/{quote(sender_id, safe='')}/tracker/events",
            json=event, params={"include_events": "NONE", **self._auth},
        )

    async def loaded_model(self, url: str) -> str | None:
        """The model file one Rasa process is answering with (bot/model_swap.py)."""
        return (await self._call("GET", f"{url}/webhooks/model/")).get("model_file")

    async def load_model(self, url: str, model_file: str, token: str) -> dict:
        """Loads a model into one Rasa process while it keeps answering (bot/model_swap.py).

        Loading takes seconds (longer than a bot turn may): its own timeout.
        """
        return await self._call("POST", f"{url}/webhooks/model/swap", json={"model_file": model_file},
                                headers={"Authorization": f"Bearer {token}"}, timeout=300.0)

    async def pause(self, sender_id: str) -> None:
        """The bot stops answering this conversation (an agent holds it). A failure is
        logged, not raised: the desk does not forward an agent's conversation anyway."""
        await self._quietly(sender_id, {"event": "pause"})

    async def resume(self, sender_id: str) -> None:
        await self._quietly(sender_id, {"event": "resume"})

    async def _quietly(self, sender_id: str, event: dict) -> None:
        try:
            await self.append_event(sender_id, event)
        except BotUnavailable as exc:
            logger.warning("could not %s the bot for %s: %s", event["event"], sender_id, exc)


def nlu_summary(parse: dict | None) -> dict | None:
    """What the desk keeps of a parse result (tracker latest_message or /model/parse)."""
    if not parse or not parse.get("intent"):
        return None
    intent = parse.get("intent") or {}
    return {
        "intent": intent.get("name"),
        "confidence": round(float(intent.get("confidence") or 0.0), 4),
        "entities": [
            {"entity": e.get("entity"), "value": e.get("value")}
            for e in parse.get("entities") or []
        ],
        "sentiment": parse.get("sentiment"),
        # The FAQ answer chosen, when the intent is the FAQ ("faq/<key>").
        "faq": (((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {})
        .get("intent_response_key") if intent.get("name") == "faq" else None,
    }
