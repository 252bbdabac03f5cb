"""The satisfaction dashboard: its JSON API, the CSV of raw answers, and the page."""

from datetime import date, timedelta
from pathlib import Path

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from handoff.agents.deps import current_agent
from handoff.agents.models import Agent
from handoff.core.clock import shop_today
from handoff.core.context import Desk
from handoff.core.deps import get_db, get_desk
from handoff.reports import service

STATIC = Path(__file__).parent / "static"
router = APIRouter(prefix="/api/reports", tags=["reports"])
pages = APIRouter(include_in_schema=False)


def date_range(start: date | None = Query(None, description="YYYY-MM-DD, shop time"),
               end: date | None = Query(None, description="YYYY-MM-DD, inclusive"),
               desk: Desk = Depends(get_desk)) -> tuple[date, date]:
    end = end or shop_today(desk.settings.timezone)
    return start or end - timedelta(days=27), end


@router.get("/satisfaction")
def satisfaction(by: str = "channel", period: tuple[date, date] = Depends(date_range),
                 db: Session = Depends(get_db), agent: Agent = Depends(current_agent),
                 desk: Desk = Depends(get_desk)):
    """CSAT, NPS, CES, resolution, response, containment, handoffs, response times and SLA, broken down."""
    return service.report(db, *period, by, agent, desk.settings.timezone)


@router.get("/answers.csv")
def answers_csv(period: tuple[date, date] = Depends(date_range), db: Session = Depends(get_db),
                agent: Agent = Depends(current_agent), desk: Desk = Depends(get_desk)):
    """Every survey of the period, one row each (UTF-8 with BOM, so that Excel reads the Chinese)."""
    start, end = period
    return Response(service.answers_csv(db, start, end, agent, desk.settings.timezone),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="survey-answers-{start}-{end}.csv"'})


@pages.get("/console/reports")
def dashboard_page():
    return FileResponse(STATIC / "reports.html", headers={"Cache-Control": "no-cache"})
