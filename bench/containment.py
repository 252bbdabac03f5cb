"""Containment: do routine conversations end with the right answer and no human?

    make bench-containment   (or: .venv/desk/bin/python bench/containment.py [--only NAME])

Starts the whole product (like `make run`, scratch database) and plays the
scripted conversations of bench/containment.yml through the desk's web chat
API, as a customer in the widget would: typed messages, and buttons pressed
by their title. Each script says, at the turns where the bot should have
answered, what the right answer is in terms of the shop's data; the check
reads that data from the desk's shop API (orders, returns, points, delivery
estimates, the catalogue) and the FAQ answers from data/responses/faq.yml,
so a script never hard-codes what the bot should say.

A conversation is
- contained: every expectation met and never handed to a human;
- wrong: not handed off, and at some expectation the bot answered something
  else (not an "I did not understand" and not an offer of a human);
- handed off: it reached the queue (or an agent);
- not answered: the rest (the bot asked to rephrase, or failed).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from pathlib import Path

import httpx
import yaml
from harness import ROOT, running_stack

from handoff.core.signing import sign_customer
from tests.support.servers import SERVICE_TOKEN

# Each file is played on a fresh database. containment.yml was written together
# with the bot's flows (and checked against them); containment-blind.yml by a
# writer who never ran the bot nor read its code.
SCRIPTS = [ROOT / "bench" / "containment.yml", ROOT / "bench" / "containment-blind.yml"]
FAQ = ROOT / "data" / "responses" / "faq.yml"
NOT_UNDERSTOOD = ("没太理解", "换个说法", "哪款商品", "我不想给您说错", "暂时回答不了", "还没有消息")
OFFERS_HUMAN = ("转接", "转人工")


@dataclass
class Turn:
    text: str
    press: bool = False  # press the button whose title contains `text`
    expect: dict | None = None


@dataclass
class Outcome:
    name: str
    topic: str
    verdict: str = "contained"
    notes: list[str] = field(default_factory=list)


def load_scripts(path: Path) -> list[dict]:
    scripts = yaml.safe_load(path.read_text(encoding="utf-8"))
    for script in scripts:
        script["turns"] = [Turn(t) if isinstance(t, str) else
                           Turn(t.get("press") or t["say"], press="press" in t, expect=t.get("expect"))
                           for t in script["turns"]]
    return scripts


class Shop:
    """The shop's data, read through the desk's API as the action server reads it."""

    def __init__(self, http: httpx.Client, token: str) -> None:
        self.http, self.token = http, token
        self.faq = {key.removeprefix("utter_"): value[0]["text"]
                    for key, value in yaml.safe_load(FAQ.read_text(encoding="utf-8"))["responses"].items()}

    def get(self, path: str, **params):
        answer = self.http.get(path, params=params, headers={"Authorization": f"Bearer {self.token}"})
        answer.raise_for_status()
        return answer.json()

    def open_orders(self, customer: str) -> list[dict]:
        return self.get(f"/api/shop/customers/{customer}/orders", open="true")


def money(amount: float) -> str:
    return f"¥{amount:.2f}"


def check(expect: dict, said: str, shop: Shop, customer: str | None, started: datetime) -> str | None:
    """None when the bot's replies `said` meet the expectation, else what was missing."""
    kind, value = next(iter(expect.items()))
    if kind == "order_status":
        orders = shop.open_orders(customer) if value == "open" else [shop.get(f"/api/shop/customers/{customer}/orders/{value}")]
        if not any(o["order_id"] in said and o["status_zh"] in said for o in orders):
            return f"status of {[o['order_id'] for o in orders]}"
    elif kind == "points_balance":
        balance = shop.get(f"/api/shop/customers/{customer}/points")["balance"]
        if f"{balance} 积分" not in said:
            return f"balance {balance}"
    elif kind == "return_created":
        created = [r for r in shop.get(f"/api/shop/customers/{customer}/returns", order_id=value)
                   if datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")) >= started]
        if not created:
            return f"no return created for {value}"
    elif kind == "refund_status":
        returns = shop.get(f"/api/shop/customers/{customer}/returns", order_id=value)
        if not returns or returns[0]["status_zh"] not in said:
            return f"refund status of {value}"
    elif kind == "ships_by":  # the order's own shipping deadline: paid + the shop's shipping hours
        order = shop.get(f"/api/shop/customers/{customer}/orders/{value}")
        hours = shop.get("/api/shop/policy")["shipping"]["ship_within_hours"]
        paid = datetime.fromisoformat(order["paid_at"].replace("Z", "+00:00")) + timedelta(hours=hours)
        local = paid.astimezone(ZoneInfo("Asia/Shanghai"))
        if value not in said or f"{local.month}月{local.day}日 {local:%H:%M}" not in said:
            return f"shipping deadline of {value}"
    elif kind == "faq":
        if shop.faq[f"faq/{value}"] not in said:
            return f"FAQ answer {value}"
    elif kind == "delivery":
        estimate = shop.get("/api/shop/delivery-estimate", region=value)
        if f"{estimate['delivery_hours']} 小时" not in said:
            return f"delivery estimate for {value}"
    elif kind == "catalog":
        return check_catalog(value, said, shop.get("/api/shop/catalog"))
    elif kind == "contains":
        missing = [s for s in ([value] if isinstance(value, str) else value) if s not in said]
        if missing:
            return f"missing {missing}"
    else:
        raise ValueError(f"unknown expectation {kind}")
    return None


def check_catalog(want: dict, said: str, catalog: dict) -> str | None:
    product = next(p for p in catalog["products"] if p["sku"] == want["sku"])
    if "spec" in want and product["specs"][want["spec"]] not in said:
        return f"spec {want['spec']} of {want['sku']}"
    if "size" in want and f"{want['size']} 码" not in said:
        return f"size {want['size']}"
    if "stock" in want:
        variant = next(v for v in product["variants"] if all(str(v.get(k)) == str(x) for k, x in want["stock"].items()))
        word = "有货" if variant["stock"] > 0 else "缺货"
        if word not in said:
            return f"stock of {want['stock']}: {word}"
    if want.get("price"):
        special = [p["price"] for p in catalog["promotions"] if want["sku"] in p.get("products", []) and p.get("price")]
        if money(special[0] if special else product["price"]) not in said:
            return f"price of {want['sku']}"
    if want.get("compatible") is not None:
        says_yes = said.startswith("可以的") or "\n可以的" in said
        if says_yes != want["compatible"] or (not says_yes and "不支持" not in said):
            return f"compatibility {want['compatible']}"
    return None


CODE_SENT = "验证码已经发到"  # actions/identity.py: an anonymous customer gave their phone


def send(http: httpx.Client, conv: str, headers: dict, message: dict) -> list[dict]:
    answer = http.post(f"/api/chat/conversations/{conv}/messages", json=message, headers=headers)
    answer.raise_for_status()
    return answer.json()["replies"]


def play(http: httpx.Client, shop: Shop, script: dict) -> Outcome:
    outcome = Outcome(script["name"], script["topic"])
    customer = script.get("customer")
    body = {"customer_id": customer, "signature": sign_customer("dev-shop-secret", customer)} if customer else {}
    opened = http.post("/api/chat/conversations", json=body).json()
    conv, headers = opened["id"], {"X-Chat-Token": opened["token"]}
    started = datetime.now(timezone.utc) - timedelta(seconds=1)
    last_buttons: list[dict] = opened["messages"][-1].get("buttons") or []
    said = ""
    who = customer or script.get("as")
    for turn in script["turns"]:
        message = {"text": turn.text}
        if turn.press:
            button = next((b for b in last_buttons if turn.text in b["title"]), None)
            if button is None:
                outcome.verdict = "not answered"
                outcome.notes.append(f"no button {turn.text!r} after {said[:80]!r}")
                break
            message = {"text": button["title"], "payload": button["payload"]}
        replies = send(http, conv, headers, message)
        if any(CODE_SENT in r["text"] for r in replies):
            # The customer reads the SMS the desk sent (the development provider's) and types the code.
            replies = send(http, conv, headers, {"text": http.get("/api/demo/sms").json()[0]["code"]})
        said = "\n".join(r["text"] for r in replies)
        last_buttons = [b for r in replies for b in (r.get("buttons") or [])] or last_buttons
        if turn.expect:
            missing = check(turn.expect, said, shop, who, started)
            if missing:
                outcome.notes.append(f"{turn.text!r}: {missing}; bot said {said[:80]!r}")
                if outcome.verdict == "contained":
                    understood = said and not any(w in said for w in NOT_UNDERSTOOD + OFFERS_HUMAN)
                    outcome.verdict = "wrong" if understood else "not answered"
        if http.get(f"/api/chat/conversations/{conv}/status", headers=headers).json()["state"] != "bot":
            outcome.verdict = "handed off"
            outcome.notes.append(f"handed off after {turn.text!r}")
            break
    return outcome


def report(title: str, outcomes: list[Outcome]) -> None:
    n = len(outcomes)
    print(f"\n### {title}")
    total = Counter(o.verdict for o in outcomes)
    by_topic: dict[str, Counter] = defaultdict(Counter)
    for o in outcomes:
        by_topic[o.topic][o.verdict] += 1
    verdicts = ["contained", "wrong", "handed off", "not answered"]
    print(f"\n| topic | conversations | {' | '.join(verdicts)} |\n|---|---:|{'---:|' * len(verdicts)}")
    for topic, counts in sorted(by_topic.items()):
        print(f"| {topic} | {sum(counts.values())} | " + " | ".join(str(counts[v]) for v in verdicts) + " |")
    print(f"| **all** | {n} | " + " | ".join(f"{total[v]} ({total[v] / n:.0%})" for v in verdicts) + " |")
    print(f"\ncontained {total['contained'] / n:.1%}, wrongly answered {total['wrong'] / n:.1%} "
          f"(targets: ≥ 80% and ≤ 5%)")
    for o in outcomes:
        if o.verdict != "contained":
            print(f"- [{o.verdict}] {o.name}: " + "; ".join(o.notes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="play the scripts whose name contains this")
    parser.add_argument("--scripts", nargs="+", type=Path, default=[p for p in SCRIPTS if p.exists()])
    parser.add_argument("--desk", help="a running desk (make run) instead of starting one")
    parser.add_argument("--token", default="dev-service-token", help="the service token of --desk")
    args = parser.parse_args()
    def run_all(scripts: list[dict], desk: str, token: str) -> list[Outcome]:
        with httpx.Client(base_url=desk, timeout=30) as http:
            shop = Shop(http, token)
            return [play(http, shop, s) for s in scripts]

    everything = []
    for path in args.scripts:
        scripts = [s for s in load_scripts(path) if not args.only or args.only in s["name"]]
        if args.desk:
            outcomes = run_all(scripts, args.desk, args.token)
        else:
            with running_stack(DESK_BUSINESS_HOURS="00:00-24:00") as stack:
                outcomes = run_all(scripts, stack.desk, SERVICE_TOKEN)
        report(f"{path.name}: {len(outcomes)} conversations", outcomes)
        everything += outcomes
    if len(args.scripts) > 1:
        report(f"all: {len(everything)} conversations", everything)


if __name__ == "__main__":
    sys.exit(main())
