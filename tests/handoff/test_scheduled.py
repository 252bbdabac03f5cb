"""Scheduled work (handoff/scheduled.py): what one tick does, and that the app's loop runs it."""

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from handoff import scheduled
from handoff.agents.models import Agent
from handoff.conversations.models import Conversation
from handoff.core.clock import utcnow
from handoff.queue import service as queue
from handoff.shop import rules as shop_rules
from handoff.app import create_app
from tests.handoff.conftest import AUTH, Customer, handoff


@pytest.fixture
def quiet_client(settings):
    """The app with its loop asleep for an hour: only the test ticks."""
    with TestClient(create_app(settings.model_copy(update={"maintenance_seconds": 3600})), headers=AUTH) as c:
        yield c


def test_a_tick_reloads_the_rules_rebuilds_the_queue_and_flags_late_conversations(quiet_client):
    client = quiet_client
    db = client.app.state.session_factory()
    desk = client.app.state.desk
    customer = Customer(client)
    handoff(client, customer.sender)
    conv = db.get(Conversation, customer.id)
    conv.sla_due_at = utcnow() - timedelta(minutes=1)
    db.commit()
    desk.redis.delete(queue.queue_key(conv.group))  # Redis lost the queue
    # Another desk process saves the rules.
    policy, version = shop_rules.current(db, desk.settings.shop_policy_file)
    admin = db.query(Agent).filter_by(username="admin").one()
    saved = shop_rules.save(db, rules=policy, expected_version=version, policy_file=desk.settings.shop_policy_file,
                            actor=admin, now=utcnow())
    desk.policy_version = version  # as if this process had not seen it yet

    scheduled._in_sql(desk, reconcile=False)  # not every tick rebuilds the queue
    assert desk.policy_version == saved
    assert desk.redis.zscore(queue.queue_key(conv.group), conv.id) is None
    db.expire_all()
    assert db.get(Conversation, customer.id).sla_breached is True

    scheduled._in_sql(desk, reconcile=True)
    assert desk.redis.zscore(queue.queue_key(conv.group), conv.id) is not None
    desk.redis.flushall()  # Redis restarted empty: the next tick rebuilds the queue, not one ~30 s later
    scheduled._in_sql(desk, reconcile=False)
    assert desk.redis.zscore(queue.queue_key(conv.group), conv.id) is not None
    db.close()


def test_the_apps_loop_runs_the_ticks(client, db):
    customer = Customer(client)
    handoff(client, customer.sender)
    conv = db.get(Conversation, customer.id)
    conv.sla_due_at = utcnow() - timedelta(minutes=1)
    db.commit()
    deadline = time.monotonic() + 10  # the tests' ticks are 0.2 s apart
    while time.monotonic() < deadline:
        db.expire_all()
        if db.get(Conversation, customer.id).sla_breached:
            break
        time.sleep(0.1)
    assert db.get(Conversation, customer.id).sla_breached is True
