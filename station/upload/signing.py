"""Request signing (province-api.md §2): HMAC-SHA256 over six lines, with a fresh nonce."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def body_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def string_to_sign(
    method: str, path: str, query: str, *, timestamp: str, nonce: str, body: bytes
) -> bytes:
    lines = (method.upper(), path, query, timestamp, nonce, body_sha256(body))
    return "\n".join(lines).encode("utf-8")


def new_nonce() -> str:
    """32 lowercase hex characters; 128 random bits never repeat in practice."""
    return secrets.token_hex(16)


def sign(
    key: bytes,
    *,
    site_code: str,
    method: str,
    path: str,
    query: str,
    body: bytes,
    unix_time: int,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four authentication headers of one request."""
    timestamp = str(unix_time)
    nonce = nonce or new_nonce()
    message = string_to_sign(method, path, query, timestamp=timestamp, nonce=nonce, body=body)
    signature = hmac.new(key, message, hashlib.sha256).hexdigest()
    return {
        "X-Site-Code": site_code,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": signature,
    }
