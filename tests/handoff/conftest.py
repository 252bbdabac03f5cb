"""Desk tests: the real app on a temporary SQLite file and an embedded Redis."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from handoff.app import create_app
from handoff.core.settings import Settings

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'desk.db'}",
        redis_url="",
        embedded_redis_dir=tmp_path / "redis",
        service_token=TOKEN,
        # Nothing listens here: Rasa and the action server count as down.
        rasa_url="http://127.0.0.1:9",
        action_server_url="http://127.0.0.1:9",
        health_timeout_seconds=0.5,
    )


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings), headers=AUTH) as c:
        yield c


@pytest.fixture
def db(client):
    """A session on the same database the app uses."""
    with client.app.state.session_factory() as session:
        yield session


def days(n: float) -> timedelta:
    return timedelta(days=n)
