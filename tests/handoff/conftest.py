"""Desk tests: the real app on a temporary SQLite file and an embedded Redis, or with
``--servers`` on a new database of a PostgreSQL server and a redis-server (emptied
before every test)."""

import itertools
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from handoff.app import create_app
from handoff.core.settings import Settings
from scripts.servers import Postgres, RedisServer

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="session")
def servers(request):
    """PostgreSQL and redis-server for the whole session (``--servers``), else None."""
    if not request.config.getoption("--servers"):
        yield None
        return
    postgres, redis = Postgres(), RedisServer()
    try:
        yield postgres, redis, itertools.count(1)
    finally:
        postgres.remove()
        redis.remove()


@pytest.fixture
def stores(servers, tmp_path) -> dict:
    """The database and Redis of one test: new and empty either way."""
    if servers is None:
        return {"database_url": f"sqlite:///{tmp_path / 'desk.db'}", "redis_url": ""}
    postgres, redis, numbers = servers
    redis.ensure_running()
    redis.command("FLUSHALL")
    return {"database_url": postgres.create_database(f"test{next(numbers)}"), "redis_url": redis.url}


@pytest.fixture
def settings(tmp_path, stores) -> Settings:
    return Settings(
        env="development",
        **stores,
        embedded_redis_dir=tmp_path / "redis",
        service_token=TOKEN,
        # Nothing listens here: Rasa and the action server count as down.
        rasa_url="http://127.0.0.1:9",
        action_server_url="http://127.0.0.1:9",
        health_timeout_seconds=0.5,
        bot_timeout_seconds=1.0,
        business_hours="00:00-24:00",
        maintenance_seconds=0.2,
        seed_demo_reports=False,  # tests/handoff/reports/test_reports.py seeds them where it wants them
        training_dir=tmp_path / "training",
        uploads_dir=tmp_path / "uploads",
        initial_model=tmp_path / "no-model.tar.gz",  # no model version unless a test makes one
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


class Staff:
    """An agent's session on the test app (its own cookie, the app's client)."""

    def __init__(self, client: TestClient, username: str, password: str) -> None:
        self.client = client
        response = client.post("/api/agents/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        self.id = response.json()["id"]
        self.cookie = {"Cookie": f"desk_session={response.cookies['desk_session']}"}
        client.cookies.clear()

    def get(self, url: str, **kw):
        return self.client.get(url, headers=self.cookie, **kw)

    def post(self, url: str, json: dict | None = None):
        return self.client.post(url, json=json or {}, headers=self.cookie)

    def put(self, url: str, json: dict):
        return self.client.put(url, json=json, headers=self.cookie)

    def patch(self, url: str, json: dict):
        return self.client.patch(url, json=json, headers=self.cookie)

    def delete(self, url: str):
        return self.client.delete(url, headers=self.cookie)

    def presence(self, value: str) -> None:
        assert self.put("/api/agents/me/presence", {"presence": value}).status_code == 200


def handoff(client: TestClient, sender: str, reason: str = "requested", topic: str = "general",
            customer_id: str | None = None) -> dict:
    """What action_handoff does: ask the desk for a human."""
    response = client.post("/api/handoffs", json={"sender_id": sender, "reason": reason, "topic": topic,
                                                  "customer_id": customer_id, "note": "转人工"})
    assert response.status_code == 201, response.text
    return response.json()


class Customer:
    """A web chat customer: a conversation opened through the widget API."""

    def __init__(self, client: TestClient, customer_id: str | None = None, signature: str | None = None):
        response = client.post("/api/chat/conversations",
                               json={"customer_id": customer_id, "signature": signature})
        assert response.status_code == 201, response.text
        self.client, self.opened = client, response.json()
        self.id, self.token = self.opened["id"], self.opened["token"]
        self.headers = {"X-Chat-Token": self.token}

    @property
    def sender(self) -> str:
        return f"desk-{self.id}"

    def say(self, text: str, **extra):
        return self.client.post(f"/api/chat/conversations/{self.id}/messages",
                                json={"text": text, **extra}, headers=self.headers)

    def messages(self, after: int = 0) -> list[dict]:
        return self.client.get(f"/api/chat/conversations/{self.id}/messages?after={after}",
                               headers=self.headers).json()

    def status(self) -> dict:
        return self.client.get(f"/api/chat/conversations/{self.id}/status", headers=self.headers).json()
