"""The desk's own cost of a bot turn, without Rasa's noise: an instant stand-in answers the desk channel.

    .venv/desk/bin/python bench/desk_turn.py [--turns 300] [--clients 1 4] [--rounds 3] [--baseline DIR]

Starts a real desk (uvicorn, SQLite, embedded Redis, like `make run`) with
DESK_RASA_URL pointing at a stand-in that speaks the desk channel's protocol
(bot/desk_channel.py: replies and NLU in one answer) and answers at once. Each
client is a fresh web-chat conversation of signed-in C004. It prints the desk's
CPU milliseconds per turn (its embedded Redis included), p50 latency, and the
Redis commands per turn. ``--baseline DIR`` (another checkout, for example a
`git worktree` of an older commit) is measured in the same run, interleaved,
so machine noise hits both alike.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
from redis import Redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from handoff.core.signing import sign_customer  # noqa: E402
from tests.support import servers  # noqa: E402

STAND_IN = '''
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

NLU = {"intent": {"name": "query_points", "confidence": 0.97}, "entities": [],
       "sentiment": {"label": "neutral", "score": 0.1}}


async def desk_webhook(request):
    body = await request.json()
    return JSONResponse({"replies": [{"recipient_id": body["sender"], "text": "您当前有 1200 积分。"}], "nlu": NLU})


async def ok(request):
    return JSONResponse({})

app = Starlette(routes=[Route("/webhooks/desk/webhook", desk_webhook, methods=["POST"]),
                        Route("/conversations/{sender}/tracker/events", ok, methods=["POST"])])
'''


def measure(root: Path, rasa_url: str, clients: int, turns: int) -> dict:
    servers.ROOT = root  # the checkout whose desk is started
    tmp = Path(tempfile.mkdtemp(prefix="desk-turn-"))
    desk, url = servers.start_desk(tmp, DESK_RASA_URL=rasa_url)
    try:
        process = psutil.Process(desk.pid)
        redis = Redis(unix_socket_path=str(tmp / "redis" / "redis.sock"))

        def cpu() -> float:
            return sum(sum(p.cpu_times()[:2]) for p in [process, *process.children(recursive=True)])

        latencies: list[float] = []

        def customer(n: int, keep: bool) -> None:
            http = httpx.Client(base_url=url, timeout=30)
            now = int(time.time())
            opened = http.post("/api/chat/conversations", json={
                "customer_id": "C004", "timestamp": now, "signature": sign_customer("dev-shop-secret", "C004", now)})
            opened.raise_for_status()
            path, headers = f"/api/chat/conversations/{opened.json()['id']}/messages", {
                "X-Chat-Token": opened.json()["token"]}
            for i in range(n):
                started = time.perf_counter()
                http.post(path, json={"text": f"我有多少积分 {i}", "client_id": f"m{i}"},
                          headers=headers).raise_for_status()
                if keep:
                    latencies.append(time.perf_counter() - started)

        customer(20, keep=False)  # warm up
        redis.config_resetstat()
        before = cpu()
        threads = [threading.Thread(target=customer, args=(turns, True)) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        spent = cpu() - before
        commands = sum(v["calls"] for k, v in redis.info("commandstats").items() if k != "cmdstat_config")
        return {"cpu": 1000 * spent / (clients * turns), "p50": 1000 * statistics.median(latencies),
                "redis": (commands - 2) / (clients * turns)}  # (less this bench's INFO and CONFIG)
    finally:
        servers.stop(desk)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=300, help="turns per client")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each checkout (medians)")
    parser.add_argument("--baseline", type=Path, help="another checkout, measured interleaved")
    args = parser.parse_args()
    roots = [ROOT] + ([args.baseline.resolve()] if args.baseline else [])
    work = Path(tempfile.mkdtemp(prefix="stand-in-"))
    (work / "stand_in.py").write_text(STAND_IN)
    port = servers.free_port()
    stand_in = subprocess.Popen([str(servers.DESK_VENV / "bin" / "uvicorn"), "stand_in:app", "--port", str(port),
                                 "--log-level", "warning"], cwd=work)
    servers.wait_until(lambda: servers.post_json(f"http://127.0.0.1:{port}/conversations/x/tracker/events", {})[0]
                       == 200, 30, "stand-in", stand_in)
    results: dict = {}
    try:
        for clients in args.clients:
            for _ in range(args.rounds):
                for root in roots:
                    results.setdefault((root, clients), []).append(
                        measure(root, f"http://127.0.0.1:{port}", clients, args.turns))
    finally:
        stand_in.terminate()
    print(f"\nThe desk alone, instant stand-in Rasa, {args.turns} turns per client, medians of {args.rounds} runs\n")
    print("| checkout | clients | desk CPU ms/turn | p50 ms | Redis commands/turn |")
    print("|---|---:|---:|---:|---:|")
    for (root, clients), runs in results.items():
        name = "this checkout" if root == ROOT else str(root)
        print(f"| {name} | {clients} | {statistics.median(r['cpu'] for r in runs):.1f} "
              f"| {statistics.median(r['p50'] for r in runs):.1f} | {statistics.median(r['redis'] for r in runs):.1f} |")
    if args.baseline:
        for clients in args.clients:
            ratio = (statistics.median(r["cpu"] for r in results[(ROOT, clients)])
                     / statistics.median(r["cpu"] for r in results[(roots[1], clients)]))
            print(f"- {clients} client(s): this checkout's desk CPU per turn = {ratio:.2f}× the baseline's")


if __name__ == "__main__":
    main()
