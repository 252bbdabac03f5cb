"""WeChat's callback protocol: signatures, safe mode (AES), XML in and out.

The cryptography and the message classes are wechatpy's; two things are done
here instead: signatures are compared in constant time (wechatpy uses ``!=``),
and every XML document is parsed first by defusedxml with DTDs forbidden, so
that no entity is ever declared, let alone expanded, before wechatpy's own
parser sees it.
"""

import base64
import hmac
import time
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner, random_string

from handoff.core.settings import WechatAccount

# WeChat's limit for the content of a text message, in UTF-8 bytes.
MAX_TEXT_BYTES = 2048


class BadRequest(Exception):
    """Not a message WeChat would send: malformed, forbidden XML, or no Encrypt."""


class BadSignature(Exception):
    """The signature does not match the account's token."""


class WrongAppId(Exception):
    """The message decrypted, but for another official account."""


class StaleTimestamp(Exception):
    """The signed timestamp is missing, not a number, or too far from the desk's clock."""


class EncryptionRequired(Exception):
    """A plaintext message for an account with an EncodingAESKey (and not in compatible mode)."""


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def signature_ok(expected_parts: tuple[str, ...], signature: str | None) -> bool:
    return bool(signature) and hmac.compare_digest(sign(*expected_parts).encode(), signature.encode())


def check_timestamp(timestamp: str | None, *, max_skew_seconds: float) -> None:
    """Refuse a request whose timestamp is missing, not a number, or more than ``max_skew_seconds`` off.

    The timestamp is signed with the rest: a request captured and replayed
    later carries its old one."""
    if not timestamp or not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        raise StaleTimestamp("missing or not a number")
    skew = int(timestamp) - time.time()
    if abs(skew) > max_skew_seconds:
        raise StaleTimestamp(f"{skew:+.0f} s from the desk's clock")


def safe_fields(xml: bytes | str) -> dict[str, str]:
    """The child elements of ``<xml>``; no DTD, no entities, no external references."""
    try:
        root = SafeET.fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise BadRequest(f"{type(exc).__name__}: {exc}") from exc
    if root.tag != "xml":
        raise BadRequest("root element is not <xml>")
    return {child.tag: (child.text or "") for child in root}


def unwrap(account: WechatAccount, body: bytes, params: dict[str, str], *, max_skew_seconds: float) -> BaseMessage:
    """Check the request's signature and timestamp, decrypt it in safe mode, and parse the message.

    Both 兼容模式 and 安全模式 send ``encrypt_type=aes``, and only the
    ciphertext is signed: in 兼容模式 the plaintext copy beside it is ignored.
    A plaintext request (明文模式) for an account with an EncodingAESKey is
    refused unless the account is marked ``compatible_mode``."""
    timestamp, nonce = params.get("timestamp", ""), params.get("nonce", "")
    if params.get("encrypt_type", "raw") == "aes":
        if not account.encoding_aes_key:
            raise BadRequest("safe mode, but the account has no EncodingAESKey")
        encrypt = safe_fields(body).get("Encrypt")
        if not encrypt:
            raise BadRequest("no Encrypt element")
        if not signature_ok((account.token, timestamp, nonce, encrypt), params.get("msg_signature")):
            raise BadSignature()
        check_timestamp(timestamp, max_skew_seconds=max_skew_seconds)
        try:
            xml = PrpCrypto(_aes_key(account)).decrypt(encrypt, account.app_id)
        except InvalidAppIdException as exc:
            raise WrongAppId() from exc
        except Exception as exc:  # bad base64, padding or length
            raise BadRequest(f"cannot decrypt: {type(exc).__name__}") from exc
    else:
        if not signature_ok((account.token, timestamp, nonce), params.get("signature")):
            raise BadSignature()
        check_timestamp(timestamp, max_skew_seconds=max_skew_seconds)
        if account.encoding_aes_key and not account.compatible_mode:
            raise EncryptionRequired()
        xml = body
    fields = safe_fields(xml)
    if not fields.get("MsgType") or not fields.get("FromUserName"):
        raise BadRequest("no MsgType or FromUserName")
    return parse_message(xml)  # already checked by defusedxml: nothing to expand


def _aes_key(account: WechatAccount) -> bytes:
    return base64.b64decode(account.encoding_aes_key + "=")


def render_text_reply(account: WechatAccount, message: BaseMessage, content: str, encrypted: bool) -> str:
    """The passive reply to ``message``, encrypted when the request was."""
    xml = TextReply(source=message.target, target=message.source, content=content).render()
    if not encrypted:
        return xml
    crypto = WeChatCrypto(account.token, account.encoding_aes_key, account.app_id)
    return crypto.encrypt_message(xml, random_string(16), str(int(time.time())))


def dedupe_key(message: BaseMessage) -> str:
    """Messages: MsgId. Events have none: FromUserName + CreateTime."""
    if message.type != "event" and message.id:
        return f"m{message.id}"
    return f"e{message.source}:{message.time}"


def split_text(parts: list[str], limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Join the parts into as few WeChat messages as the byte limit allows."""
    chunks: list[str] = []
    current = ""
    for part in parts:
        for piece in _pieces(part, limit):
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined.encode()) <= limit:
                current = joined
            else:
                chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks


def _pieces(text: str, limit: int) -> list[str]:
    """One message's text, cut where it alone is longer than the limit."""
    pieces, current = [], ""
    for ch in text:
        if len((current + ch).encode()) > limit:
            pieces.append(current)
            current = ""
        current += ch
    return [*pieces, current] if current else pieces
