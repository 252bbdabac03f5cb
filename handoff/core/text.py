"""Checks of the text people type, shared by the request schemas."""


def not_blank(value: str) -> str:
    """A message of only spaces is refused like an empty one (422, in Chinese)."""
    if not value.strip():
        raise ValueError("消息不能为空")
    return value
