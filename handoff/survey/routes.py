"""Follow-ups (回访) of low ratings, for supervisors and admins in the console."""

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from handoff.agents.deps import current_supervisor
from handoff.agents.models import Agent
from handoff.core.clock import utcnow
from handoff.core.deps import get_db
from handoff.core.ids import PathId
from handoff.survey import service
from handoff.survey.schemas import FollowUpDone, FollowUpOut

router = APIRouter(prefix="/api/console/follow-ups", tags=["survey"])


@router.get("", response_model=list[FollowUpOut])
def open_follow_ups(request: Request, status: str = "open", db: Session = Depends(get_db),
                    _: Agent = Depends(current_supervisor)):
    now = utcnow()
    return [service.follow_up_out(db, request.app.state.desk.policy, task, now)
            for task in service.follow_ups(db, status)]


@router.post("/{task_id}/done", response_model=FollowUpOut)
def mark_done(task_id: PathId, body: FollowUpDone, request: Request, db: Session = Depends(get_db),
              agent: Agent = Depends(current_supervisor)):
    now = utcnow()
    task = service.finish_follow_up(db, task_id, agent, body.note, now)
    return service.follow_up_out(db, request.app.state.desk.policy, task, now)
