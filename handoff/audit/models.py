"""One row per change made by staff: FAQ, examples, shop rules, models, agent accounts."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from handoff.core.db import Base


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    # What was changed: faq, example, rules, model, agent, inbox.
    entity: Mapped[str] = mapped_column(String(16), index=True)
    entity_key: Mapped[str] = mapped_column(String(128), default="")
    # create, update, delete, move, activate, rollback, train, cancel, dismiss.
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
