"""Chat with the bot in a terminal, as a signed-in demo customer or anonymously.

    .venv/desk/bin/python scripts/chat.py --customer C001
    .venv/desk/bin/python scripts/chat.py            # anonymous: the bot verifies you first

Talks to the desk's web chat API, as the widget does (so the desk signs who
the customer is for the bot, and a handoff reaches the console). The demo
customer's id is signed by the desk's development endpoint (/api/demo/sign);
in development the SMS code of an anonymous verification is printed as the
demo page shows it. Buttons are numbered: type the number to press one.
Standard library only.
"""

import argparse
import json
import urllib.error
import urllib.request


def call(url: str, body: dict | None = None, token: str | None = None):
    headers = {"Content-Type": "application/json"} | ({"X-Chat-Token": token} if token else {})
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data, headers, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as err:
        detail = json.load(err).get("detail", "")
        raise SystemExit(f"desk answered {err.code}: {detail}") from None


def latest_sms(desk: str) -> dict | None:
    """The development SMS provider's last message (None outside development)."""
    try:
        with urllib.request.urlopen(f"{desk}/api/demo/sms", timeout=5) as response:
            sent = json.load(response)
        return sent[0] if sent else None
    except (urllib.error.URLError, ValueError):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customer", help="demo customer id, e.g. C001 (see README)")
    parser.add_argument("--desk", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    opening: dict = {"channel": "web"}
    if args.customer:
        signed = call(f"{args.desk}/api/demo/sign?customer_id={args.customer}")
        opening |= {k: signed[k] for k in ("customer_id", "timestamp", "signature")}
    conv = call(f"{args.desk}/api/chat/conversations", opening)
    messages_url = f"{args.desk}/api/chat/conversations/{conv['id']}/messages"
    buttons: list[dict] = []
    sms_seen = (latest_sms(args.desk) or {}).get("text")
    print("输入消息与客服机器人对话，Ctrl-D 退出。")
    for message in conv["messages"]:
        print(f"客服：{message['text']}")
    while True:
        try:
            text = input("您：").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if not text:
            continue
        body: dict = {"text": text}
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            body = {"text": buttons[int(text) - 1]["title"], "payload": buttons[int(text) - 1]["payload"]}
        buttons = []
        for reply in call(messages_url, body, conv["token"])["replies"]:
            print(f"客服：{reply['text']}")
            for button in reply.get("buttons") or []:
                buttons.append(button)
                print(f"   [{len(buttons)}] {button['title']}")
        sms = latest_sms(args.desk)
        if sms and sms["text"] != sms_seen:
            sms_seen = sms["text"]
            print(f"   [开发模式·模拟短信 → {sms['phone']}] {sms['text']}")


if __name__ == "__main__":
    main()
