"""Verification API for the action server (service token), and the demo page's simulated phone."""

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from handoff.conversations.schemas import CustomerRef
from handoff.core.auth import require_service_token
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.deps import get_db, get_desk
from handoff.core.errors import DeskError, NotFound
from handoff.identity import service, sms
from handoff.identity.schemas import CodeRequest, CodeSent, Verification

router = APIRouter(prefix="/api/identity", tags=["customer verification"],
                   dependencies=[Depends(require_service_token)])
demo = APIRouter(prefix="/api/demo", tags=["demo"])



@router.post("/codes", response_model=CodeSent)
def send_code(body: CodeRequest, db: Session = Depends(get_db), desk: Desk = Depends(get_desk)):
    """Send a one-time code to the phone, if a customer uses it (the answer does not say)."""
    return service.send_code(desk, db, sender_id=body.sender_id, phone=body.phone)


@router.post("/verify", response_model=CustomerRef)
def verify(body: Verification, db: Session = Depends(get_db), desk: Desk = Depends(get_desk)):
    """Verify the conversation's customer by the code, or by an order number and the phone's last four digits."""
    if body.code:
        return service.check_code(desk, db, sender_id=body.sender_id, code=body.code, now=utcnow())
    if body.order_id and body.phone_last4:
        return service.check_order(desk, db, sender_id=body.sender_id, order_id=body.order_id,
                                   phone_last4=body.phone_last4, now=utcnow())
    raise DeskError("请提供验证码，或订单号和手机号后四位", "invalid")


@demo.get("/sms")
def simulated_phone(desk: Desk = Depends(get_desk)):
    """Development only: the codes the log "SMS" provider sent, for the demo shop page."""
    if not desk.settings.demo_mode or desk.settings.sms_provider != "log":
        raise NotFound("没有模拟短信", "not_found")
    return sms.dev_outbox(desk.redis)
