"""Health: GET /healthz (the state of each part the desk depends on, for people and monitoring) and the
two probes an orchestrator uses (deploy/k8s): GET /livez (the process answers: restart it if not) and
GET /readyz (its own stores answer: send it traffic). Readiness leaves Rasa and the action server out on
purpose: without them the desk still stores every message and offers a human, so it stays in service.
"""

import asyncio

import httpx
from fastapi import APIRouter, Request

from handoff.core.deps import get_desk
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


def _check_database(request: Request) -> str:
    with request.app.state.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return "ok"


def _check_redis(request: Request) -> str:
    request.app.state.redis.ping()
    return "ok"


async def _check_http(url: str, timeout: float, params: dict | None = None) -> str:
    async with httpx.AsyncClient(timeout=timeout) as client:
        response = await client.get(url, params=params)
    if response.status_code >= 400:  # (httpx's own message would show the URL, token included)
        raise RuntimeError(f"HTTP {response.status_code}")
    return "ok"


async def _outcome(check) -> dict:
    try:
        return {"status": await check}
    except Exception as exc:  # any failure means the part is down
        return {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    settings = get_desk(request).settings
    t = settings.health_timeout_seconds
    rasa = settings.rasa_urls
    names = ["database", "redis"] + (["rasa"] if len(rasa) == 1 else [f"rasa_{i + 1}" for i in range(len(rasa))])
    names.append("action_server")
    results = await asyncio.gather(
        _outcome(asyncio.to_thread(_check_database, request)),
        _outcome(asyncio.to_thread(_check_redis, request)),
        *(_outcome(_check_http(f"{url}/status", t, {"token": settings.rasa_token})) for url in rasa),
        _outcome(_check_http(f"{settings.action_server_url}/health", t)),
    )
    parts = dict(zip(names, results))
    down = [name for name, r in parts.items() if r["status"] != "ok"]
    body = {"status": "ok" if not down else "down", "down": down, "parts": parts}
    return JSONResponse(body, status_code=503 if down else 200)


@router.get("/livez")
async def livez() -> dict:
    """The process and its event loop answer; nothing else is checked."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """The database and Redis answer: this replica can take traffic."""
    database, redis = await asyncio.gather(_outcome(asyncio.to_thread(_check_database, request)),
                                           _outcome(asyncio.to_thread(_check_redis, request)))
    parts = {"database": database, "redis": redis}
    down = [name for name, r in parts.items() if r["status"] != "ok"]
    return JSONResponse({"status": "ok" if not down else "down", "down": down, "parts": parts},
                        status_code=503 if down else 200)
