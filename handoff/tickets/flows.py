"""A left message (留言) from leaving to answered, read top to bottom.

- ``leave``: the web widget's 留言 form (the conversation's chat token); ``leave_on_wechat``: a
  follower's "留言 …" text. The ticket is stored with a confirmation in the conversation.
- ``answer``: an agent answers from the console. The answer is the agent's message in the
  customer's conversation, so it reaches them the way every message does: the widget shows it
  at once or on their next visit (their conversation is kept in the browser), WeChat's outbox
  sends it as a customer-service message while the 48-hour window is open. Where the shop has an
  SMS gateway and the customer left a mobile number, an SMS tells a web customer (or a WeChat
  follower outside the window) that the answer is there. The agent is told how it went.
"""

from datetime import timedelta

from starlette.concurrency import run_in_threadpool

from handoff.agents.models import Agent
from handoff.conversations import events, limits
from handoff.conversations import service as conversations
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.privacy import mask_phone
from handoff.identity import sms
from handoff.tickets import service
from handoff.tickets.models import Ticket
from handoff.tickets.schemas import TicketLeft, TicketOut
from handoff.wechat.models import WechatUser

WECHAT_WINDOW = timedelta(hours=48)


def leave(desk: Desk, *, conv_id: str, token: str | None, ip: str, text: str, contact: str) -> TicketLeft:
    with desk.session() as db:
        conv = conversations.authorize(db, conv_id=conv_id, token=token)
        limits.message(desk, conv_id=conv_id, ip=ip)
        phone = service.phone_of(contact)
        sms_to = mask_phone(phone) if phone and sms.sender(desk.settings, desk.redis) else None
        ticket, said = service.leave(db, conv=conv, text=text, contact=contact, now=utcnow(),
                                     said=service.confirmation(sms_to))
        events.message_added(desk.redis, conv, said, {})
        return TicketLeft(id=ticket.id, text=ticket.text, created_at=ticket.created_at,
                          message=conversations.message_out(said))


def leave_on_wechat(desk: Desk, *, conv_id: str, user_id: int, text: str, client_id: str | None) -> None:
    """A follower wrote "留言 …": their words kept as the customer's message and as the ticket."""
    with desk.session() as db:
        conv = conversations.get_conversation(db, conv_id=conv_id)
        message, created = conversations.add_customer_message(db, conv=conv, text=text, client_id=client_id,
                                                              now=utcnow())
        if not created:  # WeChat sent it again
            return
        events.message_added(desk.redis, conv, message, {})
        left = text.removeprefix("留言").strip(" ：:，,") or text
        _ticket, said = service.leave(db, conv=conv, text=left, contact="", now=utcnow(),
                                      said=service.confirmation(None), wechat_user_id=user_id)
        events.message_added(desk.redis, conv, said, {})


async def answer(desk: Desk, *, ticket_id: int, agent_id: int, text: str) -> TicketOut:
    def work() -> tuple[Ticket, list[str], str | None]:
        with desk.session() as db:
            agent = db.get(Agent, agent_id)
            ticket, conv, message = service.answer(db, ticket_id=ticket_id, agent=agent, text=text, now=utcnow())
            events.message_added(desk.redis, conv, message, {agent.id: agent.display_name})
            delivery, reachable = [], True
            if conv.channel == "wechat":
                follower = db.get(WechatUser, ticket.wechat_user_id) if ticket.wechat_user_id else None
                reachable = follower is not None and follower.subscribed and \
                    utcnow() - follower.last_inbound_at <= WECHAT_WINDOW
                delivery.append("已通过公众号客服消息发给客户" if reachable else
                                "客户超过 48 小时没有在公众号发消息（或已取消关注），微信不允许主动发送；"
                                "客户下次打开对话时会看到")
            else:
                delivery.append("已发到客户的网页对话：客户正在线会立即看到，否则下次打开在线客服时看到")
            phone = service.phone_of(ticket.contact)
            due = phone if phone and (conv.channel != "wechat" or not reachable) else None
            return ticket, delivery, due

    ticket, delivery, phone = await run_in_threadpool(work)
    sender = sms.sender(desk.settings, desk.redis) if phone else None
    if sender is not None:
        status = await run_in_threadpool(_text_the_customer, desk, sender, phone, text)
        await run_in_threadpool(_record, desk, ticket.id, status)
        delivery.append(f"已短信通知 {mask_phone(phone)}" if status == "sent"
                        else f"短信发送失败，请电话联系 {mask_phone(phone)}")
    elif phone:
        delivery.append(f"未配置短信通道，如需要请电话联系 {mask_phone(phone)}")

    def out() -> TicketOut:
        with desk.session() as db:
            return service.ticket_out(db.get(Ticket, ticket.id), delivery)

    return await run_in_threadpool(out)


def _text_the_customer(desk: Desk, sender: sms.SmsSender, phone: str, text: str) -> str:
    body = (f"【{desk.settings.shop_name}】您的留言已有回复：{service.excerpt(text, 40)}"
            "打开在线客服可查看完整回复。")
    try:
        sender.send(phone, body, "")
    except sms.SmsUnavailable:
        return "failed"
    return "sent"


def _record(desk: Desk, ticket_id: int, status: str) -> None:
    with desk.session() as db:
        service.record_sms(db, ticket_id=ticket_id, status=status)
