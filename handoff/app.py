"""The desk's FastAPI application. Start with: uvicorn --factory handoff.app:create_app"""

import asyncio
import contextlib
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import sessionmaker

from handoff import health, scheduled
from handoff.agents import routes as agent_routes
from handoff.agents.service import ensure_seed_agents
from handoff.attachments import routes as attachment_routes
from handoff.audit import routes as audit_routes
from handoff.console import routes as console_routes
from handoff.console import ws as console_ws
from handoff.conversations import routes as chat_routes
from handoff.conversations import ws as chat_ws
from handoff.conversations.bot import BotClient
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core import migrate
from handoff.core.db import make_engine
from handoff.core import privacy
from handoff.core.errors import DeskError, describe_validation_error
from handoff.core.guard import RequestGuard
from handoff.core.limits import TooManyRequests
from handoff.core.realtime import Hub
from handoff.core.redis import connect_async_redis, connect_redis
from handoff.core.settings import Settings, get_settings
from handoff.history import routes as history_routes
from handoff.identity import routes as identity_routes
from handoff.inbox import routes as inbox_routes
from handoff.knowledge import routes as knowledge_routes
from handoff.knowledge import seed as knowledge_seed
from handoff.knowledge import service as knowledge
from handoff.queue import routes as queue_routes
from handoff.queue import service as queue
from handoff.reports import routes as report_routes
from handoff.reports.demo import seed_demo_reports, start_of_today
from handoff.shop import routes as shop_routes
from handoff.shop.catalog import load_catalog
from handoff.shop import rules as shop_rules
from handoff.shop.seed import seed_if_empty
from handoff.supervision import routes as supervision_routes
from handoff.survey import routes as survey_routes
from handoff.tickets import routes as ticket_routes
from handoff.training import routes as training_routes
from handoff.training import runner as training_runner
from handoff.training import service as training
from handoff.web import routes as web_routes
from handoff.wechat import outbox as wechat_outbox
from handoff.wechat import routes as wechat_routes
from handoff.wechat.api import WechatApi

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings: Settings = app.state.settings
    privacy.install("uvicorn", "uvicorn.access", "uvicorn.error")
    engine = make_engine(settings.database_url)
    with migrate.exclusive(engine):  # desk replicas starting together: one at a time
        migrate.upgrade(engine)  # before anything else reads SQL; refuses a database newer than this code
    app.state.engine = engine
    app.state.session_factory = sessionmaker(engine, expire_on_commit=False)
    app.state.catalog = load_catalog(settings.shop_catalog_file)
    app.state.redis, embedded_redis = connect_redis(settings)
    hub = Hub(connect_async_redis(settings, embedded_redis))
    with app.state.session_factory() as db:
        policy, policy_version = shop_rules.current(db, settings.shop_policy_file)
    desk = Desk(settings=settings, session_factory=app.state.session_factory, redis=app.state.redis,
                policy=policy, policy_version=policy_version, catalog=app.state.catalog,
                bot=BotClient(settings.rasa_urls, settings.bot_timeout_seconds, settings.rasa_token,
                              settings.service_token), hub=hub)
    if settings.wechat_accounts:
        desk.wechat = WechatApi(settings.wechat_api_base, desk.redis)
    app.state.desk = desk
    with migrate.exclusive(engine), desk.session() as db:  # one replica seeds an empty database
        if settings.seed_demo_data:
            seed_if_empty(db)
        ensure_seed_agents(db, settings.admin_username, settings.admin_password,
                           settings.seed_demo_agents, settings.default_capacity, utcnow())
        if settings.seed_demo_data and settings.seed_demo_reports:
            seed_demo_reports(db, start_of_today(settings.timezone))
        queue.reconcile(desk, db)  # Redis may have restarted, or been emptied
        knowledge_seed.seed_if_empty(db, settings.seed_data_dir, utcnow())
        training.ensure_initial_version(db, model_path=settings.initial_model,
                                        revision=knowledge.revision(db), now=utcnow())
    await hub.start()
    await training_runner.recover(desk)
    loops = [asyncio.create_task(scheduled.run(desk), name="maintenance")]
    if desk.wechat is not None:
        loops.append(asyncio.create_task(wechat_outbox.run(desk), name="wechat-outbox"))
    try:
        yield
    finally:
        for loop in loops:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        await training_runner.stop_watching()
        await hub.stop()
        await desk.bot.aclose()
        if desk.wechat is not None:
            await desk.wechat.aclose()
        app.state.redis.close()
        if embedded_redis is not None:
            embedded_redis.stop()
        engine.dispose()


async def _desk_error(_request: Request, exc: DeskError) -> JSONResponse:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
    return JSONResponse({"detail": exc.message, "code": exc.code}, status_code=exc.status_code,
                        headers=headers)


# Starlette's and FastAPI's own errors (unknown path, wrong method, unparsable
# body...) in the same {detail, code} form as ours, in Chinese.
HTTP_ERRORS = {400: ("请求无法解析，请检查请求内容", "bad_request"), 401: ("请先登录", "not_logged_in"),
               403: ("没有权限", "forbidden"), 404: ("请求的地址不存在", "not_found"),
               405: ("不支持该请求方法", "method_not_allowed"), 413: ("请求内容太大", "too_large"),
               415: ("不支持的内容类型", "unsupported_media_type"), 429: ("请求太频繁，请稍后再试", "too_many_requests")}


async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail, code = HTTP_ERRORS.get(exc.status_code, ("请求失败", "error"))
    if isinstance(exc.detail, str) and not exc.detail.isascii():  # already Chinese (ours)
        detail = exc.detail
    return JSONResponse({"detail": detail, "code": code}, status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """PostgreSQL or Redis is unreachable (restarting, failing over). The request's transaction was not
    committed, so nothing of it is half-written; the pool reconnects by itself once the server is back."""
    logger.warning("%s %s: %s is unavailable (%s)", request.method, request.url.path,
                   "Redis" if isinstance(exc, RedisConnectionError) else "the database", type(exc).__name__)
    return JSONResponse({"detail": "系统正在恢复，请稍后再试，您的操作尚未生效", "code": "unavailable"},
                        status_code=503, headers={"Retry-After": "5"})


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    detail = "；".join(dict.fromkeys(describe_validation_error(e) for e in errors))
    return JSONResponse({"detail": detail, "code": "invalid", "errors": jsonable(errors)},
                        status_code=422)


def jsonable(errors: list[dict]) -> list[dict]:
    return [{"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": str(e.get("msg"))} for e in errors]


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="客服工作台 Desk API",
        description="Web chat, handoff queue, agent console and shop data for the Rasa bot. "
                    "WebSocket protocols: docs/desk-api.md.",
        version="0.2.0",
        lifespan=lifespan,
    )
    app.state.settings = settings = settings or get_settings()
    refusal = settings.refusal()
    if refusal:
        raise SystemExit(refusal)
    app.add_exception_handler(DeskError, _desk_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for unavailable in (OperationalError, InterfaceError, RedisConnectionError):
        app.add_exception_handler(unavailable, _store_unavailable)
    # The widget runs on the shop's own pages: allow its origins for the chat API.
    app.add_middleware(CORSMiddleware, allow_origins=settings.widget_origin_list,
                       allow_methods=["GET", "POST"], allow_headers=["Content-Type", "X-Chat-Token", "X-File-Name", "X-Client-Id"])
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes,
                       max_upload_bytes=settings.max_upload_bytes)
    if settings.trusted_proxy_list:  # the client's address and https, as the proxy saw them
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    for router in (health.router, shop_routes.router, queue_routes.router, agent_routes.router,
                   chat_routes.router, attachment_routes.chat, chat_ws.router, console_routes.router,
                   attachment_routes.console_router, supervision_routes.router, ticket_routes.chat,
                   ticket_routes.console, console_routes.pages,
                   console_ws.router, history_routes.router, survey_routes.router, report_routes.router, report_routes.pages,
                   web_routes.router, web_routes.demo, wechat_routes.router, knowledge_routes.router,
                   knowledge_routes.live, training_routes.router, audit_routes.router, shop_routes.admin,
                   inbox_routes.router, inbox_routes.flags, identity_routes.router, identity_routes.demo):
        app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=console_routes.STATIC, check_dir=False),
              name="console-static")
    app.mount("/reports/static", StaticFiles(directory=report_routes.STATIC, check_dir=False),
              name="reports-static")
    return app
