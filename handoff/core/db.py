"""SQLAlchemy 2 engine and sessions."""

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def create_schema(engine: Engine) -> None:
    # Import every domain's models so that their tables are registered.
    from handoff.agents import models as _agents  # noqa: F401
    from handoff.attachments import models as _attachments  # noqa: F401
    from handoff.audit import models as _audit  # noqa: F401
    from handoff.inbox import models as _inbox  # noqa: F401
    from handoff.knowledge import models as _knowledge  # noqa: F401
    from handoff.training import models as _training  # noqa: F401
    from handoff.conversations import models as _conversations  # noqa: F401
    from handoff.queue import models as _queue  # noqa: F401
    from handoff.reports import models as _reports  # noqa: F401
    from handoff.shop import models as _shop  # noqa: F401
    from handoff.survey import models as _survey  # noqa: F401
    from handoff.tickets import models as _tickets  # noqa: F401
    from handoff.wechat import models as _wechat  # noqa: F401

    Base.metadata.create_all(engine)
    add_missing_columns(engine)


def add_missing_columns(engine: Engine) -> list[str]:
    """Nullable columns added to an existing table since the database was created (``create_all``
    makes only new tables). Until the schema has migrations (Alembic), this keeps a shop's
    database usable across releases that only add such columns; anything else is refused.
    Returns the ``table.column`` names it added."""
    added = []
    with engine.begin() as conn:
        existing = inspect(conn)
        tables = set(existing.get_table_names())
        for table in Base.metadata.sorted_tables:
            if table.name not in tables:
                continue
            have = {c["name"] for c in existing.get_columns(table.name)}
            for column in table.columns:
                if column.name in have:
                    continue
                if not column.nullable or column.primary_key:
                    raise RuntimeError(f"the database lacks {table.name}.{column.name}, which cannot be added "
                                       "automatically (not nullable): migrate it by hand")
                kind = column.type.compile(dialect=engine.dialect)
                conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))
                added.append(f"{table.name}.{column.name}")
    return added


