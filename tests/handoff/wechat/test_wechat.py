"""The WeChat webhook on the real app (SQLite, embedded Redis), against the WeChat stand-in.

Requests are built and signed with wechatpy's crypto (tests/support/wechat_standin.py).
Rasa is down in these tests (the bot's apology is the reply); the live bot
over WeChat is tested in tests/e2e/test_wechat.py.
"""

import io
import itertools
import json
import logging
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from wechatpy.crypto import WeChatCrypto

from handoff.app import create_app
from handoff.conversations.models import Conversation, Message, Role, State
from handoff.conversations.flows import BOT_DOWN
from handoff.shop.seed import DEMO_WECHAT_APP_ID, DEMO_WECHAT_OPENID
from handoff.wechat.models import WechatDelivery, WechatUser
from handoff.wechat.service import MEDIA_PROMPT
from handoff.attachments.service import path_of as attachment_path
from tests.handoff.attachments.images import PDF, decompression_bomb, jpeg_with_location, png
from tests.handoff.conftest import AUTH, Staff
from tests.support.servers import free_port, poll
from tests.support.wechat_standin import WechatStandin, cdata, message_xml, new_account, sign

ACCOUNT = new_account(DEMO_WECHAT_APP_ID)  # 安全模式: has an EncodingAESKey
OTHER = new_account("wx00000000000other")
PLAIN = new_account("wx00000000000plain", safe_mode=False)  # 明文模式 only
COMPAT = new_account("wx0000000000compat", compatible_mode=True)  # has a key, still accepts plaintext
_ids = itertools.count(int(time.time() * 1000))


@pytest.fixture(scope="module")
def standin():
    with WechatStandin([ACCOUNT, OTHER, PLAIN, COMPAT], free_port()) as s:
        yield s


def app_client(settings, standin, **update):
    update = {"wechat_accounts": [ACCOUNT, PLAIN, COMPAT], "wechat_api_base": standin.url} | update
    return TestClient(create_app(settings.model_copy(update=update)), headers=AUTH)


@pytest.fixture
def client(settings, standin):
    with app_client(settings, standin) as c:
        yield c


def now(offset: int = 0) -> str:
    """A timestamp as WeChat signs it: whole seconds, ``offset`` from now."""
    return str(int(time.time()) + offset)


def signed(account=ACCOUNT, timestamp: str | None = None, nonce: str = "n") -> dict:
    """The query of a plaintext POST (or the GET URL check), signed with the account's token."""
    timestamp = now() if timestamp is None else timestamp
    return {"timestamp": timestamp, "nonce": nonce, "signature": sign(account.token, timestamp, nonce)}


def safe_mode(account, xml: str, timestamp: str | None = None, app_id: str | None = None) -> tuple[dict, str]:
    """The query and the body of a safe-mode POST: ``xml`` encrypted (for ``app_id``, by default the account's)."""
    params = signed(account, timestamp)
    crypto = WeChatCrypto(account.token, account.encoding_aes_key, app_id or account.app_id)
    envelope = crypto.encrypt_message(xml, params["nonce"], params["timestamp"])
    encrypt = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    msg_signature = sign(account.token, params["timestamp"], params["nonce"], encrypt)
    return params | {"encrypt_type": "aes", "msg_signature": msg_signature}, envelope


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
    timestamp = now()
    params = {"timestamp": timestamp, "nonce": "abc", "echostr": "8412783626173409"}
    good = client.get(f"/wechat/{ACCOUNT.app_id}", params=params | {"signature": sign(ACCOUNT.token, timestamp, "abc")})
    assert good.status_code == 200 and good.text == "8412783626173409"
    bad = client.get(f"/wechat/{ACCOUNT.app_id}", params=params | {"signature": sign("wrong", timestamp, "abc")})
    assert bad.status_code == 403 and "8412783626173409" not in bad.text
    assert client.get("/wechat/wxunknown", params=params).status_code == 404


def bad_timestamp(value: int | str) -> str:
    """A number is seconds from now (taken when the test runs, not when it is collected)."""
    return now(value) if isinstance(value, int) else value


@pytest.mark.parametrize("timestamp", [-600, 600, "", "17e8", "-1"],
                         ids=["ten-minutes-old", "ten-minutes-ahead", "missing", "not-a-number", "negative"])
def test_url_verification_refuses_a_stale_or_missing_timestamp(client, caplog, timestamp):
    # Validly signed, timestamp included: only the timestamp is wrong.
    params = signed(ACCOUNT, bad_timestamp(timestamp))
    params = {"echostr": "8412783626173409"} | {k: v for k, v in params.items() if v}
    with caplog.at_level(logging.WARNING, logger="handoff.wechat.routes"):
        response = client.get(f"/wechat/{ACCOUNT.app_id}", params=params)
    assert response.status_code == 403 and "时间戳" in response.text and "8412783626173409" not in response.text
    assert f"{ACCOUNT.app_id} refused: timestamp" in caplog.text


def test_the_allowed_clock_skew_is_a_setting(settings, standin):
    with app_client(settings, standin, wechat_max_clock_skew_seconds=30) as client:
        late = client.get(f"/wechat/{ACCOUNT.app_id}", params=signed(ACCOUNT, now(-60)) | {"echostr": "e1"})
        assert late.status_code == 403
        recent = client.get(f"/wechat/{ACCOUNT.app_id}", params=signed(ACCOUNT, now(-10)) | {"echostr": "e2"})
        assert recent.status_code == 200 and recent.text == "e2"


@pytest.mark.parametrize("timestamp", [-600, 600, "", "abc"],
                         ids=["ten-minutes-old", "ten-minutes-ahead", "missing", "not-a-number"])
@pytest.mark.parametrize("encrypted", [False, True], ids=["plaintext", "safe-mode"])
def test_a_message_with_a_stale_or_missing_timestamp_is_refused(client, db, caplog, timestamp, encrypted):
    openid, timestamp = user(20 + encrypted), bad_timestamp(timestamp)
    xml = text(openid, "你好")
    if encrypted:
        params, body = safe_mode(ACCOUNT, xml, timestamp)
    else:
        params, body = signed(PLAIN, timestamp), xml
    params = {k: v for k, v in params.items() if v} | {"openid": openid}  # WeChat sends the OpenID too
    with caplog.at_level(logging.WARNING, logger="handoff.wechat.routes"):
        response = client.post(f"/wechat/{(ACCOUNT if encrypted else PLAIN).app_id}", params=params,
                               content=body.encode())
    assert response.status_code == 403 and response.json() == {"detail": "时间戳无效或与服务器时间相差过大", "code": "bad_timestamp"}
    assert "refused: timestamp" in caplog.text and openid not in caplog.text  # no personal data in the log
    assert stored(db) == []


@pytest.mark.parametrize("offset", [-240, 240], ids=["four-minutes-late", "four-minutes-ahead"])
def test_a_clock_a_few_minutes_off_is_still_accepted(client, db, offset):
    openid = user(22)
    params, body = safe_mode(ACCOUNT, text(openid, "你好"), now(offset))
    response = client.post(f"/wechat/{ACCOUNT.app_id}", params=params, content=body.encode())
    assert response.status_code == 200 and "<Encrypt>" in response.text
    assert [m.text for m in stored(db, role=Role.customer)] == ["你好"]


def test_plaintext_is_refused_for_an_account_with_an_aes_key(client, db, standin, caplog):
    openid = user(23)
    with caplog.at_level(logging.WARNING, logger="handoff.wechat.routes"):
        pushed = standin.state.push(client, ACCOUNT, text(openid, "你好"), encrypted=False)  # as in 明文模式
    assert pushed.status == 403 and json.loads(pushed.body) == {"detail": "该公众号要求加密消息", "code": "encryption_required"}
    assert "plaintext WeChat message on" in caplog.text and openid not in caplog.text
    assert stored(db) == []
    # The same account encrypted (安全模式) is fine.
    assert standin.state.push(client, ACCOUNT, text(openid, "你好")).status == 200
    assert [m.text for m in stored(db, role=Role.customer)] == ["你好"]


def test_an_account_in_compatible_mode_still_accepts_plaintext(client, db, standin):
    openid = user(24)
    pushed = standin.state.push(client, COMPAT, text(openid, "明文消息"), encrypted=False)
    assert pushed.status == 200 and BOT_DOWN in pushed.content and "<Encrypt>" not in pushed.body
    encrypted = standin.state.push(client, COMPAT, text(openid, "密文消息"))  # 兼容模式: both copies
    assert encrypted.status == 200 and "<Encrypt>" in encrypted.body and BOT_DOWN in encrypted.content
    assert [m.text for m in stored(db, role=Role.customer)] == ["明文消息", "密文消息"]


def test_in_compatible_mode_only_the_signed_ciphertext_counts(client, db):
    # The plaintext copy beside <Encrypt> is not covered by msg_signature: it is ignored.
    openid = user(25)
    params, envelope = safe_mode(COMPAT, text(openid, "密文里的话"))
    encrypt = envelope.split("<Encrypt>")[1].split("</Encrypt>")[0]
    body = text(openid, "被改过的明文").removesuffix("</xml>") + f"<Encrypt>{encrypt}</Encrypt></xml>"
    response = client.post(f"/wechat/{COMPAT.app_id}", params=params, content=body.encode())
    assert response.status_code == 200
    assert [m.text for m in stored(db, role=Role.customer)] == ["密文里的话"]


@pytest.mark.parametrize("account", [PLAIN, ACCOUNT, COMPAT], ids=["plaintext", "safe-mode", "compatible-mode"])
def test_a_text_message_is_stored_and_answered_passively(client, db, standin, account):
    openid = user(1 if account is PLAIN else 2 if account is ACCOUNT else 16)
    pushed = standin.state.push(client, account, text(openid, "我的快递到哪了"))  # encrypted when it has a key
    assert pushed.status == 200 and pushed.content is not None
    assert BOT_DOWN in pushed.content and "您可以回复：转人工" in pushed.content  # Rasa is down here
    if account.encoding_aes_key:
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
    timestamp = now()
    params = {"timestamp": timestamp, "nonce": "n", "signature": sign("not-the-token", timestamp, "n")}
    response = client.post(f"/wechat/{PLAIN.app_id}", params=params, content=xml.encode())
    assert response.status_code == 403 and response.json()["detail"] == "签名错误"
    unsigned = client.post(f"/wechat/{PLAIN.app_id}", content=xml.encode())
    assert unsigned.status_code == 403 and unsigned.json()["detail"] == "签名错误"
    safe_params, envelope = safe_mode(ACCOUNT, xml)
    safe = client.post(f"/wechat/{ACCOUNT.app_id}", content=envelope.encode(),
                       params=safe_params | {"msg_signature": "0" * 40})
    assert safe.status_code == 403 and safe.json()["detail"] == "签名错误"
    assert stored(db) == [] and db.scalar(select(func.count()).select_from(WechatUser)) == 0


def test_a_message_encrypted_for_another_app_id_is_refused(client, db):
    # Same token and key, but the AppID inside the ciphertext is another account's.
    params, envelope = safe_mode(ACCOUNT, text(user(6), "你好"), app_id=OTHER.app_id)
    response = client.post(f"/wechat/{ACCOUNT.app_id}", params=params, content=envelope.encode())
    assert response.status_code == 403 and "AppID" in response.text
    assert stored(db) == []


@pytest.mark.parametrize("body", [
    "<xml><ToUserName>gh</ToUserName><FromUserName>o",  # cut off
    "not xml at all",
    "<root><MsgType>text</MsgType></root>",  # not WeChat's <xml>
    "<xml><Content>no sender, no type</Content></xml>",
], ids=["truncated", "garbage", "wrong-root", "missing-fields"])
def test_malformed_xml_is_refused(client, db, body):
    response = client.post(f"/wechat/{PLAIN.app_id}", params=signed(PLAIN), content=body.encode())
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
    account = ACCOUNT if encrypted else PLAIN
    params, content = safe_mode(ACCOUNT, body) if encrypted else (signed(PLAIN), body)
    started = time.perf_counter()
    response = client.post(f"/wechat/{account.app_id}", params=params, content=content.encode())
    assert response.status_code == 400 and time.perf_counter() - started < 5
    assert "哈哈" not in response.text and "root:" not in response.text
    assert stored(db) == []


def test_an_oversized_body_is_refused_before_parsing(client, db):
    body = text(user(7), "长" * 40_000)  # 120 KB of UTF-8
    response = client.post(f"/wechat/{ACCOUNT.app_id}", params=signed(ACCOUNT), content=body.encode())
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


def test_a_followers_photo_is_fetched_from_the_media_api_re_encoded_and_shown_to_the_agent(client, db, standin,
                                                                                           settings):
    openid = user(30)
    media_id = standin.state.add_media(jpeg_with_location(), "image/jpeg")
    photo = message_xml(openid, "image", {"PicUrl": "http://mmbiz.example/p.jpg", "MediaId": media_id},
                        msg_id=next(_ids))
    pushed = standin.state.push(client, ACCOUNT, photo)
    assert pushed.content.startswith("收到您的图片了") and "media_id" not in pushed.content
    conv = conversation_of(db, openid)
    (message,) = stored(db, conv.id, Role.customer)
    assert message.text == "[图片]" and message.attachment.kind == "image"
    kept = Image.open(attachment_path(settings, message.attachment_id))
    assert kept.size == (20, 40) and not kept.getexif()  # upright, the location gone
    staff = Staff(client, "admin", "admin123")
    assert staff.get(f"/api/console/attachments/{message.attachment_id}").status_code == 200
    # A photo the desk refuses: the customer is told why, the agent sees that one came.
    bomb = message_xml(openid, "image", {"MediaId": standin.state.add_media(decompression_bomb(7000), "image/png")},
                       msg_id=next(_ids))
    assert "这张图片无法接收：图片尺寸太大" in standin.state.push(client, ACCOUNT, bomb).content
    assert stored(db, conv.id, Role.customer)[-1].text.startswith("[图片] media_id=")


def test_an_agents_photo_reaches_the_follower_as_an_image_message(client, db, standin):
    openid = user(31)
    standin.state.push(client, ACCOUNT, text(openid, "你好"))
    conv, agent = with_an_agent(client, db, standin, openid)
    sent = agent.client.post(f"/api/console/conversations/{conv.id}/attachments", content=png(),
                             headers={**agent.cookie, "X-File-Name": "tip.png"})
    assert sent.status_code == 201, sent.text
    (image,) = poll(lambda: standin.state.images_to(openid))
    assert Image.open(io.BytesIO(image)).format == "JPEG"  # what the desk stored, uploaded as WeChat media
    assert "[图片]" not in standin.state.messages_to(openid)
    # WeChat's customer-service messages carry no files: refused before anything is stored.
    pdf = agent.client.post(f"/api/console/conversations/{conv.id}/attachments", content=PDF,
                            headers={**agent.cookie, "X-File-Name": "invoice.pdf"})
    assert pdf.status_code == 400 and pdf.json()["detail"] == "微信公众号只能给客户发图片，不能发文件，请改发图片或文字"


def test_a_follower_leaves_a_message_after_hours_and_the_answer_comes_as_a_customer_service_message(
        settings, standin):
    with app_client(settings, standin, business_hours="00:00-00:01", business_days="8") as client, \
            client.app.state.session_factory() as db:
        openid = user(32)
        human = message_xml(openid, "event", {"Event": "CLICK", "EventKey": "HUMAN"})
        assert "回复“留言+您的问题”给我们留言" in standin.state.push(client, ACCOUNT, human).content
        left = standin.state.push(client, ACCOUNT, text(openid, "留言 明天下午请联系我，退货的事"))
        assert left.content == "已收到您的留言，客服会尽快回复，回复会发到这里。"
        agent = Staff(client, "xiaomei", "agent123")
        (ticket,) = agent.get("/api/console/tickets").json()
        assert (ticket["text"], ticket["channel"]) == ("明天下午请联系我，退货的事", "wechat")
        answered = agent.post(f"/api/console/tickets/{ticket['id']}/answer", {"text": "已为您登记，明天下午联系您"})
        assert answered.json()["delivery"] == ["已通过公众号客服消息发给客户"]
        expected = "关于您的留言“明天下午请联系我，退货的事”：\n已为您登记，明天下午联系您"
        assert poll(lambda: expected in standin.state.messages_to(openid))
        # Three days later WeChat no longer takes customer-service messages: the agent is told.
        standin.state.push(client, ACCOUNT, text(openid, "留言 还有一个问题"))
        follower = db.scalar(select(WechatUser).where(WechatUser.openid == openid))
        follower.last_inbound_at -= timedelta(days=3)
        db.commit()
        standin.state.interacted(ACCOUNT.app_id, openid, time.time() - 3 * 86400)
        (late,) = agent.get("/api/console/tickets").json()
        delivery = agent.post(f"/api/console/tickets/{late['id']}/answer", {"text": "好的"}).json()["delivery"]
        assert delivery[0].startswith("客户超过 48 小时没有在公众号发消息")


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
    pushed = standin.state.push(client, PLAIN, text(openid, "你好"))
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
