"""Soak: simulated customers and agents against the whole product in its production shape.

    make soak                                   # 200 customers, 5 agents, 10 minutes
    .venv/desk/bin/python bench/soak.py --customers 20 --minutes 2

Starts a PostgreSQL and a redis-server of its own (scripts/servers.py) and the product on them
with two desk replicas behind the proxy and two Rasa replicas (scripts/run.py, as `make run
DB=postgres RASA_REPLICAS=2 DESK_REPLICAS=2`). Customers open web chats, ask routine questions
with a think time, and one conversation in seven asks for a human; agents (online, so that the
desk assigns them conversations) greet and resolve what they get.

Prints, per minute: bot turns and their p50/p95, handoffs (from 转人工 to the agent's first
message on the customer's screen) and their p50/p95, errors. Then each process's memory and
open files after the first minute and at the end, PostgreSQL's connections and Redis's clients.
Writes var/artifacts/soak.md and var/artifacts/soak.png (latency over time).
"""

import argparse
import asyncio
import random
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scripts.servers import Postgres, RedisServer  # noqa: E402
from harness import running_stack  # noqa: E402

QUESTIONS = ["你好", "运费怎么算", "怎么退货", "我的积分有多少", "我的快递到哪了", "可以开发票吗",
             "七天无理由退货吗", "会员有什么权益", "什么时候发货", "谢谢"]
AGENTS = [("xiaomei", "agent123"), ("xiaoming", "agent123"), ("xiaoyu", "agent123"),
          ("supervisor", "super123"), ("admin", "admin123")]
ARTIFACTS = ROOT / "var" / "artifacts"


class Record:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.turns: list[tuple[float, float]] = []  # (seconds since start, latency)
        self.handoffs: list[tuple[float, float]] = []
        self.errors: list[tuple[float, str]] = []

    def now(self) -> float:
        return time.monotonic() - self.started


async def customer(n: int, desk: str, until: float, record: Record, think: float) -> None:
    rng = random.Random(n)
    async with httpx.AsyncClient(base_url=desk, timeout=30) as http:
        await asyncio.sleep(rng.uniform(0, think))  # not all at once
        while time.monotonic() < until:
            try:
                body = {}
                if n % 2:  # half are signed-in customers of the demo shop
                    signed = (await http.get(f"/api/demo/sign?customer_id=C{1 + n % 22:03d}")).json()  # C001-C022
                    body = {k: signed[k] for k in ("customer_id", "signature", "timestamp")}
                opened = (await http.post("/api/chat/conversations", json=body)).json()
                conv, headers = opened["id"], {"X-Chat-Token": opened["token"]}
                for _ in range(rng.randint(2, 5)):
                    await asyncio.sleep(rng.expovariate(1 / think))
                    if time.monotonic() >= until:
                        return
                    await say(http, conv, headers, rng.choice(QUESTIONS), record)
                if rng.random() < 1 / 7 and time.monotonic() < until - 60:
                    asked = time.monotonic()
                    await say(http, conv, headers, "转人工", record)
                    if await agent_joined(http, conv, headers, until):
                        record.handoffs.append((record.now(), time.monotonic() - asked))
            except (httpx.HTTPError, KeyError, ValueError) as err:
                record.errors.append((record.now(), f"customer: {type(err).__name__}: {err}"[:200]))
                await asyncio.sleep(1)


async def say(http: httpx.AsyncClient, conv: str, headers: dict, words: str, record: Record) -> None:
    started = time.monotonic()
    response = await http.post(f"/api/chat/conversations/{conv}/messages", json={"text": words}, headers=headers)
    if response.status_code != 201 or not response.json().get("replies"):
        record.errors.append((record.now(), f"turn {response.status_code}: {response.text[:120]}"))
    else:
        record.turns.append((record.now(), time.monotonic() - started))


async def agent_joined(http: httpx.AsyncClient, conv: str, headers: dict, until: float) -> bool:
    while time.monotonic() < until:
        messages = (await http.get(f"/api/chat/conversations/{conv}/messages?after=0", headers=headers)).json()
        if any(m["role"] == "agent" for m in messages):
            return True
        await asyncio.sleep(0.5)
    return False


async def agent(username: str, password: str, desk: str, until: float, record: Record) -> None:
    async with httpx.AsyncClient(base_url=desk, timeout=30) as http:
        assert (await http.post("/api/agents/login", json={"username": username, "password": password})).status_code == 200
        await http.put("/api/agents/me/presence", json={"presence": "online"})
        greeted: dict[str, float] = {}
        while time.monotonic() < until + 30:
            try:
                mine = (await http.get("/api/console/conversations?scope=mine")).json()
                for conv in mine:
                    if conv["state"] != "with_agent":
                        continue
                    if conv["id"] not in greeted:
                        await http.post(f"/api/console/conversations/{conv['id']}/messages",
                                        json={"text": "您好，我是人工客服，马上为您处理。"})
                        greeted[conv["id"]] = time.monotonic()
                    elif time.monotonic() - greeted[conv["id"]] > 3:
                        await http.post(f"/api/console/conversations/{conv['id']}/resolve")
            except (httpx.HTTPError, KeyError, ValueError, TypeError) as err:
                record.errors.append((record.now(), f"agent {username}: {type(err).__name__}: {err}"[:200]))
            await asyncio.sleep(1)
        await http.put("/api/agents/me/presence", json={"presence": "offline"})


def parts(run: subprocess.Popen, postgres: Postgres, redis: RedisServer) -> dict[str, psutil.Process]:
    named = {}
    for proc in psutil.Process(run.pid).children():
        cmd = " ".join(proc.cmdline())
        port = cmd.split("--port ")[1].split()[0] if "--port " in cmd else ""
        name = ("desk" if "uvicorn" in cmd else "proxy" if "proxy.py" in cmd
                else "actions" if "actions.server" in cmd else "rasa")
        named[f"{name} {port}".strip()] = proc
    named["postgres (all)"] = psutil.Process(postgres.proc.pid)
    named["redis-server"] = psutil.Process(redis.proc.pid)
    return named


def usage(named: dict[str, psutil.Process], postgres: Postgres, redis: RedisServer) -> dict[str, tuple]:
    seen = {}
    for name, proc in named.items():
        procs = [proc] + (proc.children(recursive=True) if name.startswith("postgres") else [])
        rss = sum(p.memory_info().rss for p in procs if p.is_running())
        fds = sum(p.num_fds() for p in procs if p.is_running())
        seen[name] = (rss / 2**20, fds)
    seen["PostgreSQL connections"] = (None, int(postgres.psql("SELECT count(*) FROM pg_stat_activity "
                                                              "WHERE backend_type = 'client backend'")))
    clients = redis.command("INFO", "clients")
    seen["Redis clients"] = (None, int(clients.split("connected_clients:")[1].split()[0]))
    return seen


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def per_minute(record: Record, minutes: int) -> list[tuple]:
    rows = []
    for m in range(minutes):
        turns = [lat for t, lat in record.turns if m * 60 <= t < (m + 1) * 60]
        hand = [lat for t, lat in record.handoffs if m * 60 <= t < (m + 1) * 60]
        errors = sum(1 for t, _ in record.errors if m * 60 <= t < (m + 1) * 60)
        rows.append((m + 1, len(turns), percentile(turns, 50) * 1000, percentile(turns, 95) * 1000,
                     len(hand), percentile(hand, 50), percentile(hand, 95), errors))
    return rows


def chart(rows: list[tuple], path: Path) -> None:
    """Latency over time: bot turns' p50/p95 (ms, left) and handoffs' p50/p95 (s, right)."""
    w, h, left, right, top, bottom = 900, 420, 70, 70, 40, 50
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    plot_w, plot_h = w - left - right, h - top - bottom
    draw.rectangle([left, top, left + plot_w, top + plot_h], outline="black")
    turn_max = max([r[3] for r in rows if r[3] == r[3]] + [1]) * 1.1
    hand_max = max([r[6] for r in rows if r[6] == r[6]] + [1]) * 1.1
    n = max(len(rows) - 1, 1)

    def xy(i, value, top_value):
        return left + plot_w * i / n, top + plot_h * (1 - value / top_value)

    for column, top_value, colour in ((2, turn_max, "#1f77b4"), (3, turn_max, "#aec7e8"),
                                      (5, hand_max, "#d62728"), (6, hand_max, "#ff9896")):
        points = [xy(i, r[column], top_value) for i, r in enumerate(rows) if r[column] == r[column]]
        if len(points) > 1:
            draw.line(points, fill=colour, width=3)
        for x, y in points:
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)
    for k in range(5):
        y = top + plot_h * k / 4
        draw.text((5, y - 6), f"{turn_max * (1 - k / 4):.0f} ms", fill="#1f77b4")
        draw.text((left + plot_w + 5, y - 6), f"{hand_max * (1 - k / 4):.1f} s", fill="#d62728")
    for i, r in enumerate(rows):
        draw.text((xy(i, 0, 1)[0] - 4, top + plot_h + 8), str(r[0]), fill="black")
    draw.text((left, 10), "soak: bot turn p50 (dark blue) / p95 (light blue), ms, left; "
                          "handoff p50 (red) / p95 (pink), s, right; x: minute", fill="black")
    img.save(path)


async def soak(args, stack, postgres: Postgres, redis: RedisServer) -> tuple[dict, dict, Record]:
    """Customers and agents until the time is up: usage after the first minute, at the end, and the record."""
    print(f"soak: {args.customers} customers, {args.agents} agents, {args.minutes} min on PostgreSQL + "
          "redis-server, 2 desk and 2 Rasa replicas", flush=True)
    record, until, named = Record(), time.monotonic() + args.minutes * 60, parts(stack.proc, postgres, redis)
    work = [asyncio.create_task(customer(n, stack.desk, until, record, args.think)) for n in range(args.customers)]
    work += [asyncio.create_task(agent(u, p, stack.desk, until, record)) for u, p in AGENTS[:args.agents]]
    await asyncio.sleep(60)
    first = usage(named, postgres, redis)
    await asyncio.gather(*work)
    return first, usage(named, postgres, redis), record


def main() -> int:
    parser = argparse.ArgumentParser(description="Soak the product in its production shape.")
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--agents", type=int, default=5, choices=range(1, len(AGENTS) + 1))
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--think", type=float, default=20.0, help="a customer's mean seconds between messages")
    args = parser.parse_args()

    postgres, redis = Postgres(), RedisServer()
    try:
        with running_stack(2, DB="postgres", DESK_DATABASE_URL=postgres.create_database("desk"),
                           REDIS_URL=redis.url) as stack:
            first, last, record = asyncio.run(soak(args, stack, postgres, redis))
            restarts = (stack.dir / "run.log").read_text(errors="replace").count("starting it again")
    finally:
        postgres.remove()
        redis.remove()

    rows = per_minute(record, args.minutes)
    lines = [f"{args.customers} customers, {args.agents} agents, {args.minutes} min; "
             f"{len(record.turns)} bot turns, {len(record.handoffs)} handoffs, {len(record.errors)} errors, "
             f"{restarts} parts restarted", "",
             "| minute | bot turns | p50 ms | p95 ms | handoffs | p50 s | p95 s | errors |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {m} | {t} | {p50:.0f} | {p95:.0f} | {h} | {h50:.1f} | {h95:.1f} | {e} |"
              for m, t, p50, p95, h, h50, h95, e in rows]
    lines += ["", "| process | RSS after 1 min (MB) | RSS at the end (MB) | growth | open files after 1 min | at the end |",
              "|---|---|---|---|---|---|"]
    for name, (rss0, fds0) in first.items():
        rss1, fds1 = last[name]
        growth = f"{(rss1 - rss0) / rss0 * 100:+.1f}%" if rss0 else ""
        lines.append(f"| {name} | {'' if rss0 is None else f'{rss0:.0f}'} | "
                     f"{'' if rss1 is None else f'{rss1:.0f}'} | {growth} | {fds0} | {fds1} |")
    if record.errors:
        lines += ["", "First errors:"] + [f"- {t:.0f} s: {e}" for t, e in record.errors[:10]]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "soak.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    chart(rows, ARTIFACTS / "soak.png")
    print("\n".join(lines))
    print(f"\nwritten: {ARTIFACTS / 'soak.md'}, {ARTIFACTS / 'soak.png'}")
    # PostgreSQL's figure counts its shared buffers once per backend as they warm up: reported, not judged.
    grown = [n for n, (rss0, _f) in first.items()
             if rss0 and not n.startswith("postgres") and (last[n][0] - rss0) / rss0 > 0.10]
    if grown:
        print(f"grew by more than 10%: {', '.join(grown)}")
    return 1 if grown or not record.turns else 0


if __name__ == "__main__":
    sys.exit(main())
