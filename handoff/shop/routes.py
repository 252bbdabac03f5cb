"""Shop API for the action server (and a shop's own integrations).

Thin: each route checks the service token, then calls one service function.
"""

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from handoff.agents.deps import current_admin, current_supervisor
from handoff.agents.models import Agent
from handoff.core.auth import require_service_token
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.deps import get_db, get_desk
from handoff.shop import customers, rules, schemas
from handoff.shop import orders as shop_orders
from handoff.shop import points as shop_points
from handoff.shop import returns as shop_returns
from handoff.shop.catalog import Catalog
from handoff.shop.policy import Policy

router = APIRouter(prefix="/api/shop", tags=["shop"], dependencies=[Depends(require_service_token)])


def get_policy(desk: Desk = Depends(get_desk)) -> Policy:
    """The rules in force (policy.yml, or the admin's saved edits)."""
    return desk.policy


@router.get("/customers/{customer_id}", response_model=schemas.CustomerProfile)
def customer(customer_id: str, db: Session = Depends(get_db), policy: Policy = Depends(get_policy)):
    return customers.customer_profile(db, policy=policy, customer_id=customer_id, now=utcnow())


@router.get("/customers/{customer_id}/orders", response_model=list[schemas.OrderSummary])
def orders(
    customer_id: str,
    open_only: bool = Query(False, alias="open"),
    limit: int = Query(10, ge=1, le=50),
    db: Session = Depends(get_db),
):
    return shop_orders.list_orders(db, customer_id=customer_id, open_only=open_only, limit=limit)


@router.get("/customers/{customer_id}/orders/{order_id}", response_model=schemas.OrderDetail)
def order(customer_id: str, order_id: str, db: Session = Depends(get_db)):
    return shop_orders.get_order(db, customer_id=customer_id, order_id=order_id)


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
    return shop_returns.return_eligibility(db, policy=policy, customer_id=customer_id, order_id=order_id,
                                           reason=reason, now=utcnow())


@router.post(
    "/customers/{customer_id}/returns", response_model=schemas.ReturnOut, status_code=201
)
def create_return(
    customer_id: str,
    body: schemas.ReturnCreate,
    db: Session = Depends(get_db),
    policy: Policy = Depends(get_policy),
):
    return shop_returns.create_return(db, policy=policy, customer_id=customer_id, order_id=body.order_id,
                                      reason=body.reason, now=utcnow())


@router.get("/customers/{customer_id}/returns", response_model=list[schemas.ReturnOut])
def returns(
    customer_id: str,
    order_id: str | None = None,
    db: Session = Depends(get_db),
    policy: Policy = Depends(get_policy),
):
    return shop_returns.list_returns(db, policy=policy, customer_id=customer_id, order_id=order_id)


@router.get("/customers/{customer_id}/points", response_model=schemas.PointsSummary)
def points(customer_id: str, db: Session = Depends(get_db), policy: Policy = Depends(get_policy)):
    return shop_points.points_summary(db, policy=policy, customer_id=customer_id, now=utcnow())


@router.get("/delivery-estimate", response_model=schemas.DeliveryEstimate)
def delivery_estimate(region: str | None = None, policy: Policy = Depends(get_policy)):
    return shop_orders.delivery_estimate(policy=policy, region=region)


@router.get("/policy", response_model=Policy)
def policy_rules(policy: Policy = Depends(get_policy)):
    return policy


@router.get("/catalog", response_model=Catalog)
def catalog(request: Request):
    """Products (specs, variants and stock, size charts, compatibility) and current promotions."""
    return request.app.state.catalog


@router.put("/wechat-bindings", status_code=204)
def bind_wechat(body: schemas.WechatBindingIn, db: Session = Depends(get_db)):
    customers.bind_wechat(db, app_id=body.app_id, openid=body.openid, customer_id=body.customer_id, now=utcnow())


admin = APIRouter(prefix="/api/admin/rules", tags=["admin: shop rules"])


@admin.get("", response_model=schemas.RulesOut, dependencies=[Depends(current_supervisor)])
def shop_rules(db: Session = Depends(get_db), desk: Desk = Depends(get_desk)):
    """The rules in force, for the rules form (supervisors may look, admins edit)."""
    return rules.for_the_form(db, settings=desk.settings)


@admin.put("", response_model=schemas.RulesOut)
def save_shop_rules(body: schemas.RulesIn, actor: Agent = Depends(current_admin),
                    db: Session = Depends(get_db), desk: Desk = Depends(get_desk)):
    """Saves the rules; they take effect at once in this desk process, within seconds in the others."""
    version = rules.save(db, rules=body.rules, expected_version=body.version,
                         policy_file=desk.settings.shop_policy_file, actor=actor, now=utcnow())
    desk.policy, desk.policy_version = body.rules, version
    return rules.for_the_form(db, settings=desk.settings)
