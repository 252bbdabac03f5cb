"""Signatures that carry identity across a trust boundary (standard library only).

- A shop's server signs a logged-in customer's id for its page:
  ``hex(HMAC-SHA256(shop_secret, "<customer_id>:<unix timestamp>"))``; the
  desk accepts it for ``signed_id_max_age_seconds``.
- The desk signs the metadata it sends Rasa with each message (who the
  customer is, for which conversation); the action server believes a
  ``customer_id`` only with a valid signature (actions/identity.py), so a
  message that reached Rasa some other way cannot speak for a customer.
"""

import hashlib
import hmac

# The metadata fields the signature covers, in this order.
SIGNED_FIELDS = ("customer_id", "tier", "channel")


def _hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def same(expected: str, given: object) -> bool:
    """Constant-time comparison that is simply False for a non-string or non-ASCII ``given``."""
    if not isinstance(given, str) or not given.isascii():
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def sign_customer(secret: str, customer_id: str, timestamp: int | None = None) -> str:
    """What a shop's server gives its page. Without a timestamp: the old form (development only)."""
    return _hmac(secret, customer_id if timestamp is None else f"{customer_id}:{timestamp}")


def customer_signature_ok(secret: str, customer_id: str, signature: object, timestamp: int | None,
                          *, now: float, max_age: float, allow_unstamped: bool) -> bool:
    if timestamp is None:
        return allow_unstamped and same(sign_customer(secret, customer_id), signature)
    if abs(now - timestamp) > max_age:
        return False
    return same(sign_customer(secret, customer_id, timestamp), signature)


def _metadata_message(sender_id: str, metadata: dict) -> str:
    return "\n".join([sender_id] + [str(metadata.get(f) or "") for f in SIGNED_FIELDS])


def sign_metadata(secret: str, sender_id: str, metadata: dict) -> dict:
    """``metadata`` with its ``signature`` over the sender and the identity fields."""
    return {**metadata, "signature": _hmac("metadata:" + secret, _metadata_message(sender_id, metadata))}


def metadata_signature_ok(secret: str, sender_id: str, metadata: dict) -> bool:
    expected = _hmac("metadata:" + secret, _metadata_message(sender_id, metadata))
    return same(expected, metadata.get("signature"))
