"""History and search in the console: GET /api/console/history (docs/desk-api.md)."""

from datetime import date

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from handoff.agents.deps import current_agent
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.deps import get_db, get_desk
from handoff.history import service
from handoff.history.schemas import Found

router = APIRouter(prefix="/api/console", tags=["history"], dependencies=[Depends(current_agent)])


@router.get("/history", response_model=list[Found])
def search(q: str = Query("", max_length=100), tag: str | None = Query(None, max_length=20),
           start: date | None = None, end: date | None = None,
           db: Session = Depends(get_db), desk: Desk = Depends(get_desk)):
    """Past and current conversations by customer number, phone, order number, words, tag and dates."""
    return service.search(desk, db, q=q, tag=tag, start=start, end=end, now=utcnow())
