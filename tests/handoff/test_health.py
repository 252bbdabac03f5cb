def test_health_names_the_parts_that_are_down(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["rasa", "action_server"]
    assert body["parts"]["database"] == {"status": "ok"}
    assert body["parts"]["redis"] == {"status": "ok"}
    assert body["parts"]["rasa"]["status"] == "down"


def test_health_reports_a_redis_outage(client):
    client.app.state.redis.shutdown(nosave=True)
    body = client.get("/healthz").json()
    assert "redis" in body["down"] and body["parts"]["database"]["status"] == "ok"
