"""Benchmark of the running product: start-up, NLU parse latency, reply latency, memory.

    make bench      (or: .venv/desk/bin/python bench/stack.py [--calls 200])

Starts the whole stack with scripts/run.py on free ports and a scratch
database, like `make run`, measures, prints a table, and stops it. Latencies
are also given as a ratio to Rasa's own GET /status measured in the same run,
because these machines are shared and noisy.
"""

import argparse
import json
import statistics
import time
import urllib.request

import psutil
from harness import SERVICE_TOKEN, running_stack, stack_processes

from handoff.core.signing import sign_metadata

MESSAGES = [
    "我的快递到哪了", "请问怎么退货", "訂單DD260001000001到哪了？", "我有多少积分", "积分怎么用",
    "发新疆要几天", "转人工", "我要投诉你们！！！", "退款什么时候到账", "谢谢", "你好", "会员有什么权益",
    "东西坏了能退吗😭", "refund好慢啊", "今天天气怎么样", "好的",
]


def call(url: str, body: dict | None = None) -> float:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    return (time.perf_counter() - start) * 1000


def percentiles(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), q[94]


def rss_mb(proc: psutil.Process) -> float:
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with running_stack() as stack:
        ready_s = stack.ready_seconds
        rasa = stack.rasa
        for text in MESSAGES:  # warm-up
            call(stack.rasa_api("/model/parse"), {"text": text})
        status = [call(stack.rasa_api("/status")) for _ in range(args.calls)]
        parse = [call(stack.rasa_api("/model/parse"), {"text": MESSAGES[i % len(MESSAGES)]}) for i in range(args.calls)]
        hook = f"{rasa}/webhooks/rest/webhook"
        greet = [call(hook, {"sender": f"b-greet-{i}", "message": "你好"}) for i in range(50)]
        track = [call(hook, {"sender": f"b-track-{i}", "message": "我的快递到哪了",
                             "metadata": sign_metadata(SERVICE_TOKEN, f"b-track-{i}", {"customer_id": "C001"})})
                 for i in range(50)]
        memory = {name: rss_mb(p) for name, p in stack_processes(stack).items()}

    base50, base95 = percentiles(status)
    print(f"\nStack ready after {ready_s:.1f} s (all three processes, from a cold start)\n")
    print(f"| measurement ({args.calls} calls unless noted) | p50 ms | p95 ms | p50 / GET /status |")
    print("|---|---:|---:|---:|")
    for name, samples in [("GET /status (baseline)", status), ("POST /model/parse", parse),
                          ("REST webhook, greet → response (50)", greet),
                          ("REST webhook, track order → 2 actions + desk (50)", track)]:
        p50, p95 = percentiles(samples)
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {p50 / base50:.1f}× |")
    print("\n| process | RSS MB (with children; the desk's include the embedded redis-server) |\n|---|---:|")
    for name, mb in memory.items():
        print(f"| {name} | {mb:.0f} |")


if __name__ == "__main__":
    main()
