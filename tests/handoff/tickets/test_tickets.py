"""Left messages (留言, handoff/tickets/): left in the widget, answered from the console, the answer
reaching the customer in their conversation and, where the shop has an SMS gateway, by SMS."""

from fastapi.testclient import TestClient

from handoff.app import create_app
from tests.handoff.conftest import AUTH, Customer, Staff

LEFT = "明天上午请联系我，退货的事"
ANSWER = "您好，退货已为您登记，快递员明天上午上门取件。"


def leave(customer: Customer, text: str = LEFT, contact: str = "138 0000 0009"):
    return customer.client.post(f"/api/chat/conversations/{customer.id}/tickets",
                                json={"text": text, "contact": contact}, headers=customer.headers)


def test_a_left_message_is_answered_in_the_customers_conversation_and_by_sms(client):
    customer = Customer(client)
    left = leave(customer)
    assert left.status_code == 201, left.text
    assert left.json()["message"]["text"] == "已收到您的留言，客服会尽快回复，回复会发到这里，同时短信通知您（138****0009）。"
    assert customer.messages()[-1]["text"] == left.json()["message"]["text"]  # kept, not only shown once

    staff = Staff(client, "xiaomei", "agent123")
    (ticket,) = staff.get("/api/console/tickets").json()
    assert (ticket["text"], ticket["channel"], ticket["status"]) == (LEFT, "web", "open")
    answered = staff.post(f"/api/console/tickets/{ticket['id']}/answer", {"text": ANSWER})
    assert answered.status_code == 200, answered.text
    assert answered.json()["delivery"] == ["已发到客户的网页对话：客户正在线会立即看到，否则下次打开在线客服时看到",
                                           "已短信通知 138****0009"]
    # The customer's next visit (the widget reads the conversation back) shows the answer, from the agent.
    last = customer.messages()[-1]
    assert (last["role"], last["agent_name"]) == ("agent", "小美")
    assert last["text"] == f"关于您的留言“{LEFT}”：\n{ANSWER}"
    (sms,) = [m for m in client.get("/api/demo/sms").json() if "留言" in m["text"]]
    assert sms["phone"] == "138****0009" and sms["text"].startswith("【悦购商城】您的留言已有回复：您好，退货已为您登记")
    # Answered once; listed under the answered ones.
    again = staff.post(f"/api/console/tickets/{ticket['id']}/answer", {"text": "再说一次"})
    assert again.status_code == 409 and again.json()["detail"] == "这条留言已经有客服回复过了"
    assert staff.get("/api/console/tickets").json() == []
    (done,) = staff.get("/api/console/tickets?status=answered").json()
    assert done["answer"] == ANSWER and done["answered_at"]


def test_without_an_sms_gateway_the_agent_is_told_to_call(settings):
    with TestClient(create_app(settings.model_copy(update={"sms_provider": "none"})), headers=AUTH) as client:
        customer = Customer(client)
        assert leave(customer).json()["message"]["text"] == "已收到您的留言，客服会尽快回复，回复会发到这里。"
        staff = Staff(client, "xiaomei", "agent123")
        (ticket,) = staff.get("/api/console/tickets").json()
        delivery = staff.post(f"/api/console/tickets/{ticket['id']}/answer", {"text": ANSWER}).json()["delivery"]
        assert delivery[-1] == "未配置短信通道，如需要请电话联系 138****0009"


def test_a_failing_sms_gateway_does_not_lose_the_answer(settings):
    broken = settings.model_copy(update={"sms_provider": "http", "sms_url": "http://127.0.0.1:9/sms"})
    with TestClient(create_app(broken), headers=AUTH) as client:
        customer = Customer(client)
        leave(customer)
        staff = Staff(client, "xiaomei", "agent123")
        (ticket,) = staff.get("/api/console/tickets").json()
        delivery = staff.post(f"/api/console/tickets/{ticket['id']}/answer", {"text": ANSWER}).json()["delivery"]
        assert delivery[-1] == "短信发送失败，请电话联系 138****0009"
        assert customer.messages()[-1]["text"].endswith(ANSWER)


def test_a_message_without_a_mobile_number_is_answered_in_the_conversation_only(client):
    customer = Customer(client)
    leave(customer, contact="邮箱 a@example.com")
    staff = Staff(client, "xiaomei", "agent123")
    (ticket,) = staff.get("/api/console/tickets").json()
    delivery = staff.post(f"/api/console/tickets/{ticket['id']}/answer", {"text": ANSWER}).json()["delivery"]
    assert len(delivery) == 1 and delivery[0].startswith("已发到客户的网页对话")
    assert not [m for m in client.get("/api/demo/sms").json() if "留言" in m["text"]]
