"""The demo shop page, the embeddable widget script, and demo id signing."""

import time
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from handoff.conversations.service import customer_ref
from handoff.core.signing import sign_customer
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.deps import get_db, get_desk
from handoff.core.errors import NotFound
from handoff.shop import cards

STATIC = Path(__file__).parent / "static"
router = APIRouter(include_in_schema=False)
demo = APIRouter(prefix="/api/demo", tags=["demo"])


@router.get("/")
def shop_page():
    return FileResponse(STATIC / "shop.html", headers={"Cache-Control": "no-cache"})


@router.get("/widget.js")
def widget_script():
    return FileResponse(STATIC / "widget.js", media_type="application/javascript",
                        headers={"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"})


@router.get("/products/{sku}.svg")
def product_picture(sku: str, desk: Desk = Depends(get_desk)):
    """The drawn picture of a product the shop has no photo of (cards in the widget and the console)."""
    product = next((p for p in desk.catalog.products if p.sku == sku), None)
    return Response(cards.placeholder_svg(product), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*",
                             "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


@demo.get("/sign")
def sign(customer_id: str, db: Session = Depends(get_db), desk: Desk = Depends(get_desk)):
    """Demo only (DESK_DEMO_MODE): what a shop's own server does for a logged-in customer."""
    settings = desk.settings
    customer = customer_ref(db, policy=desk.policy, customer_id=customer_id, now=utcnow())
    if not settings.demo_mode or customer is None:
        raise NotFound("没有该顾客", "customer_not_found")
    timestamp = int(time.time())
    return {"customer_id": customer.id, "timestamp": timestamp,
            "signature": sign_customer(settings.shop_secret, customer.id, timestamp),
            "name": customer.name, "tier": customer.tier}
