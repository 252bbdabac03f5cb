"""Putting a model version live in every Rasa process, and keeping it live.

Each Rasa process loads the model in a worker thread while it keeps
answering (bot/model_swap.py), so no customer message waits for the load or
fails; a message in flight is answered by the old model or the new one.
"""

import asyncio
import logging
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from handoff.agents.models import Agent
from handoff.conversations.bot import BotUnavailable
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.errors import Conflict, DeskError
from handoff.training import service
from handoff.training.models import ModelVersion

logger = logging.getLogger(__name__)
LOCK = "desk:model:activating"


class SwapFailed(DeskError):
    status_code = 502


def pointer_file(desk: Desk) -> Path:
    """The active model's path, read by scripts/run.py so that a restart starts it."""
    return desk.settings.training_dir / "ACTIVE_MODEL"


def _same(a: str | None, b: str) -> bool:
    return a is not None and Path(a).resolve() == Path(b).resolve()


async def load_everywhere(desk: Desk, path: str, previous: str | None) -> list[dict]:
    """Loads ``path`` into every Rasa process; on any failure puts ``previous`` back where it was loaded."""
    token = desk.settings.service_token
    urls = desk.bot.urls
    results = await asyncio.gather(*(desk.bot.load_model(u, path, token) for u in urls),
                                   return_exceptions=True)
    failed = [(u, r) for u, r in zip(urls, results) if isinstance(r, Exception)]
    if failed:
        if previous:
            loaded = [u for u, r in zip(urls, results) if not isinstance(r, Exception)]
            await asyncio.gather(*(desk.bot.load_model(u, previous, token) for u in loaded),
                                 return_exceptions=True)
        raise SwapFailed(f"模型加载失败（{failed[0][0]}）：{failed[0][1]}", "model_load_failed")
    return [r for r in results if isinstance(r, dict)]


async def activate(desk: Desk, *, version_id: int, actor: Agent, confirm: bool,
                   action: str = "activate") -> dict:
    """Makes a model version the live one (``action`` is "activate" or "rollback" for the log)."""
    if not desk.redis.set(LOCK, "1", nx=True, ex=600):
        raise Conflict("另一个模型正在启用中，请稍候", "activation_running")
    try:
        def check() -> tuple[ModelVersion, ModelVersion | None]:
            with desk.session() as db:
                version = service.get_version(db, version_id)
                active = service.active_version(db)
                if active is not None and active.id == version.id:
                    raise Conflict(f"{version.name} 已经是线上模型", "already_active")
                if not Path(version.path).is_file():
                    raise Conflict(f"{version.name} 的模型文件已不存在", "model_file_missing")
                reason = service.gate(version, active)
                if reason and not confirm:
                    raise Conflict(reason, "needs_confirmation")
                return version, active

        version, active = await run_in_threadpool(check)
        loaded = await load_everywhere(desk, version.path, active.path if active else None)

        def record() -> None:
            with desk.session() as db:
                service.mark_active(db, version=service.get_version(db, version_id), actor=actor,
                                    action=action, now=utcnow())
            pointer = pointer_file(desk)
            pointer.parent.mkdir(parents=True, exist_ok=True)
            pointer.write_text(version.path)

        await run_in_threadpool(record)
        return {"active": version.name, "load_seconds": max((r.get("seconds", 0) for r in loaded), default=0)}
    finally:
        desk.redis.delete(LOCK)


async def ensure_active(desk: Desk) -> None:
    """A Rasa process (re)started with another model gets the active one (maintenance loop)."""
    def active_path() -> str | None:
        with desk.session() as db:
            version = service.active_version(db)
            return version.path if version else None

    path = await run_in_threadpool(active_path)
    if not path or not Path(path).is_file() or desk.redis.exists(LOCK):
        return
    for url in desk.bot.urls:
        try:
            if not _same(await desk.bot.loaded_model(url), path):
                logger.info("loading the active model %s into %s", path, url)
                await desk.bot.load_model(url, path, desk.settings.service_token)
        except BotUnavailable as exc:
            logger.warning("could not check the model of %s: %s", url, exc)
