"""Property-based fuzzing of the whole desk API: no request makes the desk fail.

Schemathesis generates requests from the app's own OpenAPI document, valid
ones and invalid ones (wrong types, missing fields, out-of-range values,
odd bytes), for every operation. They go to the real app in-process (the
conftest's client: SQLite, embedded Redis, Rasa down), once per credential:
the service token, an admin's session, a customer's chat token and nobody.
Path parameters are mostly replaced by real ids (the chat token's own
conversation, customer C001 and their order, a FAQ answer...) so that the
requests get past "not found" into the code that does the work.

Passes when no answer is a server error (5xx, but for the deliberate ones
while Rasa is down) and no request raises: every failure is collected, and
the test fails with all of them (operation, status, the request).

Bounded: a few examples per operation and mode, derandomized (the same
requests on every run), no shrinking; the whole file runs in about two
minutes on two cores (EXAMPLES sets the pace).
"""

import json
from collections import defaultdict
from urllib.parse import urlsplit

import hypothesis.strategies as st
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode

from tests.handoff.conftest import TOKEN, Staff
from tests.support.wechat_standin import new_account

EXAMPLES = 25  # per operation, generation mode and credential
WECHAT = new_account("wxfuzz00000000000001")

CREDENTIALS = ("service", "admin", "chat", "anonymous")

# Operations not fuzzed, and why. Each is covered by its own tests (and by
# tests/handoff/test_authorization.py for who may call it).
EXCLUDED = {
    # Starts a real training job (a data export, then a child process); it has
    # no parameters to fuzz. The settings below point the job at no Python, so
    # a job started anyway fails at once.
    ("*", "POST /api/admin/training/jobs"): "starts a training job; nothing to fuzz",
    # Ends the session this run fuzzes with: every later request would be anonymous.
    ("admin", "POST /api/agents/logout"): "ends the fuzzing session",
}
# Generated agent ids that may name a real account become a spare agent's: a
# small id is often the fuzzing admin's own, and a password, role or
# deactivation change would end the session the run fuzzes with. Other
# values (huge, negative) are sent as generated.
ACCOUNT_IDS = range(-1, 1000)

# The answers a desk gives on purpose while Rasa and the action server are
# down (as they are here): not server errors.
DELIBERATE_5XX = {"bot_unavailable", "model_load_failed"}


@pytest.fixture
def settings(settings, tmp_path):
    """conftest's settings; training jobs fail at once (no Rasa Python), and one WeChat account."""
    return settings.model_copy(update={"rasa_python": tmp_path / "no-rasa-python",
                                       "wechat_accounts": [WECHAT], "wechat_api_base": "http://127.0.0.1:9"})


def prepare(client) -> tuple[dict, dict]:
    """Real ids for the path parameters, and the credentials' headers."""
    signed = client.get("/api/demo/sign", params={"customer_id": "C001"}).json()
    opened = client.post("/api/chat/conversations",
                         json={"customer_id": "C001", "signature": signed["signature"]}).json()
    said = client.post(f"/api/chat/conversations/{opened['id']}/messages", json={"text": "我的快递到哪了"},
                       headers={"X-Chat-Token": opened["token"]}).json()
    admin = Staff(client, "admin", "admin123")
    spare = admin.post("/api/agents", {"username": "fuzz-spare", "display_name": "试验品",
                                       "password": "fuzz-password-1"}).json()
    faq = admin.post("/api/admin/faq", {"key": "fuzz_probe", "title": "模糊测试问题", "text": "模糊测试答案"}).json()
    intent = admin.get("/api/admin/intents").json()[0]["name"]
    example = admin.post("/api/admin/examples", {"intent": intent, "text": "模糊测试的例句"}).json()
    canned = admin.get("/api/console/canned").json()[0]
    order = client.get("/api/shop/customers/C001/orders").json()[0]
    real = {"conv_id": opened["id"], "customer_id": "C001", "order_id": order["order_id"], "key": faq["key"],
            "agent_id": spare["id"], "canned_id": canned["id"], "example_id": example["example"]["id"],
            "message_id": said["message"]["id"], "app_id": WECHAT.app_id, "task_id": 1, "job_id": 1,
            "version_id": 1}
    headers = {"service": {"Authorization": f"Bearer {TOKEN}"}, "admin": dict(admin.cookie),
               "chat": {"X-Chat-Token": opened["token"]}, "anonymous": {}}
    return real, headers


def server_error(status: int, body: bytes, path: str) -> bool:
    if status < 500:
        return False
    try:
        code = json.loads(body).get("code")
    except (ValueError, AttributeError):
        code = None
    return code not in DELIBERATE_5XX and not (path == "/healthz" and status == 503)


def describe(kwargs: dict, credential_headers: dict) -> str:
    """The request, short, without the credential."""
    url = urlsplit(kwargs["url"])
    headers = {k: v for k, v in kwargs.get("headers", {}).items()
               if k.lower() not in {"user-agent", "accept", "accept-encoding", "connection",
                                    "x-schemathesis-testcaseid", *(h.lower() for h in credential_headers)}}
    parts = [f"{kwargs['method']} {url.path}"]
    if kwargs.get("params"):
        parts.append(f"params={kwargs['params']!r}")
    if headers:
        parts.append(f"headers={headers!r}")
    if "json" in kwargs:
        parts.append(f"json={json.dumps(kwargs['json'], ensure_ascii=False)[:300]}")
    elif kwargs.get("data") is not None:
        parts.append(f"data={kwargs['data']!r:.300}")
    return " ".join(parts)


@pytest.mark.parametrize("credential", CREDENTIALS)
def test_no_request_makes_the_desk_fail(client, credential, capsys):
    real, all_headers = prepare(client)
    credential_headers = all_headers[credential]
    schema = schemathesis.openapi.from_dict(client.app.openapi())
    failures: dict[tuple[str, str], list[str]] = defaultdict(list)
    counts = {"operations": 0, "requests": 0, "5xx": 0, "excluded": 0}

    def send(case, use_real: bool) -> None:
        route = f"{case.method.upper()} {case.path}"
        for name in case.path_parameters or {}:
            if name in real and (use_real or name == "agent_id" and case.path_parameters[name] in ACCOUNT_IDS):
                case.path_parameters[name] = real[name]
        kwargs = case.as_transport_kwargs(base_url="http://testserver")
        headers = {**kwargs.get("headers", {}), **credential_headers}
        body = {}
        if "json" in kwargs:
            body["json"] = kwargs["json"]
        elif kwargs.get("data") is not None:
            data = kwargs["data"]
            body["data" if isinstance(data, dict) else "content"] = data
        client.cookies.clear()
        request = client.build_request(kwargs["method"], kwargs["url"], params=kwargs.get("params") or None,
                                       headers=headers, **body)
        if credential != "service" and "authorization" not in {k.lower() for k in kwargs.get("headers", {})}:
            del request.headers["authorization"]  # the client's default service token
        counts["requests"] += 1
        try:
            response = client.send(request)
        except Exception as exc:  # raised in the app: an unhandled exception
            failures[(route, f"exception {type(exc).__name__}: {str(exc)[:200]}")].append(
                describe(kwargs, credential_headers))
            counts["5xx"] += 1
            return
        if server_error(response.status_code, response.content, urlsplit(kwargs["url"]).path):
            failures[(route, f"{response.status_code} {response.text[:160]}")].append(
                describe(kwargs, credential_headers))
            counts["5xx"] += 1

    for result in schema.get_all_operations():
        operation = result.ok()
        route = f"{operation.method.upper()} {operation.path}"
        if ("*", route) in EXCLUDED or (credential, route) in EXCLUDED:
            counts["excluded"] += 1
            continue
        counts["operations"] += 1
        cases = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                          operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))

        @given(case=cases, use_real=st.integers(0, 3).map(bool))  # real ids three times in four
        @hypothesis_settings(max_examples=2 * EXAMPLES, deadline=None, derandomize=True, database=None,
                             suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def fuzz(case, use_real):
            send(case, use_real)

        fuzz()

    report = [f"{route}: {problem} ({len(examples)}x), e.g. {examples[0]}"
              for (route, problem), examples in sorted(failures.items())]
    with capsys.disabled():
        print(f"\nfuzz as {credential}: {counts['operations']} operations ({counts['excluded']} excluded), "
              f"{counts['requests']} requests, {counts['5xx']} server errors")
    assert not failures, f"{counts['5xx']} server errors as {credential}:\n" + "\n".join(report)
