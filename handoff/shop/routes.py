"""Shop API for the action server (and a shop's own integrations).

Thin: each route checks the service token, then calls one service function.
"""

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from handoff.core.auth import require_service_token
from handoff.core.clock import utcnow
from handoff.core.deps import get_db
from handoff.shop import schemas, service
from handoff.shop.catalog import Catalog
from handoff.shop.policy import Policy

router = APIRouter(prefix="/api/shop", tags=["shop"], dependencies=[Depends(require_service_token)])


def get_policy(request: Request) -> Policy:
    return request.app.state.policy


@router.get("/customers/by-phone/{phone}", response_model=schemas.CustomerProfile)
def customer_by_phone(phone: str, db: Session = Depends(get_db), policy: Policy = Depends(get_policy)):
    customer = service.find_customer_by_phone(db, phone)
    return service.customer_profile(db, policy, customer.id, utcnow())


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
