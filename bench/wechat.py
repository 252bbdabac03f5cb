"""Benchmark of the WeChat channel: time from WeChat's POST to the desk's answer, for bot answers.

    make bench      (or: .venv/desk/bin/python bench/wechat.py [--rounds 5])

Starts the whole product like `make run`, with a WeChat official account
pointed at the local stand-in (tests/support/wechat_standin.py). Each message
is pushed as WeChat does (signed XML; in safe mode AES-encrypted with
wechatpy), from a new follower (bound to customer C001) each round, and timed until the answer is
read (and, in safe mode, decrypted). Baseline in the same run: the same
messages through the web chat's REST API, which does the same bot work.
"""

import argparse
import statistics
import sys
import time

import httpx
from harness import ROOT, running_stack
from stack import MESSAGES

sys.path.insert(0, str(ROOT))
from handoff.core.signing import sign_customer  # noqa: E402
from handoff.shop.seed import DEMO_WECHAT_APP_ID  # noqa: E402
from tests.support.servers import SERVICE_TOKEN, free_port  # noqa: E402
from tests.support.wechat_standin import WechatStandin, desk_client, message_xml, new_account  # noqa: E402

CUSTOMER = "C001"  # a signed-in / bound customer on both paths: the bot does the same work


def pct(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), q[94]


def web_round(desk: str) -> list[float]:
    http = httpx.Client(base_url=desk, timeout=30)
    opened = http.post("/api/chat/conversations", json={
        "customer_id": CUSTOMER, "signature": sign_customer("dev-shop-secret", CUSTOMER)}).json()
    http.headers["X-Chat-Token"] = opened["token"]
    times = []
    for text in MESSAGES:
        started = time.perf_counter()
        response = http.post(f"/api/chat/conversations/{opened['id']}/messages", json={"text": text})
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return times


def wechat_round(standin: WechatStandin, desk: str, openid: str, encrypted: bool, msg_ids) -> tuple[list, int]:
    account = next(iter(standin.state.accounts.values()))
    client = desk_client(desk)
    bound = client.put("/api/shop/wechat-bindings", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                       json={"app_id": account.app_id, "openid": openid, "customer_id": CUSTOMER})
    bound.raise_for_status()
    times, passive = [], 0
    for text in MESSAGES:
        pushed = standin.state.push(client, account, message_xml(openid, "text", {"Content": text},
                                                                  msg_id=next(msg_ids)), encrypted=encrypted)
        times.append(pushed.seconds * 1000)
        passive += pushed.content is not None
    return times, passive


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5, help=f"each round sends {len(MESSAGES)} messages")
    args = parser.parse_args()
    msg_ids = iter(range(int(time.time() * 1000), 10**15))
    # 兼容模式 (compatible_mode): the one account takes plaintext as well as encrypted POSTs,
    # so both rounds run on it (an account with an AES key refuses plaintext otherwise).
    with WechatStandin([new_account(DEMO_WECHAT_APP_ID, compatible_mode=True)], free_port()) as standin, \
            running_stack(**standin.desk_env()) as stack:
        web_round(stack.desk)  # warm-up
        wechat_round(standin, stack.desk, "oWarmUp", False, msg_ids)
        results = {"web chat REST (baseline)": ([], None), "WeChat plaintext": ([], 0), "WeChat safe mode (AES)": ([], 0)}
        for r in range(args.rounds):  # interleaved, so that machine noise hits all three alike
            results["web chat REST (baseline)"][0].extend(web_round(stack.desk))
            for mode, encrypted in (("WeChat plaintext", False), ("WeChat safe mode (AES)", True)):
                times, passive = wechat_round(standin, stack.desk, f"oBench{r:03d}{int(encrypted)}", encrypted, msg_ids)
                results[mode] = (results[mode][0] + times, results[mode][1] + passive)
        base, _ = pct(results["web chat REST (baseline)"][0])
        print(f"\nWeChat POST -> answer for bot answers ({args.rounds} rounds x {len(MESSAGES)} messages, "
              "new follower per round)\n")
        print("| path | n | p50 ms | p95 ms | p50 / baseline p50 | answered passively |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, (times, passive) in results.items():
            p50, p95 = pct(times)
            share = "" if passive is None else f"{passive}/{len(times)}"
            print(f"| {name} | {len(times)} | {p50:.0f} | {p95:.0f} | {p50 / base:.2f} | {share} |")
        print(f"\nWeChat customer-service messages sent: {len(standin.state.sent)}; "
              f"access tokens fetched: {standin.state.token_fetches}")


if __name__ == "__main__":
    main()
