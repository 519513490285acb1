"""HTTP Digest checks in isolation (the over-HTTP exchange is in test_listener)."""

from __future__ import annotations

import pytest

from drivers.cameras.digest import (
    DigestAuthenticator,
    DigestCredentials,
    Verdict,
    authorization,
    md5_hex,
    parse_params,
    response_hash,
)

ACCOUNT = DigestCredentials("camera", "s3cret", realm="station")


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def auth(clock: Clock) -> DigestAuthenticator:
    return DigestAuthenticator(ACCOUNT, clock=clock, nonce_lifetime_s=60)


def answer(
    auth: DigestAuthenticator,
    *,
    user: str = "camera",
    password: str = "s3cret",
    uri: str = "/NotificationInfo/TollgateInfo",
) -> str:
    return authorization(auth.challenge(), "POST", uri, user, password)


def test_rfc_2617_example_response() -> None:
    # The worked example of RFC 2617 §3.5 (qop=auth, GET).
    params = {
        "nonce": "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        "uri": "/dir/index.html",
        "qop": "auth",
        "nc": "00000001",
        "cnonce": "0a4f113b",
    }
    digest = response_hash(params, "GET", "Mufasa", "Circle Of Life", "testrealm@host.com")
    assert digest == "6629fae49393a05397450978507c4ef1"


def test_correct_answer_is_accepted(auth: DigestAuthenticator) -> None:
    assert auth.check("POST", "/NotificationInfo/TollgateInfo", answer(auth)) is Verdict.OK


def test_challenge_offers_md5_with_qop_auth(auth: DigestAuthenticator) -> None:
    challenge = auth.challenge()
    params = parse_params(challenge.partition(" ")[2])
    assert challenge.startswith("Digest ")
    assert (params["realm"], params["qop"], params["algorithm"]) == ("station", "auth", "MD5")
    assert "stale" not in params
    assert parse_params(auth.challenge(stale=True).partition(" ")[2])["stale"] == "true"


@pytest.mark.parametrize(
    ("header", "verdict"),
    [
        (None, Verdict.MISSING),
        ("", Verdict.MISSING),
        ("Basic Y2FtZXJhOnMzY3JldA==", Verdict.MISSING),
    ],
)
def test_missing_digest(auth: DigestAuthenticator, header: str | None, verdict: Verdict) -> None:
    assert auth.check("POST", "/x", header) is verdict


def test_wrong_password_user_or_uri_is_invalid(auth: DigestAuthenticator) -> None:
    uri = "/NotificationInfo/TollgateInfo"
    assert auth.check("POST", uri, answer(auth, password="guess")) is Verdict.INVALID
    assert auth.check("POST", uri, answer(auth, user="admin")) is Verdict.INVALID
    assert auth.check("POST", uri, answer(auth, uri="/other")) is Verdict.INVALID
    assert auth.check("GET", uri, answer(auth)) is Verdict.INVALID


def test_forged_nonce_is_invalid(auth: DigestAuthenticator) -> None:
    forged = DigestAuthenticator(ACCOUNT, secret=b"another secret")
    header = authorization(forged.challenge(), "POST", "/p", "camera", "s3cret")
    assert auth.check("POST", "/p", header) is Verdict.INVALID


def test_old_nonce_with_right_password_is_stale(auth: DigestAuthenticator, clock: Clock) -> None:
    header = answer(auth, uri="/p")
    clock.now += 61
    assert auth.check("POST", "/p", header) is Verdict.STALE
    assert auth.check("POST", "/p", answer(auth, uri="/p")) is Verdict.OK


def test_client_without_qop_rfc_2069(auth: DigestAuthenticator) -> None:
    nonce = parse_params(auth.challenge().partition(" ")[2])["nonce"]
    params = {"uri": "/p", "nonce": nonce}
    digest = md5_hex(f"{md5_hex('camera:station:s3cret')}:{nonce}:{md5_hex('POST:/p')}")
    assert response_hash(params, "POST", "camera", "s3cret", "station") == digest
    header = (
        f'Digest username="camera", realm="station", nonce="{nonce}", uri="/p", response="{digest}"'
    )
    assert auth.check("POST", "/p", header) is Verdict.OK


def test_other_algorithms_are_refused(auth: DigestAuthenticator) -> None:
    header = answer(auth, uri="/p") + ", algorithm=SHA-256"
    assert auth.check("POST", "/p", header) is Verdict.INVALID


def test_parse_params_handles_quotes_escapes_and_bare_values() -> None:
    params = parse_params(r'username="a\"b", nc=00000001, qop=auth, uri="/x,y"')
    assert params == {"username": 'a"b', "nc": "00000001", "qop": "auth", "uri": "/x,y"}


def test_credentials_are_validated() -> None:
    with pytest.raises(ValueError, match="username"):
        DigestCredentials("", "pw")
    with pytest.raises(ValueError, match="realm"):
        DigestCredentials("u", "pw", realm='bad"realm')
