"""Chat with the bot in a terminal, as a signed-in demo customer or anonymously.

    .venv/desk/bin/python scripts/chat.py --customer C001
    .venv/desk/bin/python scripts/chat.py            # anonymous: the bot asks for a phone number

Talks to Rasa's REST channel with the metadata the desk sends (customer id,
channel, tier). Buttons are numbered: type the number to press one.
Standard library only.
"""

import argparse
import json
import urllib.request
import uuid


def send(url: str, sender: str, text: str, metadata: dict) -> list[dict]:
    body = json.dumps({"sender": sender, "message": text, "metadata": metadata}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customer", help="demo customer id, e.g. C001 (see README)")
    parser.add_argument("--rasa", default="http://127.0.0.1:5005")
    args = parser.parse_args()
    url = f"{args.rasa}/webhooks/rest/webhook"
    sender = f"cli-{uuid.uuid4().hex[:8]}"
    metadata = {"channel": "cli"} | ({"customer_id": args.customer} if args.customer else {})
    buttons: list[dict] = []
    print("输入消息与客服机器人对话，Ctrl-D 退出。")
    while True:
        try:
            text = input("您：").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        buttons = []
        for reply in send(url, sender, text, metadata):
            if reply.get("text"):
                print(f"客服：{reply['text']}")
            for button in reply.get("buttons", []):
                buttons.append(button)
                print(f"   [{len(buttons)}] {button['title']}")


if __name__ == "__main__":
    main()
