"""Training jobs and the model versions they produce."""

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from handoff.core.db import Base


class JobState(str, enum.Enum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


OPEN_STATES = (JobState.queued, JobState.running)


class TrainingJob(Base):
    __tablename__ = "training_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[JobState] = mapped_column(Enum(JobState, native_enum=False), index=True)
    # The knowledge revision the data was exported from.
    revision: Mapped[int] = mapped_column(default=0)
    folder: Mapped[str] = mapped_column(String(512), default="")
    pid: Mapped[int | None]
    stage: Mapped[str] = mapped_column(String(32), default="")
    detail: Mapped[str] = mapped_column(String(128), default="")
    progress: Mapped[float] = mapped_column(default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    model_version_id: Mapped[int | None]


class ModelVersion(Base):
    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    path: Mapped[str] = mapped_column(String(512))
    revision: Mapped[int] = mapped_column(default=0)
    job_id: Mapped[int | None]
    trained_by: Mapped[str] = mapped_column(String(64))
    trained_at: Mapped[datetime]
    training_seconds: Mapped[float | None]
    # The evaluation gate's report: {"new": {...}, "live": {...}, "changed": [...], ...}.
    evaluation: Mapped[dict | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    activated_at: Mapped[datetime | None]
    activated_by: Mapped[str] = mapped_column(String(64), default="")
