"""Checking the signature of a webhook POST in your receiver."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["verify_webhook_signature"]


def verify_webhook_signature(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether `signature` (the `X-Labelkit-Signature` header, `sha256=<hex>`) is the
    HMAC-SHA256 of the raw request `body` keyed by the webhook's `secret`.

    Compare against the body bytes as received, before any JSON parsing.
    """
    if not signature or not signature.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.removeprefix("sha256="))
