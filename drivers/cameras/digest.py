"""HTTP Digest authentication (RFC 7616, MD5, qop=auth) for cameras that log in to us.

Dahua cameras authenticate towards their "platform server" with Digest. The listener is
the server here: it challenges, the camera answers. MD5 is what camera firmware speaks;
it is the protocol's choice, not a password store (nothing here is kept on disk).

Nonces are stateless: a timestamp and an HMAC of it under a per-process secret, so any
listener thread can check them and a restart invalidates them. Nonce counts are not
tracked; a replayed request can only re-deliver a plate the camera already sent.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

NONCE_LIFETIME_S = 300.0
_PARAM = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')
_ESCAPED = re.compile(r"\\(.)")


@dataclass(frozen=True, slots=True)
class DigestCredentials:
    """The account a camera is configured with to log in to the station."""

    username: str
    password: str
    realm: str = "overload-station"

    def __post_init__(self) -> None:
        if not self.username:
            raise ValueError("digest username must not be empty")
        if '"' in self.realm or "\\" in self.realm:
            raise ValueError("digest realm must not contain quotes or backslashes")


class Verdict(Enum):
    OK = "ok"
    MISSING = "missing"  # no Digest Authorization header: challenge
    STALE = "stale"  # right password, old nonce: challenge with stale=true
    INVALID = "invalid"  # wrong user, password, realm, uri or nonce: challenge


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def parse_params(header: str) -> dict[str, str]:
    """The name=value parameters of a Digest header (without the scheme word)."""
    params = {}
    for match in _PARAM.finditer(header):
        quoted, bare = match.group(2), match.group(3)
        value = _ESCAPED.sub(r"\1", quoted) if quoted is not None else bare
        params[match.group(1).lower()] = value
    return params


def response_hash(
    params: dict[str, str], method: str, username: str, password: str, realm: str
) -> str:
    """The `response` value a client must send for these parameters."""
    ha1 = md5_hex(f"{username}:{realm}:{password}")
    ha2 = md5_hex(f"{method}:{params.get('uri', '')}")
    nonce = params.get("nonce", "")
    if params.get("qop"):
        nc, cnonce, qop = params.get("nc", ""), params.get("cnonce", ""), params["qop"]
        return md5_hex(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return md5_hex(f"{ha1}:{nonce}:{ha2}")  # RFC 2069 clients


class DigestAuthenticator:
    """Issues challenges and checks Authorization headers for one set of credentials."""

    def __init__(
        self,
        credentials: DigestCredentials,
        *,
        nonce_lifetime_s: float = NONCE_LIFETIME_S,
        clock: Callable[[], float] = time.time,
        secret: bytes | None = None,
    ) -> None:
        self.credentials = credentials
        self._lifetime = nonce_lifetime_s
        self._clock = clock
        self._secret = secret or os.urandom(32)

    def challenge(self, *, stale: bool = False) -> str:
        """A WWW-Authenticate header value."""
        realm = self.credentials.realm
        value = f'Digest realm="{realm}", qop="auth", algorithm=MD5, nonce="{self._nonce()}"'
        return value + (", stale=true" if stale else "")

    def check(self, method: str, uri: str, authorization: str | None) -> Verdict:
        """Judge the Authorization header of a request for `uri` (its request-target)."""
        scheme, _, rest = (authorization or "").strip().partition(" ")
        if scheme.lower() != "digest":
            return Verdict.MISSING
        params = parse_params(rest)
        if not self._claims_match(params, uri):
            return Verdict.INVALID
        account = self.credentials
        expected = response_hash(params, method, account.username, account.password, account.realm)
        if not hmac.compare_digest(expected, params.get("response", "").lower()):
            return Verdict.INVALID
        return self._nonce_verdict(params.get("nonce", ""))

    def _claims_match(self, params: dict[str, str], uri: str) -> bool:
        if params.get("algorithm", "MD5").upper() != "MD5":
            return False
        if params.get("qop") not in (None, "auth"):
            return False
        return (
            hmac.compare_digest(params.get("username", ""), self.credentials.username)
            and params.get("realm") == self.credentials.realm
            and params.get("uri") == uri
        )

    def _nonce(self) -> str:
        stamp = f"{int(self._clock()):x}"
        return f"{stamp}.{self._mac(stamp)}"

    def _mac(self, stamp: str) -> str:
        return hmac.new(self._secret, stamp.encode("ascii"), hashlib.sha256).hexdigest()[:32]

    def _nonce_verdict(self, nonce: str) -> Verdict:
        stamp, _, mac = nonce.partition(".")
        if not hmac.compare_digest(self._mac(stamp), mac):
            return Verdict.INVALID
        try:
            issued = int(stamp, 16)
        except ValueError:
            return Verdict.INVALID
        age = self._clock() - issued
        return Verdict.OK if 0 <= age <= self._lifetime else Verdict.STALE


def authorization(
    challenge: str, method: str, uri: str, username: str, password: str, *, cnonce: str = ""
) -> str:
    """The Authorization header a client sends in answer to `challenge` (for simulators)."""
    params = parse_params(challenge.strip().partition(" ")[2])
    realm, nonce = params.get("realm", ""), params.get("nonce", "")
    answer = {"uri": uri, "nonce": nonce}
    if "auth" in params.get("qop", "").split(","):
        answer |= {"qop": "auth", "nc": "00000001", "cnonce": cnonce or os.urandom(8).hex()}
    answer["response"] = response_hash(answer, method, username, password, realm)
    fields = [f'username="{username}"', f'realm="{realm}"'] + [
        f"{key}={value}" if key in {"qop", "nc"} else f'{key}="{value}"'
        for key, value in answer.items()
    ]
    return "Digest " + ", ".join(fields)
