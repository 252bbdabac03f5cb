"""Loads another model into a running Rasa server without stopping it (hot swap).

Rasa's own ``PUT /model`` loads the new model on the server's event loop:
measured here, every message waits about 8 s while it loads, longer than the
desk waits for the bot, and the new agent gets a fresh in-memory tracker
store, so every conversation in progress forgets its state. This channel
(registered in credentials.yml, so it lives on Rasa's own server) loads the
model in a worker thread while the current one keeps answering, then
replaces the agent in one assignment, keeping the tracker store and the lock
store. A message in flight finishes on the agent it started with.

    GET  /webhooks/model/       the loaded model
    POST /webhooks/model/swap   {"model_file": "/path/model.tar.gz"}
                                Authorization: Bearer <DESK_SERVICE_TOKEN>
"""

import asyncio
import functools
import logging
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.service_auth import ServiceChannel

logger = logging.getLogger(__name__)


def _loaded(agent: Optional[Agent]) -> Optional[str]:
    processor = getattr(agent, "processor", None)
    return str(processor.model_path) if processor is not None else None


def load_like(old: Agent, model_file: str) -> Agent:
    """A new agent for ``model_file`` sharing the old one's stores and endpoints (blocking)."""
    store = getattr(old.tracker_store, "_tracker_store", old.tracker_store)
    return Agent.load(model_file, domain=old.domain, tracker_store=store, lock_store=old.lock_store,
                      action_endpoint=old.action_endpoint, model_server=old.model_server,
                      remote_storage=old.remote_storage, http_interpreter=old.http_interpreter)


class ModelSwapChannel(ServiceChannel):
    @classmethod
    def name(cls) -> Text:
        return "model"

    def __init__(self, token_env: str = "DESK_SERVICE_TOKEN") -> None:
        super().__init__(token_env)
        self._lock: Optional[asyncio.Lock] = None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("model_swap", __name__)

        @hook.route("/", methods=["GET"])
        async def status(request: Request) -> response.HTTPResponse:
            return response.json({"model_file": _loaded(request.app.ctx.agent)})

        @hook.route("/swap", methods=["POST"])
        async def swap(request: Request) -> response.HTTPResponse:
            if not self.authorised(request):
                return response.json({"detail": "令牌无效"}, status=401)
            model_file = (request.json or {}).get("model_file") if isinstance(request.json, dict) else None
            if not model_file or not Path(model_file).is_file():
                return response.json({"detail": f"模型文件不存在：{model_file}"}, status=400)
            if self._lock is None:
                self._lock = asyncio.Lock()
            async with self._lock:  # one swap at a time
                old = request.app.ctx.agent
                if _loaded(old) == str(Path(model_file)):
                    return response.json({"model_file": model_file, "seconds": 0.0, "changed": False})
                started = time.monotonic()
                try:
                    new = await asyncio.get_running_loop().run_in_executor(
                        None, functools.partial(load_like, old, model_file))
                except Exception as exc:  # the old model stays
                    logger.exception("loading %s failed", model_file)
                    return response.json({"detail": f"模型加载失败：{exc}"}, status=500)
                request.app.ctx.agent = new
                seconds = round(time.monotonic() - started, 2)
                logger.info("model %s loaded in %.1f s", model_file, seconds)
                return response.json({"model_file": model_file, "seconds": seconds, "changed": True})

        return hook
