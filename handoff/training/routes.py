"""Training, evaluation, activation and rollback (admins; supervisors may look)."""

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from handoff.agents.deps import current_admin, current_supervisor
from handoff.agents.models import Agent
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.deps import get_db, get_desk
from handoff.core.ids import PathId
from handoff.knowledge import service as knowledge
from handoff.training import runner, service, swap
from handoff.training.models import ModelVersion, TrainingJob
from handoff.training.schemas import ActivateIn, JobOut, TrainingStatus, VersionDetail, VersionOut

router = APIRouter(prefix="/api/admin/training", tags=["admin: training and models"])


def job_out(db: Session, job: TrainingJob) -> dict:
    end = job.finished_at or utcnow()
    return {**{c: getattr(job, c) for c in JobOut.model_fields if hasattr(job, c)},
            "elapsed_seconds": round((end - job.created_at).total_seconds(), 1),
            "estimate_seconds": service.estimate_seconds(db)}


def version_out(db: Session, version: ModelVersion, active: ModelVersion | None, detail: bool = False) -> dict:
    out = {c: getattr(version, c) for c in VersionOut.model_fields if hasattr(version, c)}
    out["accuracy"] = service.accuracy_of(version)
    out["needs_confirmation"] = service.gate(version, active)
    if detail:
        out["evaluation"] = version.evaluation
    return out


@router.get("/status", response_model=TrainingStatus, dependencies=[Depends(current_supervisor)])
def status(db: Session = Depends(get_db)):
    active = service.active_version(db)
    job = service.open_job(db) or next(iter(service.list_jobs(db, limit=1)), None)
    revision = knowledge.revision(db)
    return {"revision": revision, "active": version_out(db, active, active) if active else None,
            "out_of_date": active is None or active.revision < revision,
            "job": job_out(db, job) if job else None}


@router.get("/jobs", response_model=list[JobOut], dependencies=[Depends(current_supervisor)])
def jobs(db: Session = Depends(get_db)):
    return [job_out(db, j) for j in service.list_jobs(db)]


@router.post("/jobs", response_model=JobOut, status_code=202)
async def start_job(actor: Agent = Depends(current_admin), desk: Desk = Depends(get_desk)):
    """Starts a training job in the background (one at a time); poll /status for its progress."""
    job_id = await runner.start(desk, actor=actor)
    with desk.session() as db:
        return job_out(db, service.get_job(db, job_id))


@router.get("/jobs/{job_id}", response_model=JobOut, dependencies=[Depends(current_supervisor)])
def job(job_id: PathId, db: Session = Depends(get_db)):
    return job_out(db, service.get_job(db, job_id))


@router.post("/jobs/{job_id}/cancel", response_model=JobOut)
async def cancel_job(job_id: PathId, actor: Agent = Depends(current_admin), desk: Desk = Depends(get_desk)):
    await runner.cancel(desk, job_id=job_id, actor=actor)
    with desk.session() as db:
        return job_out(db, service.get_job(db, job_id))


@router.get("/models", response_model=list[VersionOut], dependencies=[Depends(current_supervisor)])
def models(db: Session = Depends(get_db)):
    active = service.active_version(db)
    return [version_out(db, v, active) for v in service.list_versions(db)]


@router.get("/models/{version_id}", response_model=VersionDetail, dependencies=[Depends(current_supervisor)])
def model(version_id: PathId, db: Session = Depends(get_db)):
    return version_out(db, service.get_version(db, version_id), service.active_version(db), detail=True)


@router.post("/models/{version_id}/activate")
async def activate(version_id: PathId, body: ActivateIn, actor: Agent = Depends(current_admin),
                   desk: Desk = Depends(get_desk)):
    """Loads the version into every Rasa process (no message lost) and makes it the live model."""
    return await swap.activate(desk, version_id=version_id, actor=actor,
                               confirm=body.confirm, action="activate")


@router.post("/models/{version_id}/rollback")
async def rollback(version_id: PathId, body: ActivateIn, actor: Agent = Depends(current_admin),
                   desk: Desk = Depends(get_desk)):
    """Re-activates an earlier version, the same way."""
    return await swap.activate(desk, version_id=version_id, actor=actor,
                               confirm=body.confirm, action="rollback")

