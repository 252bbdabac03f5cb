"""The audit log, for admins only."""

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from handoff.agents.deps import current_admin
from handoff.audit import service
from handoff.audit.schemas import AuditEntryOut
from handoff.core.deps import get_db
from handoff.core.ids import QueryId

router = APIRouter(prefix="/api/admin/audit", tags=["admin: audit log"],
                   dependencies=[Depends(current_admin)])


@router.get("", response_model=list[AuditEntryOut])
def audit_log(entity: str | None = None, key: str | None = None, before_id: QueryId = None,
              limit: int = Query(50, ge=1, le=200), db: Session = Depends(get_db)):
    return service.entries(db, entity=entity, key=key, before_id=before_id, limit=limit)
