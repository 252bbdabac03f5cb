"""SQLAlchemy 2 engine and sessions."""

from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Constraints are named as PostgreSQL names them by default, on every
    # database: a migration can then drop one by name, SQLite included.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "%(table_name)s_%(column_0_N_name)s_key",
        "fk": "%(table_name)s_%(column_0_name)s_fkey",
        "pk": "%(table_name)s_pkey",
    })


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


def register_models() -> None:
    """Import every domain's models, so that their tables are in ``Base.metadata``."""
    from handoff.agents import models as _agents  # noqa: F401
    from handoff.attachments import models as _attachments  # noqa: F401
    from handoff.audit import models as _audit  # noqa: F401
    from handoff.conversations import models as _conversations  # noqa: F401
    from handoff.inbox import models as _inbox  # noqa: F401
    from handoff.knowledge import models as _knowledge  # noqa: F401
    from handoff.queue import models as _queue  # noqa: F401
    from handoff.reports import models as _reports  # noqa: F401
    from handoff.shop import models as _shop  # noqa: F401
    from handoff.survey import models as _survey  # noqa: F401
    from handoff.tickets import models as _tickets  # noqa: F401
    from handoff.training import models as _training  # noqa: F401
    from handoff.wechat import models as _wechat  # noqa: F401
