"""The shop's rules as the admin edits them: policy.yml, then the saved edits.

The desk keeps the rules in force on ``desk.policy``. A save replaces them
in the process that saved at once; every other desk process notices the new
version within one maintenance tick (``refresh``). The action server reads
them through ``GET /api/shop/policy``, cached for a minute.
"""

from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.agents.models import Agent
from handoff.audit import service as audit
from handoff.core.errors import Conflict
from handoff.core.settings import Settings
from handoff.shop.models import ShopRules
from handoff.shop.policy import Policy, load_policy

ROW = 1


def stored(db: Session) -> ShopRules | None:
    return db.get(ShopRules, ROW)


def current(db: Session, policy_file: Path) -> tuple[Policy, int]:
    """The rules in force and their version (0: policy.yml, never edited)."""
    row = stored(db)
    if row is None:
        return load_policy(policy_file), 0
    return Policy.model_validate(row.rules), row.version


def version(db: Session) -> int:
    return db.scalar(select(ShopRules.version).where(ShopRules.id == ROW)) or 0


def for_the_form(db: Session, *, settings: Settings) -> dict:
    """The rules in force with their version and who saved them, and the defaults the form shows."""
    row = stored(db)
    policy, version_ = current(db, settings.shop_policy_file)
    return {"rules": policy, "version": version_, "updated_at": row.updated_at if row else None,
            "updated_by": row.updated_by if row else "", "default_business_hours": settings.business_hours,
            "default_business_days": [int(d) for d in settings.business_days.split(",") if d.strip()]}


def save(db: Session, *, rules: Policy, expected_version: int, policy_file: Path, actor: Agent,
         now: datetime) -> int:
    """Saves the rules; refused with 409 when someone saved since ``expected_version``."""
    before, in_force = current(db, policy_file)
    data = rules.model_dump(mode="json")
    if in_force == 0:
        if expected_version != 0:
            raise Conflict("店铺规则已被其他人修改，请刷新后再编辑", "rules_edited_meanwhile")
        db.add(ShopRules(id=ROW, rules=data, version=1, updated_at=now, updated_by=actor.display_name))
        new_version = 1
    else:
        result = db.execute(update(ShopRules).where(ShopRules.id == ROW, ShopRules.version == expected_version)
                            .values(rules=data, version=ShopRules.version + 1, updated_at=now,
                                    updated_by=actor.display_name))
        if result.rowcount != 1:
            db.rollback()
            raise Conflict("店铺规则已被其他人修改，请刷新后再编辑", "rules_edited_meanwhile")
        new_version = expected_version + 1
    changed_before, changed_after = _changes(before.model_dump(mode="json"), data)
    audit.record(db, actor=actor, entity="rules", key="policy", action="update", before=changed_before,
                 after=changed_after, now=now)
    try:
        db.commit()
    except IntegrityError:  # two first saves at once
        db.rollback()
        raise Conflict("店铺规则已被其他人修改，请刷新后再编辑", "rules_edited_meanwhile") from None
    return new_version


def _changes(before: dict, after: dict, prefix: str = "") -> tuple[dict, dict]:
    """Only the values that changed, keyed by their dotted path ("returns.no_reason_days")."""
    old, new = {}, {}
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            o, n = _changes(a, b, f"{prefix}{key}.")
            old.update(o)
            new.update(n)
        else:
            old[prefix + key], new[prefix + key] = a, b
    return old, new
