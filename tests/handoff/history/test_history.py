"""History and search: agents find past conversations by customer, phone, order number, words, tag and
date; the context panel lists the customer's earlier conversations with their rating, and their returns."""

from datetime import timedelta

from handoff.core.clock import shop_today
from handoff.core.signing import sign_customer
from tests.handoff.conftest import Customer, Staff, handoff
from tests.handoff.survey.test_survey import served_by_agent


def test_search_by_order_number_phone_customer_words_tag_and_date(client):
    desk = client.app.state.desk
    about_order = Customer(client, "C001", sign_customer("dev-shop-secret", "C001"))
    about_order.say("订单dd260001000002的衣服有点小")  # as typed: lower case
    invoice = Customer(client)
    invoice.say("请问发票怎么开")
    other = Customer(client, "C002", sign_customer("dev-shop-secret", "C002"))
    other.say("我的快递到哪了")
    boss = Staff(client, "supervisor", "super123")  # tags are the holder's (or a supervisor's)
    assert boss.put(f"/api/console/conversations/{invoice.id}/tags", {"tags": ["发票"]}).status_code == 200
    staff = Staff(client, "xiaomei", "agent123")  # any agent searches

    def found(**params) -> list[str]:
        response = staff.get("/api/console/history", params=params)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()]

    assert found(q="DD260001000002") == [about_order.id]
    by_phone = staff.get("/api/console/history", params={"q": "13800000001"})
    assert [c["id"] for c in by_phone.json()] == [about_order.id]
    assert by_phone.json()[0]["phone_masked"] == "138****0001" and "13800000001" not in by_phone.text
    assert found(q="C002") == [other.id]
    assert found(q="发票") == [invoice.id]
    assert staff.get("/api/console/history", params={"q": "发票"}).json()[0]["snippet"] == "请问发票怎么开"
    assert found(tag="发票") == [invoice.id]
    assert set(found()) >= {about_order.id, invoice.id, other.id}  # newest first, everything
    today = shop_today(desk.settings.timezone)
    assert found(start=str(today + timedelta(days=1))) == []
    assert invoice.id in found(start=str(today), end=str(today))
    assert found(q="没有人说过的话") == []
    assert staff.get("/api/console/history", params={"start": "昨天"}).status_code == 422


def test_the_context_panel_lists_earlier_conversations_with_their_rating_and_the_returns(client):
    earlier, _ = served_by_agent(client, "C002")
    earlier.say("5")  # the survey's rating
    client.post("/api/shop/customers/C002/returns", json={"order_id": "DD260002000002", "reason": "faulty"})
    now = Customer(client, "C002")
    now.say("转人工")
    handoff(client, now.sender, customer_id="C002")
    staff = Staff(client, "xiaomei", "agent123")
    detail = staff.get(f"/api/console/conversations/{now.id}").json()
    timeline = detail["timeline"]
    first = next(e for e in timeline if e["conversation_id"] == earlier.id)
    assert first["rating"] == 5 and first["title"].startswith("人工接待 · 客户要求转人工")
    assert any(e["kind"] == "return" and "DD260002000002" in e["detail"] and "质量问题" in e["detail"]
               for e in timeline)
    assert all(e["conversation_id"] != now.id for e in timeline)  # not the open one itself
    assert [e["at"] for e in timeline] == sorted((e["at"] for e in timeline), reverse=True)
