"""Photos and files in chat (handoff/attachments/): what is accepted, what is stored, who reads it."""

import io
from urllib.parse import quote

import pytest
from PIL import Image

from handoff.core.signing import sign_customer
from tests.handoff.attachments.images import (
    PDF,
    PHP_AS_JPG,
    SVG_WITH_SCRIPT,
    decompression_bomb,
    jpeg_with_location,
    png,
)
from tests.handoff.conftest import Customer, Staff, handoff

ALLOWED = "只能发送 JPG、PNG、GIF、WEBP 格式的图片或 PDF 文件"


def upload(customer: Customer, data, name: str = "photo.jpg", client_id: str | None = None, token=None):
    headers = {"X-Chat-Token": token or customer.token, "X-File-Name": quote(name),
               "Content-Type": "application/octet-stream"}
    if client_id:
        headers["X-Client-Id"] = client_id
    return customer.client.post(f"/api/chat/conversations/{customer.id}/attachments", content=data,
                                headers=headers)


def stored_files(settings) -> list:
    return sorted(p for p in settings.uploads_dir.rglob("*") if p.is_file()) if settings.uploads_dir.exists() else []


def test_a_photo_is_re_encoded_upright_without_its_location_and_only_its_conversation_reads_it(client, settings):
    customer = Customer(client)
    original = jpeg_with_location(40, 20) + b"<?php system($_GET['c']); ?>"  # a polyglot tail
    response = upload(customer, original, name="IMG_0001.jpg")
    assert response.status_code == 201, response.text
    message, (reply,) = response.json()["message"], response.json()["replies"]
    attachment = message["attachment"]
    assert message["text"] == "[图片]" and message["role"] == "customer"
    assert (attachment["kind"], attachment["content_type"], attachment["name"]) == ("image", "image/jpeg", "IMG_0001.jpg")
    assert (attachment["width"], attachment["height"]) == (20, 40)  # turned as the phone held it
    assert "看不懂图片" in reply["text"] and reply["buttons"][0]["title"] == "转人工"

    url = f"/api/chat/conversations/{customer.id}/attachments/{attachment['id']}"
    full = client.get(url, headers=customer.headers)
    assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
    assert full.headers["x-content-type-options"] == "nosniff" and "sandbox" in full.headers["content-security-policy"]
    stored = Image.open(io.BytesIO(full.content))
    assert stored.size == (20, 40) and not stored.getexif() and "exif" not in stored.info
    assert b"<?php" not in full.content and b"TestPhone" not in full.content
    thumb = client.get(url, params={"size": "thumb"}, headers=customer.headers)
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.content)).size) <= 320

    # Stored outside every static folder, under a random name (not the sender's).
    files = stored_files(settings)
    assert len(files) == 2 and all(settings.uploads_dir in f.parents and "IMG_0001" not in f.name for f in files)

    # Another customer's token, no token, another conversation's path: refused.
    other = Customer(client)
    assert client.get(url, headers=other.headers).status_code == 403
    assert client.get(url, headers={"X-Chat-Token": ""}).status_code == 403
    wrong_conv = f"/api/chat/conversations/{other.id}/attachments/{attachment['id']}"
    assert client.get(wrong_conv, headers=other.headers).status_code == 404
    # Agents read any conversation's; nobody else through the console's path.
    staff = Staff(client, "admin", "admin123")
    assert staff.get(f"/api/console/attachments/{attachment['id']}").content == full.content
    client.cookies.clear()
    assert client.get(f"/api/console/attachments/{attachment['id']}").status_code == 401
    # The transcript carries it for the widget.
    (listed,) = [m for m in customer.messages() if m["role"] == "customer"]
    assert listed["attachment"]["id"] == attachment["id"]


@pytest.mark.parametrize("name, data, status, detail", [
    ("shell.php.jpg", PHP_AS_JPG, 415, ALLOWED),
    ("logo.svg", SVG_WITH_SCRIPT, 415, ALLOWED),
    ("photo.jpg", SVG_WITH_SCRIPT, 415, ALLOWED),  # the name says JPG: the bytes decide
    # 900 million pixels in 110 KB: refused by the image library's own guard before decoding.
    ("bomb.png", decompression_bomb(30_000), 415, "图片尺寸太大，请截图或压缩后再发送"),
    # 49 million: under that guard, over the desk's max_image_pixels, refused from the header.
    ("big.png", decompression_bomb(7_000), 415, "图片尺寸太大（7000×7000 像素），请截图或压缩后再发送"),
    ("broken.jpg", jpeg_with_location()[:200], 415, "图片已损坏，无法打开，请重新拍照或截图后发送"),
    ("empty.jpg", b"", 400, "文件是空的"),
])
def test_what_is_not_a_picture_or_a_pdf_is_refused_in_chinese_and_nothing_is_kept(client, settings, name, data,
                                                                                  status, detail):
    customer = Customer(client)
    response = upload(customer, data, name=name)
    assert (response.status_code, response.json()["detail"]) == (status, detail)
    assert [m["role"] for m in customer.messages()] == ["bot"] and stored_files(settings) == []


def test_a_50_mb_image_is_refused_before_it_is_read(client, settings):
    customer = Customer(client)
    big = b"\xff\xd8\xff\xe0" + b"\0" * (50 * 1024 * 1024)
    response = upload(customer, big, name="huge.jpg")
    assert response.status_code == 413 and response.json()["detail"] == "文件太大：最多 10 MB"

    def streamed():  # no Content-Length: counted as it arrives
        for _ in range(11):
            yield b"\0" * (1024 * 1024)

    response = upload(customer, streamed(), name="huge.jpg")
    assert response.status_code == 413 and response.json()["detail"] == "文件太大：最多 10 MB"
    # Other requests keep the small limit.
    assert customer.say("好" * 10, payload="x" * 70_000).status_code == 413
    assert [m["role"] for m in customer.messages()] == ["bot"] and stored_files(settings) == []


def test_uploads_need_the_conversations_own_token(client, settings):
    mine, theirs = Customer(client), Customer(client)
    response = upload(mine, png(), token=theirs.token)
    assert response.status_code == 403 and response.json()["detail"] == "无权访问该会话"
    assert stored_files(settings) == []


def test_a_resent_upload_is_one_message_and_leaves_no_second_file(client, settings):
    customer = Customer(client)
    first = upload(customer, png(), name="a.png", client_id="u-1").json()
    again = upload(customer, png(), name="a.png", client_id="u-1").json()
    assert again["message"]["id"] == first["message"]["id"] and again["replies"] == []
    assert len(stored_files(settings)) == 2  # the image and its thumbnail, once


def test_a_pdf_is_kept_as_sent_and_only_ever_downloaded(client):
    customer = Customer(client)
    body = upload(customer, PDF, name="发票.pdf").json()
    attachment = body["message"]["attachment"]
    assert body["message"]["text"] == "[文件] 发票.pdf" and attachment["kind"] == "pdf"
    url = f"/api/chat/conversations/{customer.id}/attachments/{attachment['id']}"
    got = client.get(url, headers=customer.headers)
    assert got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith("attachment;")


def test_the_photo_a_return_asked_for_is_filed_with_that_return(client, db):
    returned = client.post("/api/shop/customers/C001/returns",
                           json={"order_id": "DD260001000003", "reason": "faulty"}).json()  # 599 yuan
    assert returned["needs_photo"] is True
    customer = Customer(client, "C001", sign_customer("dev-shop-secret", "C001"))
    (reply,) = upload(customer, jpeg_with_location(), name="坏了.jpg").json()["replies"]
    assert reply["text"] == (f"收到照片，已附在退货申请 {returned['return_id']}（订单 DD260001000003）上，"
                             "我们会尽快审核，审核结果会在这里通知您。")
    # One photo is enough: the next one is an ordinary picture.
    (second,) = upload(customer, png(), name="more.png").json()["replies"]
    assert "看不懂图片" in second["text"]
    from handoff.attachments.models import Attachment
    linked = [a.return_id for a in db.query(Attachment).order_by(Attachment.created_at)]
    assert linked == [returned["return_id"], None]


def test_a_return_photo_sent_while_an_agent_serves_is_filed_too(client, db):
    returned = client.post("/api/shop/customers/C001/returns",
                           json={"order_id": "DD260001000003", "reason": "faulty"}).json()
    customer = Customer(client, "C001", sign_customer("dev-shop-secret", "C001"))
    handoff(client, customer.sender, customer_id="C001")
    assert Staff(client, "admin", "admin123").post(f"/api/console/conversations/{customer.id}/claim").status_code == 200
    sent = upload(customer, jpeg_with_location(), name="坏了.jpg").json()
    assert sent["replies"] == []  # the agent answers, not the desk
    from handoff.attachments.models import Attachment
    db.expire_all()
    assert db.get(Attachment, sent["message"]["attachment"]["id"]).return_id == returned["return_id"]


def test_an_agent_sees_the_customers_photo_and_sends_one_back(client):
    customer = Customer(client)
    handoff(client, customer.sender)
    staff = Staff(client, "admin", "admin123")
    assert staff.post(f"/api/console/conversations/{customer.id}/claim").status_code == 200
    # With an agent the desk does not answer: the agent does.
    sent = upload(customer, png(), name="screen.png").json()
    assert sent["replies"] == []
    transcript = staff.get(f"/api/console/conversations/{customer.id}").json()["messages"]
    assert transcript[-1]["attachment"]["id"] == sent["message"]["attachment"]["id"]

    response = staff.client.post(f"/api/console/conversations/{customer.id}/attachments", content=png(transparent=True),
                                 headers={**staff.cookie, "X-File-Name": quote("示意图.png")})
    assert response.status_code == 201, response.text
    agent_message = response.json()
    assert agent_message["role"] == "agent" and agent_message["attachment"]["content_type"] == "image/png"
    (seen,) = [m for m in customer.messages() if m["role"] == "agent"]
    got = client.get(f"/api/chat/conversations/{customer.id}/attachments/{seen['attachment']['id']}",
                     headers=customer.headers)
    assert got.status_code == 200 and Image.open(io.BytesIO(got.content)).mode == "RGBA"
    # An agent who does not hold the conversation cannot send one, and nothing is stored.
    client.post("/api/agents", json={"username": "li", "password": "pass12345", "display_name": "小李",
                                     "role": "agent"}, headers=staff.cookie)
    other = Staff(client, "li", "pass12345")
    refused = other.client.post(f"/api/console/conversations/{customer.id}/attachments", content=png(),
                                headers={**other.cookie, "X-File-Name": "x.png"})
    assert refused.status_code == 403 and refused.json()["detail"] == "该会话不在您的接待中"
