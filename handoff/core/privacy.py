"""No personal data in the logs: mobile numbers masked, tokens never written.

``PrivacyFilter`` is attached to the handlers of the desk's process
(create_app): every record, ours or a library's (uvicorn's access log), is
rewritten before it is formatted.
"""

import logging
import re

from handoff.core.patterns import PHONE_IN_TEXT as PHONE

# token=..., signature=..., msg_signature=... in a logged URL or message.
SECRET_PARAMS = re.compile(r"(?i)\b((?:chat_)?token|signature|msg_signature|echostr|code)=([^&\s\"']+)")


def mask_phone(phone: str) -> str:
    """13800000001 -> 138****0001."""
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "***"


def scrub(text: str) -> str:
    text = PHONE.sub(lambda m: mask_phone(m.group(0)), text)
    return SECRET_PARAMS.sub(lambda m: f"{m.group(1)}=***", text)


class PrivacyFilter(logging.Filter):
    """Scrubs the message and each string argument (formatters such as uvicorn's
    access log read the arguments themselves)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(scrub(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: scrub(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install(*logger_names: str) -> None:
    """Scrub every handler of these loggers and of the root logger (given one if it has none,
    so that the desk's own warnings pass through the filter too)."""
    privacy = PrivacyFilter()
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    for name in ("", *logger_names):
        logger = logging.getLogger(name)
        if not any(isinstance(f, PrivacyFilter) for f in logger.filters):
            logger.addFilter(privacy)
        for handler in logger.handlers:
            if not any(isinstance(f, PrivacyFilter) for f in handler.filters):
                handler.addFilter(privacy)
