"""FAQ answers, training examples and the revision counter of both.

The database is the source of truth once the shop edits them; ``data/`` seeds
it on the first start (``seed.py``) and ``export.py`` writes it back out as
Rasa training data for each training job.
"""

from datetime import datetime

from sqlalchemy import JSON, Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from handoff.core.db import Base


class FaqAnswer(Base):
    """One FAQ answer: the bot's retrieval intent ``faq/<key>`` and what it says."""

    __tablename__ = "faq_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[dict]] = mapped_column(JSON, default=list)
    # Incremented on every edit: an edit based on an older version is refused (409).
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class Example(Base):
    """One training message of an intent (``faq/<key>`` for an FAQ answer).

    ``text`` keeps Rasa's entity annotations (``[DD260101000001](order_id)``);
    ``plain`` is the text without them, normalised, for duplicate checks.
    """

    __tablename__ = "training_examples"

    id: Mapped[int] = mapped_column(primary_key=True)
    intent: Mapped[str] = mapped_column(String(80), index=True)
    text: Mapped[str] = mapped_column(Text)
    plain: Mapped[str] = mapped_column(String(512), index=True)
    # seed (from data/), admin (typed in the editor), inbox (a real customer message).
    source: Mapped[str] = mapped_column(String(16), default="admin")
    # Kept out of training: scored by the evaluation gate instead.
    holdout: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64), default="")


class Revision(Base):
    """A single row: bumped by every change that needs a retraining."""

    __tablename__ = "knowledge_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime]
