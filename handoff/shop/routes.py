"""Shop API for the action server (and a shop's own integrations).

Thin: each route checks the service token, then calls one service function.
"""

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from handoff.agents.deps import current_admin, current_supervisor
from handoff.agents.models import Agent
from handoff.core.auth import require_service_token
from handoff.core.clock import utcnow
from handoff.core.deps import get_db
from handoff.shop import rules, schemas, service
from handoff.shop.catalog import Catalog
from handoff.shop.policy import Policy

router = APIRouter(prefix="/api/shop", tags=["shop"], dependencies=[Depends(require_service_token)])


def get_policy(request: Request) -> Policy:
    """The rules in force (policy.yml, or the admin's saved edits)."""
    return request.app.state.desk.policy


@router.get("/customers/{customer_id}", response_model=schemas.CustomerProfile)
def customer(customer_id: str, db: Session = Depends(get_db), policy: Policy = Depends(get_policy)):
    return service.customer_profile(db, policy, customer_id, utcnow())


@router.get("/customers/{customer_id}/orders", response_model=list[schemas.OrderSummary])
def orders(
    customer_id: str,
    open_only: bool = Query(False, alias="open"),
    limit: int = Query(10, ge=1, le=50),
    db: Session = Depends(get_db),
):
    return service.list_orders(db, customer_id, open_only=open_only, limit=limit)


@router.get("/customers/{customer_id}/orders/{order_id}", response_model=schemas.OrderDetail)
def order(customer_id: str, order_id: str, db: Session = Depends(get_db)):
    return service.get_order(db, customer_id, order_id)


@router.get(
    "/customers/{customer_id}/orders/{order_id}/return-eligibility",
    response_model=schemas.Eligibility,
)
def eligibility(
    customer_id: str,
    order_id: str,
    reason: str | None = Query(None, description="no_reason, faulty, damaged or wrong_item"),
    db: Session = Depends(get_db),
    policy: Policy = Depends(get_policy),
):
    return service.return_eligibility(db, policy, customer_id, order_id, reason, utcnow())


@router.post(
    "/customers/{customer_id}/returns", response_model=schemas.ReturnOut, status_code=201
)
def create_return(
    customer_id: str,
    body: schemas.ReturnCreate,
    db: Session = Depends(get_db),
    policy: Policy = Depends(get_policy),
):
    return service.create_return(db, policy, customer_id, body.order_id, body.reason, utcnow())


@router.get("/customers/{customer_id}/returns", response_model=list[schemas.ReturnOut])
def returns(
    customer_id: str,
    order_id: str | None = None,
    db: Session = Depends(get_db),
    policy: Policy = Depends(get_policy),
):
    return service.list_returns(db, policy, customer_id, order_id)


@router.get("/customers/{customer_id}/points", response_model=schemas.PointsSummary)
def points(customer_id: str, db: Session = Depends(get_db), policy: Policy = Depends(get_policy)):
    return service.points_summary(db, policy, customer_id, utcnow())


@router.get("/delivery-estimate", response_model=schemas.DeliveryEstimate)
def delivery_estimate(region: str | None = None, policy: Policy = Depends(get_policy)):
    return service.delivery_estimate(policy, region)


@router.get("/policy", response_model=Policy)
def policy_rules(policy: Policy = Depends(get_policy)):
    return policy


@router.get("/catalog", response_model=Catalog)
def catalog(request: Request):
    """Products (specs, variants and stock, size charts, compatibility) and current promotions."""
    return request.app.state.catalog


@router.put("/wechat-bindings", status_code=204)
def bind_wechat(body: schemas.WechatBindingIn, db: Session = Depends(get_db)):
    service.bind_wechat(db, body.app_id, body.openid, body.customer_id, utcnow())


admin = APIRouter(prefix="/api/admin/rules", tags=["admin: shop rules"])


@admin.get("", response_model=schemas.RulesOut, dependencies=[Depends(current_supervisor)])
def shop_rules(request: Request, db: Session = Depends(get_db)):
    """The rules in force, for the rules form (supervisors may look, admins edit)."""
    settings = request.app.state.settings
    row = rules.stored(db)
    policy, version = rules.current(db, settings.shop_policy_file)
    return {"rules": policy, "version": version, "updated_at": row.updated_at if row else None,
            "updated_by": row.updated_by if row else "", "default_business_hours": settings.business_hours,
            "default_business_days": [int(d) for d in settings.business_days.split(",") if d.strip()]}


@admin.put("", response_model=schemas.RulesOut)
def save_shop_rules(body: schemas.RulesIn, request: Request, actor: Agent = Depends(current_admin),
                    db: Session = Depends(get_db)):
    """Saves the rules; they take effect at once in this desk process, within seconds in the others."""
    desk = request.app.state.desk
    version = rules.save(db, rules=body.rules, expected_version=body.version,
                         policy_file=desk.settings.shop_policy_file, actor=actor, now=utcnow())
    desk.policy, desk.policy_version = body.rules, version
    return shop_rules(request, db)
