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


def test_the_probes_keep_a_desk_without_rasa_in_service_and_take_it_out_without_redis(client):
    # Rasa and the action server are down in these tests: the desk still stores messages and offers a human.
    assert client.get("/livez").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["down"] == []
    client.app.state.redis.shutdown(nosave=True)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["down"] == ["redis"]
    assert client.get("/livez").status_code == 200  # not restarted for it: Redis comes back


def test_a_request_while_redis_is_down_is_refused_politely_and_served_once_it_is_back(client, servers):
    client.app.state.redis.shutdown(nosave=True)
    response = client.post("/api/chat/conversations", json={})
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert response.json() == {"detail": "系统正在恢复，请稍后再试，您的操作尚未生效", "code": "unavailable"}
    if servers is not None:  # a redis-server we can start again (the embedded one belongs to the app)
        servers[1].ensure_running()
        assert client.post("/api/chat/conversations", json={}).status_code == 201
