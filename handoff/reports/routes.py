"""The satisfaction dashboard: its JSON API, the CSV of raw answers, and the page."""

import csv
import io
from datetime import date, timedelta
from pathlib import Path

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from handoff.agents.deps import current_agent
from handoff.agents.models import Agent
from handoff.core.clock import shop_today
from handoff.core.deps import get_db
from handoff.reports import service

STATIC = Path(__file__).parent / "static"
router = APIRouter(prefix="/api/reports", tags=["reports"])
pages = APIRouter(include_in_schema=False)


def today(request: Request) -> date:
    return shop_today(request.app.state.settings.timezone)


def date_range(request: Request, start: date | None = Query(None, description="YYYY-MM-DD, shop time"),
               end: date | None = Query(None, description="YYYY-MM-DD, inclusive")) -> tuple[date, date]:
    end = end or today(request)
    return start or end - timedelta(days=27), end


@router.get("/satisfaction")
def satisfaction(request: Request, by: str = "channel", period: tuple[date, date] = Depends(date_range),
                 db: Session = Depends(get_db), agent: Agent = Depends(current_agent)):
    """CSAT, NPS, CES, resolution, response, containment, handoffs, response times and SLA, broken down."""
    return service.report(db, *period, by, agent, request.app.state.settings.timezone)


@router.get("/answers.csv")
def answers_csv(request: Request, period: tuple[date, date] = Depends(date_range),
                db: Session = Depends(get_db), agent: Agent = Depends(current_agent)):
    """Every survey of the period, one row each (UTF-8 with BOM, so that Excel reads the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(service.CSV_HEADER)
    writer.writerows(service.answer_rows(db, *period, agent, request.app.state.settings.timezone))
    start, end = period
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="survey-answers-{start}-{end}.csv"'})


@pages.get("/console/reports")
def dashboard_page():
    return FileResponse(STATIC / "reports.html", headers={"Cache-Control": "no-cache"})
