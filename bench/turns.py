"""What a bot turn costs: bare Rasa against the whole product, by concurrency and conversation length.

    make bench      (or: .venv/desk/bin/python bench/turns.py [--turns 24] [--long 200])

Starts the whole stack like `make run` and sends the same routine messages of
a signed-in customer (C004) two ways, interleaved so that machine noise hits
both alike:
- bare Rasa: its REST webhook with the desk's signed metadata, a fresh sender per client;
- the product: the desk's web chat API (the widget's path), a fresh conversation per client.
At 1, 4 and 16 concurrent clients it prints turns/s, p50/p95 latency and the
CPU milliseconds each process spent per turn; then ``--long-runs`` conversations
of ``--long`` turns through the desk, latency near turn 5 against near the last.
"""

import argparse
import statistics
import threading
import time
from collections.abc import Callable

import httpx
from harness import SERVICE_TOKEN, running_stack, stack_processes

from handoff.core.signing import sign_customer, sign_metadata

CUSTOMER = "C004"
MESSAGES = ["你好", "我的快递到哪了", "我有多少积分", "积分怎么用", "发新疆要几天", "会员有什么权益",
            "退款什么时候到账", "谢谢"]


class Rasa:
    name = "bare Rasa REST webhook"

    def __init__(self, url: str, client: int) -> None:
        self.url, self.sender = f"{url}/webhooks/rest/webhook", f"bench-{client}-{time.monotonic_ns()}"
        self.metadata = sign_metadata(SERVICE_TOKEN, self.sender, {"customer_id": CUSTOMER, "channel": "web"})
        self.http = httpx.Client(timeout=60)

    def say(self, text: str) -> None:
        answer = self.http.post(self.url, json={"sender": self.sender, "message": text, "metadata": self.metadata})
        answer.raise_for_status()
        assert answer.json(), f"no reply to {text}"


class Desk:
    name = "desk web chat (whole product)"

    def __init__(self, url: str, client: int) -> None:
        self.http = httpx.Client(base_url=url, timeout=60)
        now = int(time.time())
        opened = self.http.post("/api/chat/conversations", json={
            "customer_id": CUSTOMER, "timestamp": now, "signature": sign_customer("dev-shop-secret", CUSTOMER, now)})
        opened.raise_for_status()
        self.path = f"/api/chat/conversations/{opened.json()['id']}/messages"
        self.headers = {"X-Chat-Token": opened.json()["token"]}

    def say(self, text: str) -> None:
        answer = self.http.post(self.path, json={"text": text}, headers=self.headers)
        answer.raise_for_status()
        assert answer.json()["replies"], f"no reply to {text}"


def cpu_ms(processes: dict) -> dict[str, float]:
    """CPU time (user + system) of each process and its children, in ms."""
    total = {}
    for name, proc in processes.items():
        times = [proc.cpu_times(), *(c.cpu_times() for c in proc.children(recursive=True))]
        total[name] = sum(t.user + t.system for t in times) * 1000
    return total


def run(make: Callable[[int], object], clients: int, turns: int, processes: dict) -> dict:
    """``clients`` threads, each a fresh sender saying ``turns`` messages; latencies and CPU per turn."""
    talkers = [make(i) for i in range(clients)]
    latencies: list[float] = []
    lock = threading.Lock()

    def talk(talker) -> None:
        for i in range(turns):
            started = time.perf_counter()
            talker.say(MESSAGES[i % len(MESSAGES)])
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)

    cpu_before = cpu_ms(processes)
    started = time.perf_counter()
    threads = [threading.Thread(target=talk, args=(t,)) for t in talkers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu_after = cpu_ms(processes)
    n = len(latencies)
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"turns/s": n / elapsed, "p50": statistics.median(latencies), "p95": q[94],
            "cpu": {name: (cpu_after[name] - cpu_before[name]) / n for name in processes}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=24, help="turns per client")
    parser.add_argument("--long", type=int, default=200, help="turns of each long conversation")
    parser.add_argument("--long-runs", type=int, default=3, help="long conversations (medians over all of them)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()
    with running_stack() as stack:
        processes = stack_processes(stack)
        paths = [lambda i: Rasa(stack.rasa, i), lambda i: Desk(stack.desk, i)]
        for make in paths:  # warm-up
            run(make, 2, len(MESSAGES), processes)
        results = []
        for clients in args.clients:
            for make in paths:  # interleaved: bare Rasa, then the desk, at each concurrency
                results.append((make(0).name, clients, run(make, clients, args.turns, processes)))
        early, late = [], []  # turns 1-10 and the last 10 of each long conversation
        for _ in range(args.long_runs):
            desk, long_run = Desk(stack.desk, 0), []
            for i in range(args.long):
                started = time.perf_counter()
                desk.say(MESSAGES[i % len(MESSAGES)])
                long_run.append((time.perf_counter() - started) * 1000)
            early += long_run[:10]
            late += long_run[-10:]

    names = list(processes)
    print(f"\nBot turns of signed-in customer {CUSTOMER}, {args.turns} turns per client, "
          f"messages: {' / '.join(MESSAGES)}\n")
    print("| path | clients | turns/s | p50 ms | p95 ms | " + " | ".join(f"CPU ms/turn {n}" for n in names) + " |")
    print("|---|---:|---:|---:|---:|" + "---:|" * len(names))
    for name, clients, r in results:
        cpu = " | ".join(f"{r['cpu'][n]:.0f}" for n in names)
        print(f"| {name} | {clients} | {r['turns/s']:.1f} | {r['p50']:.0f} | {r['p95']:.0f} | {cpu} |")
    print()
    by = {(name, clients): r for name, clients, r in results}
    for clients in args.clients:
        bare, whole = by[(Rasa.name, clients)], by[(Desk.name, clients)]
        print(f"- {clients} client(s): the desk adds {whole['p50'] - bare['p50']:.0f} ms at p50; "
              f"throughput {whole['turns/s'] / bare['turns/s']:.2f}× bare Rasa's")
    first, last = statistics.median(early), statistics.median(late)
    print(f"- {args.long_runs} conversations of {args.long} turns through the desk, one after another: "
          f"p50 of their turns 1–10 {first:.0f} ms, of their last 10 {last:.0f} ms ({last / first:.2f}×)")


if __name__ == "__main__":
    main()
