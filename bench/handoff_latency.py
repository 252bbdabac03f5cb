"""Benchmark of the handoff loop through the real stack (desk, Rasa, action server).

    make bench      (or: .venv/desk/bin/python bench/handoff_latency.py [--runs 100])

For each run a new web chat customer writes "转人工" over HTTP while an agent's
console WebSocket and the customer's chat WebSocket listen. Measured:
- handoff → console: from sending the customer's message to the console
  having fetched a queue that contains the conversation (what the console
  does on a "queue" event);
- agent reply → widget: from the agent's POST to the message arriving on
  the customer's WebSocket.
Baseline in the same run: GET /healthz-free round trip (GET /api/console/groups).
"""

import argparse
import asyncio
import json
import statistics
import time

import httpx
import websockets
from harness import running_stack

from handoff.core.signing import sign_customer


def pct(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), q[94]


async def wait_for(ws, predicate, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
        if predicate(frame):
            return frame


async def one_run(http: httpx.AsyncClient, agent: httpx.AsyncClient, console, ws_base: str, i: int):
    customer_id = f"C{(i % 3) + 1:03d}"
    opened = (await http.post("/api/chat/conversations", json={
        "customer_id": customer_id, "signature": sign_customer("dev-shop-secret", customer_id)})).json()
    conv, token = opened["id"], opened["token"]
    async with websockets.connect(f"{ws_base}/ws/chat/{conv}?token={token}&after=1") as widget:
        await wait_for(widget, lambda f: f["type"] == "status")
        start = time.perf_counter()
        send = asyncio.create_task(http.post(f"/api/chat/conversations/{conv}/messages",
                                             json={"text": "转人工"}, headers={"X-Chat-Token": token}))
        while True:
            await wait_for(console, lambda f: f["type"] == "queue")
            queue = (await agent.get("/api/console/queue")).json()
            if any(item["id"] == conv for item in queue):
                break
        to_console = (time.perf_counter() - start) * 1000
        await send
        assert (await agent.post(f"/api/console/conversations/{conv}/claim")).status_code == 200
        start = time.perf_counter()
        await agent.post(f"/api/console/conversations/{conv}/messages", json={"text": f"您好，第{i}位"})
        await wait_for(widget, lambda f: f["type"] == "message" and f["message"]["role"] == "agent")
        to_widget = (time.perf_counter() - start) * 1000
        await agent.post(f"/api/console/conversations/{conv}/resolve")
    return to_console, to_widget


async def measure(desk: str, runs: int) -> dict[str, list[float]]:
    ws_base = desk.replace("http://", "ws://")
    async with httpx.AsyncClient(base_url=desk, timeout=30) as http, \
            httpx.AsyncClient(base_url=desk, timeout=30) as agent:
        login = await agent.post("/api/agents/login", json={"username": "admin", "password": "admin123"})
        cookie = f"desk_session={login.cookies['desk_session']}"
        await agent.put("/api/agents/me/presence", json={"presence": "away"})  # claims by hand
        baseline = []
        for _ in range(runs):
            t = time.perf_counter()
            await agent.get("/api/console/groups")
            baseline.append((time.perf_counter() - t) * 1000)
        results = {"console": [], "widget": []}
        async with websockets.connect(f"{ws_base}/ws/console", additional_headers={"Cookie": cookie}) as console:
            for i in range(runs + 5):
                to_console, to_widget = await one_run(http, agent, console, ws_base, i)
                if i >= 5:  # the first few warm up caches and connections
                    results["console"].append(to_console)
                    results["widget"].append(to_widget)
        results["baseline"] = baseline
        return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    with running_stack() as stack:
        results = asyncio.run(measure(stack.desk, args.runs))
    base50, _ = pct(results["baseline"])
    print(f"\n| measurement ({args.runs} runs) | p50 ms | p95 ms | p50 / baseline |")
    print("|---|---:|---:|---:|")
    for name, key in [("baseline: GET /api/console/groups", "baseline"),
                      ("customer's 转人工 → in the agent's console queue", "console"),
                      ("agent's reply → customer's widget (WebSocket)", "widget")]:
        p50, p95 = pct(results[key])
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {p50 / base50:.1f}× |")


if __name__ == "__main__":
    main()
