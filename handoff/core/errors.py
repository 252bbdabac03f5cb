"""Domain errors raised by service functions; the app maps them to HTTP answers.

Messages are Simplified Chinese: they can reach a customer or an agent.
"""


class DeskError(Exception):
    status_code = 400

    def __init__(self, message: str, code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotFound(DeskError):
    status_code = 404


class Conflict(DeskError):
    status_code = 409


class Forbidden(DeskError):
    status_code = 403


class Unauthorized(DeskError):
    status_code = 401


FIELD_NAMES = {"text": "消息", "username": "用户名", "password": "密码", "display_name": "姓名",
               "contact": "联系方式", "capacity": "接待上限", "skills": "技能组", "tags": "标签"}


def describe_validation_error(error: dict) -> str:
    """One FastAPI/pydantic validation error as a sentence in Chinese."""
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
    field = FIELD_NAMES.get(loc[-1], ".".join(loc)) if loc else "请求"
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg", "")).removeprefix("Value error, ")
    if kind == "string_too_long":
        return f"{field}太长：最多 {ctx.get('max_length')} 个字"
    if kind == "string_too_short":
        shortest = ctx.get("min_length") or 1
        return f"{field}太短：至少 {shortest} 个字" if shortest > 1 else f"{field}不能为空"
    if kind == "missing":
        return f"缺少{field}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{field}超出允许范围"
    if kind.startswith("enum") or kind == "literal_error":
        return f"{field}的取值无效"
    return f"{field}格式不正确"
