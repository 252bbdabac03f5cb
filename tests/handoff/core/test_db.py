"""The schema on start: new tables created, new nullable columns added to a database made by an
older release (until migrations, issue 17), anything else refused."""

import re

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, inspect, text
from sqlalchemy.schema import CreateTable

from handoff.core.db import Base, add_missing_columns, create_schema


def test_a_database_from_before_attachments_gets_the_new_column_and_keeps_its_messages(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    messages = Base.metadata.tables["messages"]
    create_schema(engine)
    with engine.begin() as conn:  # as the previous release made it: messages without attachment_id
        ddl = str(CreateTable(messages).compile(engine))
        conn.execute(text("DROP TABLE messages"))
        old = "\n".join(line for line in ddl.splitlines() if "attachment_id" not in line)
        conn.execute(text(re.sub(r",\s*\)\s*$", "\n)", old.strip())))
        conn.execute(text("INSERT INTO conversations (id, token_hash, rasa_sender_id, channel, state, priority, "
                          "handoff_note, sla_breached, tags, last_seq, created_at, last_activity_at) VALUES "
                          "('c_old', '', 'desk-c_old', 'web', 'bot', 0, '', 0, '[]', 1, '2026-01-01', '2026-01-01')"))
        conn.execute(text("INSERT INTO messages (conversation_id, seq, role, text, buttons, created_at) "
                          "VALUES ('c_old', 1, 'customer', '你好', '[]', '2026-01-01')"))
    assert "attachment_id" not in {c["name"] for c in inspect(engine).get_columns("messages")}
    assert add_missing_columns(engine) == ["messages.attachment_id"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT text, attachment_id FROM messages")).all() == [("你好", None)]
    assert add_missing_columns(engine) == []  # once


def test_a_missing_column_that_cannot_be_null_is_refused(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    metadata = MetaData()
    Table("agents", metadata, Column("id", Integer, primary_key=True), Column("junk", String(4)))
    metadata.create_all(engine)
    assert "agents" in Base.metadata.tables
    with pytest.raises(RuntimeError, match="agents.username"):
        add_missing_columns(engine)
