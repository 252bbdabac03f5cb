from pydantic import BaseModel, ConfigDict

from handoff.core.clock import UtcDatetime
from handoff.training.models import JobState


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    state: JobState
    revision: int
    stage: str
    detail: str
    progress: float
    error: str
    created_by: str
    created_at: UtcDatetime
    finished_at: UtcDatetime | None
    model_version_id: int | None
    elapsed_seconds: float = 0.0
    estimate_seconds: int = 0


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    revision: int
    trained_by: str
    trained_at: UtcDatetime
    training_seconds: float | None
    active: bool
    activated_at: UtcDatetime | None
    activated_by: str
    accuracy: float | None = None
    # Why activating it needs a confirmation (scores lower than the live model).
    needs_confirmation: str | None = None


class VersionDetail(VersionOut):
    evaluation: dict | None


class TrainingStatus(BaseModel):
    revision: int
    active: VersionOut | None
    # The examples changed since the live model was trained.
    out_of_date: bool
    job: JobOut | None


class ActivateIn(BaseModel):
    # Needed when the version scores lower than the live one.
    confirm: bool = False
