"""The schema on start: the desk's migrations (handoff/migrations/) applied to its database.

``upgrade`` is what the desk runs before anything else touches SQL, and what
``alembic upgrade head`` does by hand. The desk calls it under ``exclusive``
(several desk replicas start at once; the same lock serialises their seeding
of an empty database). It:

- creates an empty database at the newest schema in one step (``create_all``,
  stamped with the newest revision: the migrations say the same, the suite
  checks it);
- recognises a database made before the desk had migrations by its tables and
  stamps it with the release that made it;
- refuses a database stamped with a revision this code does not know: a newer
  release migrated it, and running older code on it would break it;
- otherwise applies the missing migrations, in one transaction where the
  database allows (PostgreSQL: all or nothing).
"""

import fcntl
import logging
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from handoff.core.db import Base, register_models

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
# Any number, the same in every desk process: PostgreSQL's lock for migrating.
PG_LOCK_KEY = 0x6465736B  # "desk"
# Databases from before migrations: the first revision whose schema they have,
# recognised by a table that release added (newest first), and the tables every
# release had.
PRE_MIGRATION_RELEASES = (("attachments", "0002"), ("conversations", "0001"))
BASELINE_CORE = {"agents", "conversations", "messages", "handoff_requests", "notes", "tickets", "surveys"}


class SchemaError(RuntimeError):
    """The database cannot be brought to this code's schema; the desk must not start."""


def config(connection: Connection | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "handoff" / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head()


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> str:
    """Bring the database to this code's schema. Returns what was done, for the log. Call it under
    ``exclusive`` when other processes may start at the same time."""
    register_models()
    with engine.begin() as conn:
        done = _upgrade(conn)
    logger.info("schema: %s", done)
    return done


def _upgrade(conn: Connection) -> str:
    cfg = config(conn)
    scripts = ScriptDirectory.from_config(cfg)
    newest = scripts.get_current_head()
    revision = MigrationContext.configure(conn).get_current_revision()
    if revision is None:
        tables = set(inspect(conn).get_table_names())
        if not tables & set(Base.metadata.tables):
            Base.metadata.create_all(conn)
            command.stamp(cfg, newest)
            return f"created at {newest}"
        revision = next((rev for table, rev in PRE_MIGRATION_RELEASES if table in tables), None)
        missing = BASELINE_CORE - tables
        if revision is None or missing:
            raise SchemaError("the database has tables but no migration revision, and is not a database of an "
                              f"earlier release of the desk (it lacks {', '.join(sorted(missing))})")
        command.stamp(cfg, revision)
        logger.info("schema: a database made before migrations, recognised as revision %s", revision)
    try:
        scripts.get_revision(revision)
    except Exception as err:  # alembic raises several kinds for an unknown revision
        raise SchemaError(f"the database is at revision {revision}, which this desk does not know (its newest is "
                          f"{newest}): a newer release migrated it. Run that release, or restore a backup "
                          "made before the upgrade.") from err
    if revision == newest:
        return f"at {newest}"
    command.upgrade(cfg, "head")
    return f"upgraded from {revision} to {newest}"


@contextmanager
def exclusive(engine: Engine):
    """One desk process at a time in this block (migrating, seeding): PostgreSQL's advisory lock, or a lock
    file beside a SQLite file. Not re-entrant."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
                conn.commit()
    elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with open(f"{engine.url.database}.migrate.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    else:
        yield
