"""Training jobs and model versions in SQL: plain functions over a session.

The orchestration that needs processes and Rasa (starting and watching the
job's child process, loading a model into Rasa) is in ``runner.py`` and
``swap.py``; everything here is bookkeeping and the evaluation gate.
"""

import statistics
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from handoff.agents.models import Agent
from handoff.audit import service as audit
from handoff.core.errors import Conflict, NotFound
from handoff.training.models import OPEN_STATES, JobState, ModelVersion, TrainingJob

DEFAULT_ESTIMATE_SECONDS = 240


def active_version(db: Session) -> ModelVersion | None:
    return db.scalar(select(ModelVersion).where(ModelVersion.active.is_(True)))


def get_version(db: Session, version_id: int) -> ModelVersion:
    version = db.get(ModelVersion, version_id)
    if version is None:
        raise NotFound("没有这个模型版本", "model_not_found")
    return version


def list_versions(db: Session) -> list[ModelVersion]:
    return list(db.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())))


def ensure_initial_version(db: Session, *, model_path: Path, revision: int, now: datetime) -> None:
    """The model `make train` built becomes version v1 of a database that has none yet."""
    if db.scalar(select(ModelVersion.id).limit(1)) is not None or not model_path.exists():
        return
    db.add(ModelVersion(name="v1", path=str(model_path.resolve()), revision=revision, trained_by="初始模型",
                        trained_at=now, active=True, activated_at=now, activated_by="初始模型"))
    db.commit()


def get_job(db: Session, job_id: int) -> TrainingJob:
    job = db.get(TrainingJob, job_id)
    if job is None:
        raise NotFound("没有这个训练任务", "job_not_found")
    return job


def open_job(db: Session) -> TrainingJob | None:
    return db.scalar(select(TrainingJob).where(TrainingJob.state.in_(OPEN_STATES)).order_by(TrainingJob.id))


def select_open_jobs():
    return select(TrainingJob).where(TrainingJob.state.in_(OPEN_STATES)).order_by(TrainingJob.id)


def list_jobs(db: Session, *, limit: int = 20) -> list[TrainingJob]:
    return list(db.scalars(select(TrainingJob).order_by(TrainingJob.id.desc()).limit(limit)))


def create_job(db: Session, *, actor: Agent, revision: int, now: datetime) -> TrainingJob:
    if open_job(db) is not None:
        raise Conflict("已有训练任务在进行，请等它结束或取消后再开始", "training_running")
    job = TrainingJob(state=JobState.queued, revision=revision, created_by=actor.display_name,
                      created_at=now, stage="export", detail="导出训练数据")
    db.add(job)
    db.flush()
    audit.record(db, actor=actor, entity="model", key=f"job-{job.id}", action="train", before=None,
                 after={"revision": revision}, now=now)
    db.commit()
    return job


def job_started(db: Session, *, job_id: int, folder: Path, pid: int) -> None:
    db.execute(update(TrainingJob).where(TrainingJob.id == job_id, TrainingJob.state.in_(OPEN_STATES))
               .values(state=JobState.running, folder=str(folder), pid=pid))
    db.commit()


def apply_progress(db: Session, *, job_id: int, progress: dict) -> None:
    db.execute(update(TrainingJob).where(TrainingJob.id == job_id, TrainingJob.state == JobState.running)
               .values(stage=str(progress.get("stage_label", ""))[:32],
                       detail=str(progress.get("detail", ""))[:128],
                       progress=float(progress.get("progress") or 0.0)))
    db.commit()


def end_job(db: Session, *, job_id: int, state: JobState, error: str, now: datetime) -> bool:
    """Ends a job still open; False when it had already ended (cancelled meanwhile, say)."""
    result = db.execute(update(TrainingJob).where(TrainingJob.id == job_id, TrainingJob.state.in_(OPEN_STATES))
                        .values(state=state, error=error[:2000], finished_at=now, pid=None))
    db.commit()
    return result.rowcount == 1


def job_succeeded(db: Session, *, job_id: int, result: dict, live_version_id: int | None,
                  now: datetime) -> ModelVersion | None:
    job = get_job(db, job_id)
    if job.state not in OPEN_STATES:
        return None
    number = len(list_versions(db)) + 1
    while db.scalar(select(ModelVersion.id).where(ModelVersion.name == f"v{number}")):
        number += 1
    evaluation = dict(result.get("evaluation") or {})
    evaluation["live_version_id"] = live_version_id
    version = ModelVersion(name=f"v{number}", path=result["model"], revision=job.revision, job_id=job.id,
                           trained_by=job.created_by, trained_at=now,
                           training_seconds=result.get("training_seconds"), evaluation=evaluation,
                           active=False)
    db.add(version)
    db.flush()
    job.state, job.finished_at, job.pid = JobState.succeeded, now, None
    job.progress, job.stage, job.detail = 1.0, "完成", f"已生成模型 {version.name}"
    job.model_version_id = version.id
    db.commit()
    return version


def estimate_seconds(db: Session) -> int:
    """How long a job takes here: the median of the last five that finished."""
    recent = db.scalars(select(TrainingJob).where(TrainingJob.state == JobState.succeeded)
                        .order_by(TrainingJob.id.desc()).limit(5))
    durations = [(j.finished_at - j.created_at).total_seconds() for j in recent if j.finished_at]
    return int(statistics.median(durations)) if durations else DEFAULT_ESTIMATE_SECONDS


def accuracy_of(version: ModelVersion | None) -> float | None:
    new = ((version.evaluation or {}).get("new") or {}) if version else {}
    return new.get("accuracy")


def gate(candidate: ModelVersion, active: ModelVersion | None) -> str | None:
    """Why activating ``candidate`` needs a confirmation (it scores lower than the live model), or None."""
    if active is None or candidate.id == active.id:
        return None
    evaluation = candidate.evaluation or {}
    new = (evaluation.get("new") or {}).get("accuracy")
    if evaluation.get("live_version_id") == active.id:
        live = (evaluation.get("live") or {}).get("accuracy")
    else:  # the live model changed since: compare what each scored when it was trained
        live = accuracy_of(active)
    if new is None or live is None or new >= live:
        return None
    return (f"{candidate.name} 在测试集上的准确率 {new:.1%} 低于线上模型 {active.name} 的 {live:.1%}，"
            "确认后才能启用")


def mark_active(db: Session, *, version: ModelVersion, actor: Agent, action: str, now: datetime) -> None:
    previous = active_version(db)
    db.execute(update(ModelVersion).where(ModelVersion.active.is_(True)).values(active=False))
    version.active, version.activated_at, version.activated_by = True, now, actor.display_name
    audit.record(db, actor=actor, entity="model", key=version.name, action=action,
                 before={"active": previous.name if previous else None},
                 after={"active": version.name, "path": version.path}, now=now)
    db.commit()
