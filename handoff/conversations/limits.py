"""How fast one visitor may open conversations and send messages (web chat, HTTP and WebSocket)."""

from handoff.core import limits
from handoff.core.context import Desk


def opening(desk: Desk, *, ip: str) -> None:
    limits.check(desk.redis, f"open:{ip}", limit=desk.settings.conversations_per_ip_per_hour,
                 window_seconds=3600, message="新建会话太频繁，请 {wait}后再试。")


def message(desk: Desk, *, conv_id: str, ip: str) -> None:
    settings = desk.settings
    limits.check(desk.redis, f"msg-conv:{conv_id}", limit=settings.messages_per_conversation_per_minute,
                 window_seconds=60, message="您发送得太快了，请 {wait}后再发。")
    limits.check(desk.redis, f"msg-ip:{ip}", limit=settings.messages_per_ip_per_minute,
                 window_seconds=60, message="您发送得太快了，请 {wait}后再发。")
