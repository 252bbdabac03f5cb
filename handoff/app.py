"""The desk's FastAPI application. Start with: uvicorn --factory handoff.app:create_app"""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import sessionmaker

from handoff import health
from handoff.core.db import create_schema, make_engine
from handoff.core.errors import DeskError
from handoff.core.redis import connect_redis
from handoff.core.settings import Settings, get_settings
from handoff.queue import routes as queue_routes
from handoff.shop import routes as shop_routes
from handoff.shop.policy import load_policy
from handoff.shop.seed import seed_if_empty


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings: Settings = app.state.settings
    engine = make_engine(settings.database_url)
    create_schema(engine)
    app.state.engine = engine
    app.state.session_factory = sessionmaker(engine, expire_on_commit=False)
    app.state.policy = load_policy(settings.shop_policy_file)
    app.state.redis, embedded_redis = connect_redis(settings)
    if settings.seed_demo_data:
        with app.state.session_factory() as db:
            seed_if_empty(db)
    try:
        yield
    finally:
        app.state.redis.close()
        if embedded_redis is not None:
            embedded_redis.stop()
        engine.dispose()


async def _desk_error(_request: Request, exc: DeskError) -> JSONResponse:
    return JSONResponse({"detail": exc.message, "code": exc.code}, status_code=exc.status_code)


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="客服工作台 Desk API",
        description="Web chat, handoff queue, agent console and shop data for the Rasa bot.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings or get_settings()
    app.add_exception_handler(DeskError, _desk_error)
    app.include_router(health.router)
    app.include_router(shop_routes.router)
    app.include_router(queue_routes.router)
    return app
