"""Follow-ups (回访) of low ratings, for supervisors and admins in the console."""

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from handoff.agents.deps import current_supervisor
from handoff.agents.models import Agent
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.deps import get_db, get_desk
from handoff.core.ids import PathId
from handoff.survey import service
from handoff.survey.schemas import FollowUpDone, FollowUpOut

router = APIRouter(prefix="/api/console/follow-ups", tags=["survey"])


@router.get("", response_model=list[FollowUpOut])
def open_follow_ups(status: str = "open", db: Session = Depends(get_db), desk: Desk = Depends(get_desk),
                    _: Agent = Depends(current_supervisor)):
    now = utcnow()
    return [service.follow_up_out(db, policy=desk.policy, task=task, now=now)
            for task in service.follow_ups(db, status=status)]


@router.post("/{task_id}/done", response_model=FollowUpOut)
def mark_done(task_id: PathId, body: FollowUpDone, db: Session = Depends(get_db), desk: Desk = Depends(get_desk),
              agent: Agent = Depends(current_supervisor)):
    now = utcnow()
    task = service.finish_follow_up(db, task_id=task_id, agent=agent, note=body.note, now=now)
    return service.follow_up_out(db, policy=desk.policy, task=task, now=now)
