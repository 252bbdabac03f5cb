"""Alembic's entry point: the desk's models are the target, the desk's setting the database.

The desk runs this through handoff/core/migrate.py on start, passing its own
connection; `alembic ...` on the command line connects to DESK_DATABASE_URL.
"""

from alembic import context

from handoff.core.db import Base, make_engine, register_models

register_models()
config = context.config


def desk_tables_only(name, kind, _parent) -> bool:
    """Rasa's trackers may share the database (bot/tracker_store.py): not the desk's to migrate."""
    return not (kind == "table" and name == "rasa_trackers")


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_name=desk_tables_only,
        # SQLite cannot alter a column or add a constraint: such steps copy the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them against the database")
connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    from handoff.core.settings import Settings

    engine = make_engine(Settings().database_url)
    with engine.connect() as connection:
        run(connection)
    engine.dispose()
