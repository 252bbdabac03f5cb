"""How fast one visitor may open conversations and send messages (web chat, HTTP and WebSocket)."""

from handoff.core import limits
from handoff.core.context import Desk
from handoff.core.limits import Limit


def opening(desk: Desk, *, ip: str) -> None:
    limits.check(desk.redis, Limit(f"open:{ip}", desk.settings.conversations_per_ip_per_hour, 3600),
                 message="新建会话太频繁，请 {wait}后再试。")


def message(desk: Desk, *, conv_id: str, ip: str) -> None:
    """One message of a conversation from one address: both counted in one round trip to Redis."""
    settings = desk.settings
    limits.check(desk.redis,
                 Limit(f"msg-conv:{conv_id}", settings.messages_per_conversation_per_minute, 60),
                 Limit(f"msg-ip:{ip}", settings.messages_per_ip_per_minute, 60),
                 message="您发送得太快了，请 {wait}后再发。")
