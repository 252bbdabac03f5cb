"""Writing and reading the audit log.

``record`` adds the entry to the caller's session, so that the change and its
audit entry are committed together or not at all.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.agents.models import Agent
from handoff.audit.models import AuditEntry

ENTITY_NAMES = {"faq": "常见问题", "example": "训练语句", "rules": "店铺规则", "model": "模型",
                "agent": "客服账号", "inbox": "待优化问题"}
ACTION_NAMES = {"create": "新增", "update": "修改", "delete": "删除", "move": "移动",
                "activate": "启用", "rollback": "回滚", "train": "训练", "cancel": "取消",
                "dismiss": "忽略", "label": "标注"}


def record(db: Session, *, actor: Agent | None, entity: str, key: str, action: str,
           before: dict | None, after: dict | None, now: datetime) -> AuditEntry:
    entry = AuditEntry(at=now, actor_id=actor.id if actor else None,
                       actor_name=actor.display_name if actor else "系统", entity=entity,
                       entity_key=key[:128], action=action, before=before, after=after)
    db.add(entry)
    return entry


def entries(db: Session, *, entity: str | None = None, key: str | None = None,
            before_id: int | None = None, limit: int = 50) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if key:
        query = query.where(AuditEntry.entity_key == key)
    if before_id:
        query = query.where(AuditEntry.id < before_id)
    return list(db.scalars(query))
