"""The WeChat webhook on the real app (SQLite, embedded Redis), against the WeChat stand-in.

Requests are built and signed with wechatpy's crypto (tests/support/wechat_standin.py).
Rasa is down in these tests (the bot's apology is the reply); the live bot
over WeChat is tested in tests/e2e/test_wechat.py.
"""

import itertools
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from wechatpy.crypto import WeChatCrypto

from handoff.app import create_app
from handoff.conversations.models import Conversation, Message, Role, State
from handoff.conversations.relay import BOT_DOWN
from handoff.shop.seed import DEMO_WECHAT_APP_ID, DEMO_WECHAT_OPENID
from handoff.wechat.models import WechatDelivery, WechatUser
from handoff.wechat.service import MEDIA_PROMPT
from tests.handoff.conftest import AUTH, Staff
from tests.support.servers import free_port, poll
from tests.support.wechat_standin import WechatStandin, cdata, message_xml, new_account, sign

ACCOUNT = new_account(DEMO_WECHAT_APP_ID)
OTHER = new_account("wx00000000000other")
_ids = itertools.count(int(time.time() * 1000))


@pytest.fixture(scope="module")
def standin():
    with WechatStandin([ACCOUNT, OTHER], free_port()) as s:
        yield s


@pytest.fixture
def client(settings, standin):
    settings = settings.model_copy(update={"wechat_accounts": [ACCOUNT], "wechat_api_base": standin.url})
    with TestClient(create_app(settings), headers=AUTH) as c:
        yield c


def text(openid: str, content: str, msg_id: int | None = None) -> str:
    return message_xml(openid, "text", {"Content": content}, msg_id=msg_id or next(_ids))


def user(n: int) -> str:
    return f"oTestUser{n:019d}"


def stored(db, conv_id: str | None = None, role: Role | None = None) -> list[Message]:
    query = select(Message).join(Conversation).where(Conversation.channel == "wechat").order_by(Message.id)
    if conv_id:
        query = query.where(Message.conversation_id == conv_id)
    if role:
        query = query.where(Message.role == role)
    db.expire_all()
    return list(db.scalars(query))


def conversation_of(db, openid: str) -> Conversation:
    db.expire_all()
    wx = db.scalar(select(WechatUser).where(WechatUser.openid == openid))
    return db.get(Conversation, wx.conversation_id)




def take(agent: Staff, db, conv_id: str) -> None:
    """The agent gets the conversation: by claiming it, or by auto-assignment when they go online."""
    agent.presence("online")
    agent.post(f"/api/console/conversations/{conv_id}/claim")  # 409 if already assigned to them
    poll(lambda: (db.expire_all(), db.get(Conversation, conv_id))[1].agent_id == agent.id)


def with_an_agent(client, db, standin, openid: str) -> tuple[Conversation, Staff]:
    """The customer presses the menu's 转人工 and agent 小美 takes them."""
    standin.state.push(client, ACCOUNT, message_xml(openid, "event", {"Event": "CLICK", "EventKey": "HUMAN"}))
    conv = conversation_of(db, openid)
    agent = Staff(client, "xiaomei", "agent123")
    take(agent, db, conv.id)
    return conv, agent


def test_url_verification_echoes_only_with_the_right_signature(client):
    params = {"timestamp": "1700000000", "nonce": "abc", "echostr": "8412783626173409"}
    good = client.get(f"/wechat/{ACCOUNT.app_id}", params=params | {"signature": sign(ACCOUNT.token, "1700000000", "abc")})
    assert good.status_code == 200 and good.text == "8412783626173409"
    bad = client.get(f"/wechat/{ACCOUNT.app_id}", params=params | {"signature": sign("wrong", "1700000000", "abc")})
    assert bad.status_code == 403 and "8412783626173409" not in bad.text
    assert client.get("/wechat/wxunknown", params=params).status_code == 404


@pytest.mark.parametrize("encrypted", [False, True], ids=["plaintext", "safe-mode"])
def test_a_text_message_is_stored_and_answered_passively(client, db, standin, encrypted):
    openid = user(1 + encrypted)
    pushed = standin.state.push(client, ACCOUNT, text(openid, "我的快递到哪了"), encrypted=encrypted)
    assert pushed.status == 200 and pushed.content is not None
    assert BOT_DOWN in pushed.content and "您可以回复：转人工" in pushed.content  # Rasa is down here
    if encrypted:
        assert "<Encrypt>" in pushed.body and "快递" not in pushed.body
    conv = conversation_of(db, openid)
    assert conv.channel == "wechat"
    assert [m.text for m in stored(db, conv.id, Role.customer)] == ["我的快递到哪了"]
    statuses = db.scalars(select(WechatDelivery.status).where(WechatDelivery.conversation_id == conv.id)).all()
    assert statuses == ["passive"]
    assert standin.state.messages_to(openid) == []  # nothing sent twice through the API


def test_the_same_message_three_times_is_handled_once(client, db, standin):
    openid, msg_id = user(3), next(_ids)
    answers = [standin.state.push(client, ACCOUNT, text(openid, "请问怎么退货", msg_id), encrypted=True)
               for _ in range(3)]
    assert {a.content for a in answers} == {answers[0].content} and answers[0].content
    conv = conversation_of(db, openid)
    assert len(stored(db, conv.id, Role.customer)) == 1
    assert len([m for m in stored(db, conv.id) if m.role != Role.customer]) == 1
    time.sleep(0.5)  # the outbox had its chance to (wrongly) send it again
    assert standin.state.messages_to(openid) == []


def test_events_are_deduplicated_by_sender_and_create_time(client, db, standin):
    openid = user(4)
    event = message_xml(openid, "event", {"Event": "subscribe", "EventKey": ""}, create_time=1700000123)
    first = standin.state.push(client, ACCOUNT, event)
    again = standin.state.push(client, ACCOUNT, event)
    assert "欢迎关注" in first.content and "查物流" in first.content and again.content == first.content
    assert len(stored(db, conversation_of(db, openid).id)) == 1


def test_a_wrong_signature_is_refused_and_nothing_is_stored(client, db):
    xml = text(user(5), "你好")
    params = {"timestamp": "1700000000", "nonce": "n", "signature": sign("not-the-token", "1700000000", "n")}
    response = client.post(f"/wechat/{ACCOUNT.app_id}", params=params, content=xml.encode())
    assert response.status_code == 403
    unsigned = client.post(f"/wechat/{ACCOUNT.app_id}", content=xml.encode())
    assert unsigned.status_code == 403
    crypto = WeChatCrypto(ACCOUNT.token, ACCOUNT.encoding_aes_key, ACCOUNT.app_id)
    envelope = crypto.encrypt_message(xml, "n", "1700000000")
    safe = client.post(f"/wechat/{ACCOUNT.app_id}", content=envelope.encode(),
                       params=params | {"encrypt_type": "aes", "msg_signature": "0" * 40})
    assert safe.status_code == 403
    assert stored(db) == [] and db.scalar(select(func.count()).select_from(WechatUser)) == 0


def test_a_message_encrypted_for_another_app_id_is_refused(client, db):
    # Same token and key, but the AppID inside the ciphertext is another account's.
    crypto = WeChatCrypto(ACCOUNT.token, ACCOUNT.encoding_aes_key, OTHER.app_id)
    envelope = crypto.encrypt_message(text(user(6), "你好"), "nonce1", "1700000000")
    encrypt = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    params = {"timestamp": "1700000000", "nonce": "nonce1", "encrypt_type": "aes",
              "msg_signature": sign(ACCOUNT.token, "1700000000", "nonce1", encrypt),
              "signature": sign(ACCOUNT.token, "1700000000", "nonce1")}
    response = client.post(f"/wechat/{ACCOUNT.app_id}", params=params, content=envelope.encode())
    assert response.status_code == 403 and "AppID" in response.text
    assert stored(db) == []


def signed(body: str) -> dict:
    return {"timestamp": "1700000000", "nonce": "n", "signature": sign(ACCOUNT.token, "1700000000", "n")}


@pytest.mark.parametrize("body", [
    "<xml><ToUserName>gh</ToUserName><FromUserName>o",  # cut off
    "not xml at all",
    "<root><MsgType>text</MsgType></root>",  # not WeChat's <xml>
    "<xml><Content>no sender, no type</Content></xml>",
], ids=["truncated", "garbage", "wrong-root", "missing-fields"])
def test_malformed_xml_is_refused(client, db, body):
    response = client.post(f"/wechat/{ACCOUNT.app_id}", params=signed(body), content=body.encode())
    assert response.status_code == 400
    assert stored(db) == []


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "哈哈哈哈哈哈哈哈哈哈">'
          + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
          + ']><xml><ToUserName>gh</ToUserName><FromUserName>oLaugh</FromUserName><CreateTime>1</CreateTime>'
          '<MsgType>text</MsgType><Content>&i;</Content><MsgId>1</MsgId></xml>')
XXE = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       '<xml><ToUserName>gh</ToUserName><FromUserName>oXxe</FromUserName><CreateTime>1</CreateTime>'
       '<MsgType>text</MsgType><Content>&x;</Content><MsgId>2</MsgId></xml>')


@pytest.mark.parametrize("body", [LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
@pytest.mark.parametrize("encrypted", [False, True], ids=["plaintext", "safe-mode"])
def test_entity_payloads_are_refused_without_expansion(client, db, body, encrypted):
    params = signed(body)
    content = body
    if encrypted:
        crypto = WeChatCrypto(ACCOUNT.token, ACCOUNT.encoding_aes_key, ACCOUNT.app_id)
        content = crypto.encrypt_message(body, "n", "1700000000")
        encrypt = content.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
        params |= {"encrypt_type": "aes", "msg_signature": sign(ACCOUNT.token, "1700000000", "n", encrypt)}
    started = time.perf_counter()
    response = client.post(f"/wechat/{ACCOUNT.app_id}", params=params, content=content.encode())
    assert response.status_code == 400 and time.perf_counter() - started < 5
    assert "哈哈" not in response.text and "root:" not in response.text
    assert stored(db) == []


def test_an_oversized_body_is_refused_before_parsing(client, db):
    body = text(user(7), "长" * 40_000)  # 120 KB of UTF-8
    response = client.post(f"/wechat/{ACCOUNT.app_id}", params=signed(body), content=body.encode())
    assert response.status_code == 413
    assert stored(db) == []


def test_pictures_ask_for_words_and_the_agent_sees_the_media_id(client, db, standin):
    openid = user(8)
    image = message_xml(openid, "image", {"PicUrl": "http://mmbiz.example/pic.jpg", "MediaId": "MEDIA_abc123"},
                        msg_id=next(_ids))
    pushed = standin.state.push(client, ACCOUNT, image)
    assert MEDIA_PROMPT in pushed.content
    file = message_xml(openid, "file", {"Title": "发票.pdf", "MediaId": "FILE_9", "FileKey": "k"}, msg_id=next(_ids))
    assert MEDIA_PROMPT in standin.state.push(client, ACCOUNT, file).content
    conv = conversation_of(db, openid)
    assert [m.text for m in stored(db, conv.id, Role.customer)] == ["[图片] media_id=MEDIA_abc123",
                                                                   "[文件] media_id=FILE_9"]


def test_voice_uses_wechats_recognition(client, db, standin):
    openid = user(9)
    voice = message_xml(openid, "voice", {"MediaId": "VOICE_1", "Format": "amr", "Recognition": "我要退货"},
                        msg_id=next(_ids))
    standin.state.push(client, ACCOUNT, voice)
    silent = message_xml(openid, "voice", {"MediaId": "VOICE_2", "Format": "amr"}, msg_id=next(_ids))
    assert MEDIA_PROMPT in standin.state.push(client, ACCOUNT, silent).content
    conv = conversation_of(db, openid)
    assert [m.text for m in stored(db, conv.id, Role.customer)] == ["我要退货", "[语音] media_id=VOICE_2"]


def test_a_bound_openid_is_the_shops_customer_and_others_are_anonymous(client, db, standin):
    standin.state.push(client, ACCOUNT, text(DEMO_WECHAT_OPENID, "你好"))
    standin.state.push(client, ACCOUNT, text(user(10), "你好"))
    assert conversation_of(db, DEMO_WECHAT_OPENID).customer_id == "C001"
    assert conversation_of(db, user(10)).customer_id is None
    # The shop binds the second one later: their conversation knows them from the next message.
    assert client.put("/api/shop/wechat-bindings", json={"app_id": ACCOUNT.app_id, "openid": user(10),
                                                         "customer_id": "C002"}).status_code == 204
    standin.state.push(client, ACCOUNT, text(user(10), "在吗"))
    assert conversation_of(db, user(10)).customer_id == "C002"


def test_menu_click_to_a_human_and_the_agents_reply_goes_out_as_a_customer_service_message(client, db, standin):
    openid = user(11)
    click = message_xml(openid, "event", {"Event": "CLICK", "EventKey": "HUMAN"})
    pushed = standin.state.push(client, ACCOUNT, click)
    assert "人工客服" in pushed.content  # the bot is down: the desk queues the customer itself
    conv = conversation_of(db, openid)
    assert conv.state in (State.queued, State.with_agent)
    agent = Staff(client, "xiaomei", "agent123")
    take(agent, db, conv.id)
    fetches = standin.state.token_fetches
    for words in ("您好，我是客服小美", "请问有什么可以帮您？"):
        assert agent.post(f"/api/console/conversations/{conv.id}/messages", {"text": words}).status_code == 201
    poll(lambda: "请问有什么可以帮您？" in "".join(standin.state.messages_to(openid)))
    time.sleep(0.3)
    said = "\n\n".join(standin.state.messages_to(openid))  # in order, each once (joined when sent together)
    assert said == "客服小美已接入，正在为您服务。\n\n您好，我是客服小美\n\n请问有什么可以帮您？"
    assert standin.state.token_fetches - fetches <= 1  # cached, not fetched per message
    # WeChat revokes the token (someone fetched a new one elsewhere): refetched once, then sent.
    standin.state.revoke_tokens()
    agent.post(f"/api/console/conversations/{conv.id}/messages", {"text": "已为您查询"})
    poll(lambda: "已为您查询" in standin.state.messages_to(openid))
    assert any(r["errcode"] == 40001 for r in standin.state.refused)


def test_outside_the_48_hour_window_the_console_shows_the_reply_as_undeliverable(client, db, standin):
    openid = user(12)
    conv, agent = with_an_agent(client, db, standin, openid)
    poll(lambda: any("已接入" in t for t in standin.state.messages_to(openid)))  # before the clocks move
    # WeChat's clock: the customer last wrote 49 hours ago (the desk's record too).
    standin.state.interacted(ACCOUNT.app_id, openid, time.time() - 49 * 3600)
    wx = db.scalar(select(WechatUser).where(WechatUser.openid == openid))
    wx.last_inbound_at -= timedelta(hours=49)
    db.commit()
    reply = agent.post(f"/api/console/conversations/{conv.id}/messages", {"text": "您好，还在吗？"}).json()

    def marked():
        detail = agent.get(f"/api/console/conversations/{conv.id}").json()
        return next((m for m in detail["messages"] if m["id"] == reply["id"] and m["delivery"]), None)

    message = poll(marked)
    assert message["delivery"]["status"] == "undeliverable" and "48 小时" in message["delivery"]["detail"]
    assert "您好，还在吗？" not in standin.state.messages_to(openid)
    # The desk's record was stale but WeChat's was not checked: WeChat's own 45015 is handled the same way.
    wx.last_inbound_at += timedelta(hours=49)
    db.commit()
    second = agent.post(f"/api/console/conversations/{conv.id}/messages", {"text": "第二条"}).json()
    poll(lambda: any(r["errcode"] == 45015 and "第二条" in r["body"] for r in standin.state.refused))

    def second_delivery():
        db.expire_all()
        delivery = db.get(WechatDelivery, second["id"])
        return delivery if delivery is not None and delivery.status != "sending" else None

    assert poll(second_delivery).status == "undeliverable"


def test_the_survey_goes_out_on_wechat_and_is_answered_with_a_digit(client, db, standin):
    openid = user(13)
    conv, agent = with_an_agent(client, db, standin, openid)
    assert agent.post(f"/api/console/conversations/{conv.id}/resolve").status_code == 200
    survey = poll(lambda: [t for t in standin.state.messages_to(openid) if "回复数字 1-5" in t])
    assert "5 非常满意" in survey[0] and "★" not in survey[0]  # the digits, not the widget's buttons
    answered = standin.state.push(client, ACCOUNT, text(openid, "5"))
    assert "问题解决了吗" in answered.content
    ratings = [m.text for m in stored(db, conv.id, Role.customer)]
    assert ratings[-1] == "5"


def test_unknown_account_is_404(client):
    assert client.post("/wechat/wxnobody", content=b"<xml/>").status_code == 404


def test_the_passive_reply_xml_is_what_wechat_expects(client, standin):
    openid = user(14)
    pushed = standin.state.push(client, ACCOUNT, text(openid, "你好"))
    assert pushed.body.startswith("<xml>") and cdata(openid) in pushed.body and "<MsgType><![CDATA[text]]>" in pushed.body


def test_a_message_left_sending_by_a_stopped_desk_is_shown_as_failed(client, db, standin):
    openid = user(15)
    conv, agent = with_an_agent(client, db, standin, openid)
    reply = agent.post(f"/api/console/conversations/{conv.id}/messages", {"text": "稍等"}).json()
    delivered = lambda: (db.expire_all(), db.get(WechatDelivery, reply["id"]))[1]  # noqa: E731
    delivery = poll(lambda: delivered() if delivered() and delivered().status == "sent" else None)
    # As if the process that claimed it died before WeChat answered.
    delivery.status, delivery.updated_at = "sending", delivery.updated_at - timedelta(minutes=5)
    db.commit()

    def marked():
        detail = agent.get(f"/api/console/conversations/{conv.id}").json()
        return next((m["delivery"] for m in detail["messages"] if m["id"] == reply["id"] and m["delivery"]), None)

    assert poll(marked)["status"] == "failed"
