"""The first start: FAQ answers and training examples from data/ into the database."""

from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.knowledge.models import Example, FaqAnswer, Revision
from handoff.knowledge.text import plain

# Titles the admin pages show for the FAQ answers that ship with the demo shop.
FAQ_TITLES = {
    "return_conditions": "七天无理由退货条件", "non_returnable_items": "不支持无理由退货的商品",
    "return_shipping_fee": "退货运费谁承担", "refund_unshipped": "未发货订单退款",
    "return_pickup": "退货上门取件", "refund_time_after_receipt": "仓库收货后多久退款",
    "refund_photo": "退款是否需要拍照", "damaged_goods": "商品破损怎么办",
    "wrong_missing_items": "发错或漏发", "refund_destination": "退款退到哪里",
    "shipping_time": "付款后多久发货", "delivery_time_same_city": "同城送达时间",
    "delivery_time_province": "外省送达时间", "delivery_time_remote": "偏远地区送达时间",
    "late_shipment": "发货延迟补偿", "tracking_status": "物流状态说明",
    "signed_not_received": "显示签收但没收到", "tier_thresholds": "会员等级门槛",
    "tier_benefits_regular": "普通会员权益", "tier_benefits_silver": "银卡会员权益",
    "tier_benefits_gold": "金卡会员权益", "birthday_benefits": "生日福利",
    "earn_points": "如何获得积分", "checkin_points": "签到积分", "referral_points": "邀请好友积分",
    "points_value": "积分价值", "points_coupons": "积分兑换优惠券", "invoice": "开发票",
    "vat_invoice": "增值税专用发票", "payment_methods": "支付方式", "change_address": "修改收货地址",
    "cancel_unpaid_order": "取消未付款订单", "agent_hours": "人工客服工作时间",
    "shipping_insurance": "运费险", "refuse_delivery": "拒收包裹", "parcel_station": "驿站与自提点",
}


def read_examples(nlu_dir: Path) -> list[tuple[str, str]]:
    """(intent, text) of every intent example in the NLU files, in file order."""
    found = []
    for path in sorted(nlu_dir.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    found.append((block["intent"], line[2:].strip()))
    return found


def read_faq_responses(path: Path) -> dict[str, dict]:
    responses = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}
    answers = {}
    for name, variants in responses.items():
        if name.startswith("utter_faq/") and variants:
            first = variants[0]
            answers[name.removeprefix("utter_faq/")] = {"text": first.get("text", ""),
                                                        "buttons": first.get("buttons") or []}
    return answers


def seed_if_empty(db: Session, data_dir: Path, now: datetime) -> bool:
    """Loads data/ into the database unless it already holds examples. True when it did."""
    if db.scalar(select(func.count()).select_from(Example)):
        return False
    try:
        for key, answer in read_faq_responses(data_dir / "responses" / "faq.yml").items():
            db.add(FaqAnswer(key=key, title=FAQ_TITLES.get(key, key), text=answer["text"],
                             buttons=answer["buttons"], version=1, updated_at=now, updated_by="初始数据"))
        rows = {(intent, text): {"intent": intent, "text": text, "plain": plain(text), "source": "seed",
                                 "holdout": False, "created_at": now, "created_by": "初始数据"}
                for intent, text in read_examples(data_dir / "nlu")}
        db.execute(insert(Example), list(rows.values()))  # one statement for a few thousand rows
        if db.get(Revision, 1) is None:
            db.add(Revision(id=1, revision=0, changed_at=now))
        db.commit()
    except IntegrityError:  # another desk process seeded at the same moment (unique FAQ keys)
        db.rollback()
        return False
    return True
