"""The desk's long-lived parts, built once by the app's lifespan.

Routes get it with ``Depends(get_desk)`` (core/deps.py); background loops and services
that open their own database sessions take it as an argument.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from handoff.core.settings import Settings
from handoff.shop.catalog import Catalog
from handoff.shop.policy import Policy

if TYPE_CHECKING:
    from handoff.conversations.bot import BotClient
    from handoff.core.realtime import Hub
    from handoff.wechat.api import WechatApi


@dataclass
class Desk:
    settings: Settings
    session_factory: sessionmaker
    redis: Redis
    # The shop's rules in force (policy.yml or the admin's edits) and their version.
    policy: Policy
    bot: "BotClient"
    hub: "Hub"
    # The shop's products and promotions (catalog.yml).
    catalog: Catalog
    # WeChat's API client; None when no official account is configured.
    wechat: "WechatApi | None" = None
    policy_version: int = 0

    def session(self) -> Session:
        return self.session_factory()
