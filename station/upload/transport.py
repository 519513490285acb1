"""HTTP(S) to the provincial platform: signed requests, TLS checks, retries with backoff.

One keep-alive connection is reused for a whole pass; any error closes it and the next
attempt opens a new one. What is retried and what is not follows province-api.md §3:
network errors, timeouts, 429 and 5xx mean nothing was stored and are retried with
exponential backoff and full jitter, waiting at least what Retry-After asks. A refused
signature, a clock the platform will not accept, or a malformed request are not cured
by waiting, so they end the pass with an error that says what to fix.
"""

from __future__ import annotations

import http.client
import json
import random
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from station.config import ProvinceSection, is_loopback
from station.timeutil import BEIJING, parse_time
from station.upload.signing import sign

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 300  # longer waits end the pass; the next pass resumes


class UploadError(Exception):
    """A pass cannot go on. `config` errors are the station's to fix (exit code 2)."""

    config = False


class TransientFailure(UploadError):
    """The platform could not be reached or kept failing after every retry."""


class CertificateRefused(UploadError):
    """The platform's certificate is not trusted (wrong CA file, or not the platform)."""


class PlatformRefused(UploadError):
    """The platform answered with an error that waiting will not cure."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        super().__init__(message)


class AuthRefused(PlatformRefused):
    """401 BAD_SIGNATURE or UNKNOWN_SITE: the key or the site code is wrong."""

    config = True


class ClockSkew(PlatformRefused):
    """401 CLOCK_SKEW: the station clock is `skew_s` seconds off the platform's."""

    def __init__(self, skew_s: int) -> None:
        self.skew_s = skew_s
        direction = "ahead of" if skew_s > 0 else "behind"
        super().__init__(
            401,
            "CLOCK_SKEW",
            f"the station clock is {abs(skew_s)} s {direction} the provincial platform; "
            "set the computer's clock right, then upload again",
        )


class Cancelled(UploadError):
    """The pass was asked to stop (the app is closing)."""


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter; `attempts` counts the first try too."""

    base_s: float = 1.0
    cap_s: float = 60.0
    attempts: int = 6

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None) -> float:
        jittered = rng.uniform(0, min(self.cap_s, self.base_s * 2**attempt))
        if retry_after is None:
            return jittered
        return retry_after + rng.uniform(0, self.base_s)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise PlatformRefused(
                self.status, "BAD_ANSWER", f"the platform answered {self.status} without JSON"
            ) from None


def skew_seconds(server_time: str, station_unix: float) -> int:
    """Station clock minus platform clock, from a `serverTime` in Beijing time."""
    server = parse_time(server_time).replace(tzinfo=BEIJING).timestamp()
    return round(station_unix - server)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def tls_context(settings: ProvinceSection) -> ssl.SSLContext:
    """Verify the platform against the configured CA bundle; TLS 1.2 or newer."""
    try:
        cafile = str(settings.ca_file) if settings.ca_file else None
        context = ssl.create_default_context(cafile=cafile)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if settings.client_cert:
            key = str(settings.client_key) if settings.client_key else None
            context.load_cert_chain(str(settings.client_cert), key)
    except (ssl.SSLError, OSError) as exc:
        error = UploadError(f"[province] TLS files cannot be used: {exc}")
        error.config = True
        raise error from None
    return context


@dataclass(frozen=True)
class Endpoint:
    scheme: str
    host: str
    port: int
    base_path: str

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme == "http" and not is_loopback(host):
            error = UploadError(
                f"[province] url {url!r}: plain http is refused except to this computer; "
                "use https://"
            )
            error.config = True
            raise error
        if parts.scheme not in ("http", "https") or not host:
            error = UploadError(f"[province] url {url!r} is not an http(s) address")
            error.config = True
            raise error
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return cls(parts.scheme, host, port, parts.path.rstrip("/"))


class Platform:
    """Signed calls to one platform with retries; not thread-safe (one pass, one thread)."""

    def __init__(
        self,
        settings: ProvinceSection,
        key: bytes,
        *,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.time,
        cancel: threading.Event | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.endpoint = Endpoint.parse(settings.url)
        self._context = tls_context(settings) if self.endpoint.scheme == "https" else None
        self._settings = settings
        self._key = key
        self._backoff = backoff or Backoff()
        self.clock = clock
        self._cancel = cancel or threading.Event()
        self._rng = rng or random.Random()
        self._conn: http.client.HTTPConnection | None = None
        self.retries = 0
        self.last_server_time: str | None = None

    # ---- public -------------------------------------------------------------------------

    def call(
        self,
        method: str,
        suffix: str,
        *,
        query: str = "",
        body: bytes = b"",
        content_type: str = "application/json",
    ) -> Answer:
        """One logical request, retried until it gets a final answer or retries run out."""
        last_problem = ""
        for attempt in range(self._backoff.attempts):
            self._check_cancel()
            try:
                answer = self._once(method, suffix, query, body, content_type)
            except ssl.SSLCertVerificationError as exc:
                raise CertificateRefused(
                    f"the platform's certificate is not trusted ({exc.verify_message}); "
                    "check [province] ca_file"
                ) from None
            except (OSError, http.client.HTTPException) as exc:
                last_problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                self._wait(attempt, None)
                continue
            if answer.status in RETRY_STATUSES or _nonce_reused(answer):
                last_problem = f"HTTP {answer.status}"
                self._wait(attempt, _retry_after(answer.headers))
                continue
            return self._final(answer)
        raise TransientFailure(
            f"{method} {suffix} failed {self._backoff.attempts} times; last: {last_problem}"
        )

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # ---- one attempt ----------------------------------------------------------------------

    def _once(self, method: str, suffix: str, query: str, body: bytes, kind: str) -> Answer:
        path = f"{self.endpoint.base_path}{suffix}"
        headers = sign(
            self._key,
            site_code=self._settings.site_code,
            method=method,
            path=path,
            query=query,
            body=body,
            unix_time=int(self.clock()),
        )
        if method in ("POST", "PUT"):
            headers["Content-Type"] = kind
        conn = self._connection()
        try:
            conn.request(method, f"{path}?{query}" if query else path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except BaseException:
            self.close()
            raise
        answer = Answer(response.status, _lower(response.getheaders()), data)
        if answer.headers.get("connection", "").lower() == "close":
            self.close()
        return answer

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            ep, timeout = self.endpoint, self._settings.timeout_s
            if self._context is not None:
                self._conn = http.client.HTTPSConnection(
                    ep.host, ep.port, timeout=timeout, context=self._context
                )
            else:
                self._conn = http.client.HTTPConnection(ep.host, ep.port, timeout=timeout)
        return self._conn

    def _final(self, answer: Answer) -> Answer:
        if answer.status < 400 or answer.status in (404, 422):
            return answer
        if answer.status == 401:
            raise self._auth_error(answer)
        detail = _error_detail(answer)
        raise PlatformRefused(
            answer.status, detail.get("code", ""), f"the platform refused: HTTP {answer.status} "
            f"{detail.get('code', '')} {detail.get('message', '')}".strip(),
        )  # fmt: skip

    def _auth_error(self, answer: Answer) -> PlatformRefused:
        detail = _error_detail(answer)
        code = detail.get("code", "")
        if code == "CLOCK_SKEW" and isinstance(detail.get("serverTime"), str):
            self.last_server_time = detail["serverTime"]
            return ClockSkew(skew_seconds(detail["serverTime"], self.clock()))
        hint = {
            "BAD_SIGNATURE": "the key in [province] key_file is not the one the province holds",
            "UNKNOWN_SITE": "the province does not know this site code",
        }.get(code, "authentication failed")
        return AuthRefused(401, code, f"the platform refused the station: {code or 401}: {hint}")

    def _wait(self, attempt: int, retry_after: float | None) -> None:
        self.retries += 1
        if attempt + 1 >= self._backoff.attempts:
            return
        if retry_after is not None and retry_after > MAX_RETRY_AFTER_S:
            raise TransientFailure(
                f"the platform asked to wait {retry_after:.0f} s; the next pass will resume"
            )
        if self._cancel.wait(self._backoff.delay(attempt, self._rng, retry_after)):
            raise Cancelled("the upload was stopped")

    def _check_cancel(self) -> None:
        if self._cancel.is_set():
            raise Cancelled("the upload was stopped")


def _lower(headers: list[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


def _error_detail(answer: Answer) -> dict[str, Any]:
    try:
        detail = json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return detail if isinstance(detail, dict) else {}


def _nonce_reused(answer: Answer) -> bool:
    # Our nonces are random; a reuse means a retried request raced a stored one. A new
    # attempt signs with a new nonce, so it is safe to send again.
    return answer.status == 409 and _error_detail(answer).get("code") == "NONCE_REUSED"
