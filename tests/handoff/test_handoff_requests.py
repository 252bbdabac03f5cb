def test_handoff_request_is_stored_then_announced_once_per_conversation(client):
    body = {"sender_id": "web-123", "customer_id": "C001", "channel": "web",
            "reason": "complaint", "topic": "logistics", "note": "又延迟了"}
    first = client.post("/api/handoffs", json=body)
    assert first.status_code == 201
    assert first.json()["status"] == "pending" and first.json()["reason"] == "complaint"
    second = client.post("/api/handoffs", json=body | {"reason": "requested"})
    assert second.json()["id"] == first.json()["id"]
    assert [h["id"] for h in client.get("/api/handoffs").json()] == [first.json()["id"]]
    stream = client.app.state.redis.xrange("desk:handoffs")
    assert [fields["handoff_id"] for _id, fields in stream] == [str(first.json()["id"])]


def test_handoff_with_an_unknown_reason_is_a_clear_422(client):
    response = client.post("/api/handoffs", json={"sender_id": "x", "reason": "bored"})
    assert response.status_code == 422


def test_handoff_needs_the_service_token(client):
    response = client.post("/api/handoffs", json={"sender_id": "x", "reason": "requested"},
                           headers={"Authorization": ""})
    assert response.status_code == 401
