"""Helpers of the browser tests: the shop's page with the widget, the widget, the console."""

import time

from playwright.sync_api import Page, expect

from handoff.core.signing import sign_customer
from tests.support.servers import ROOT

ARTIFACTS = ROOT / "var" / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def shop_page(desk: str, customer_id: str) -> str:
    timestamp = int(time.time())  # what a shop's server does when it renders the page
    signature = sign_customer("dev-shop-secret", customer_id, timestamp)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>某店铺</title></head>
<body><h1>某店铺的商品页</h1>
<script src="{desk}/widget.js"></script>
<script>ShopChat.init({{deskUrl: "{desk}", customerId: "{customer_id}", timestamp: {timestamp},
                       signature: "{signature}"}});</script>
</body></html>"""


def open_widget(page: Page, shop_site: str, customer_id: str) -> str:
    """The shop's page with the widget; returns the conversation id it opened."""
    with page.expect_response(lambda r: r.url.endswith("/api/chat/conversations")
                              and r.request.method == "POST") as opened:
        page.goto(f"{shop_site}/{customer_id}")
        page.get_by_test_id("chat-launcher").click()
    return opened.value.json()["id"]


def say(page: Page, text: str) -> None:
    box = page.get_by_test_id("chat-input")
    box.fill(text)
    page.get_by_test_id("chat-send").click()


def messages(page: Page, role: str):
    return page.locator(f'[data-testid="chat-message"][data-role="{role}"]')


def login(page: Page, desk: str, username: str, password: str) -> None:
    page.goto(f"{desk}/console")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("reports-link")).to_be_visible(timeout=15_000)


def agent_claims(browser, desk: str, username: str, password: str, conv_id: str, timeout: float = 30_000) -> Page:
    """An agent's console (desktop size), logged in, with the waiting conversation claimed."""
    agent = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    login(agent, desk, username, password)
    item = agent.locator(f'[data-testid="queue-item"][data-conversation-id="{conv_id}"]')
    expect(item).to_be_visible(timeout=timeout)
    item.get_by_test_id("claim").click()
    return agent
