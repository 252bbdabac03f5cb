"""Orders and products as cards (image, name, price, status, full order number) for the widget and
the console. The bot names what to show (a button's order, an action's product SKU); the desk fills
the card in from its own data, so a card is never stale and the bot never needs prices.

A product's image is the catalogue's ``image`` URL when the shop set one, otherwise a drawn
placeholder served by the desk (``/products/<sku>.svg``).
"""

import re
from html import escape

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from handoff.shop.catalog import Catalog, Product
from handoff.shop.models import ORDER_STATUS_ZH, Order

ORDER_PAYLOAD = re.compile(r'^/\w+\{"order_id":"([A-Za-z0-9]{6,32})"\}$')


def image_of(product: Product | None) -> str:
    if product is None:
        return "/products/unknown.svg"
    return product.image or f"/products/{product.sku}.svg"


def _stock(product: Product) -> str:
    if not product.variants:
        return "有货"
    left = sum(int(v.get("stock", 0)) for v in product.variants)
    return "有货" if left > 20 else "库存紧张" if left > 0 else "暂时缺货"


def product_card(product: Product) -> dict:
    return {"kind": "product", "id": product.sku, "title": product.name, "subtitle": product.category,
            "image": image_of(product), "price": f"¥{product.price:g}", "status": _stock(product),
            "payload": None, "action": None}


def product_cards(catalog: Catalog, skus: list[str]) -> list[dict]:
    by_sku = {p.sku: p for p in catalog.products}
    return [product_card(by_sku[sku]) for sku in dict.fromkeys(skus) if sku in by_sku]


def order_cards(db: Session, catalog: Catalog, *, customer_id: str | None, buttons: list[dict]) -> list[dict]:
    """The customer's orders that buttons offer (``/intent{"order_id":"…"}``), as cards that press the button."""
    pressed = {}
    for button in buttons:
        found = ORDER_PAYLOAD.match(button.get("payload", ""))
        if found:
            pressed[found.group(1).upper()] = button
    if not pressed or not customer_id:
        return []
    orders = {o.id: o for o in db.scalars(select(Order).options(selectinload(Order.items)).where(
        Order.id.in_(pressed), Order.customer_id == customer_id))}
    by_name = {p.name: p for p in catalog.products}
    cards = []
    for order_id, button in pressed.items():
        order = orders.get(order_id)
        if order is None:
            continue
        names = [item.name for item in order.items]
        first = by_name.get(names[0]) if names else None
        title = names[0] + (f" 等{len(names)}件" if len(names) > 1 else "") if names else "订单"
        cards.append({"kind": "order", "id": order.id, "title": title, "subtitle": f"订单号 {order.id}",
                      "image": image_of(first), "price": f"¥{order.total_fen / 100:.2f}",
                      "status": ORDER_STATUS_ZH[order.status], "payload": button["payload"],
                      "action": button["title"]})
    return cards


COLOURS = {"服装": "#fde68a", "鞋靴": "#bfdbfe", "数码": "#c7d2fe", "数码配件": "#ddd6fe", "家居": "#bbf7d0",
           "家纺": "#fbcfe8", "箱包": "#fed7aa", "个护": "#fecdd3", "文具": "#e9d5ff"}


def placeholder_svg(product: Product | None) -> str:
    """A plain picture for a product without a photo: its category's colour and its name."""
    colour = COLOURS.get(product.category, "#e5e7eb") if product else "#e5e7eb"
    name = escape(product.name[:8] if product else "商品")
    category = escape(product.category if product else "")
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160" viewBox="0 0 160 160">'
            f'<rect width="160" height="160" rx="16" fill="{colour}"/>'
            '<text x="80" y="78" font-size="22" text-anchor="middle" fill="#1f2937" '
            f'font-family="Noto Sans CJK SC, PingFang SC, sans-serif">{name}</text>'
            '<text x="80" y="110" font-size="15" text-anchor="middle" fill="#4b5563" '
            f'font-family="Noto Sans CJK SC, PingFang SC, sans-serif">{category}</text></svg>')
