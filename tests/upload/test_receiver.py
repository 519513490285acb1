"""The reference receiver (tests/support/province_receiver.py) against province-api.md.

The client here is deliberately separate from the station's: plain http.client, signing and
record sealing written out below from the spec, so a shared misreading cannot hide.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import secrets
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.province_receiver import Fault, ProvinceReceiver
from tests.support.tls import LoopbackPki

SITE = "410100210001"
KEY = bytes.fromhex("8f" * 16 + "3a" * 16)
ZERO = "0" * 64
BEIJING = timezone(timedelta(hours=8))
GROUPS_157 = (1, 5, 5, 7, 7, 7)
SPACINGS = (3400, 1350, 6000, 1310, 1310, 0)
LEGAL = (7000, 9000, 9000, 8000, 8000, 8000)  # 49000 kg: at the 6-axle limit
OVER = (7000, 10000, 10000, 10000, 11000, 11000)  # 59000 kg: 10 t over


# --- a minimal, independent station side --------------------------------------------------


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(
    method: str,
    path: str,
    query: str,
    body: bytes,
    *,
    key: bytes = KEY,
    site: str = SITE,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    lines = [method, path, query, stamp, nonce, hashlib.sha256(body).hexdigest()]
    signature = hmac.new(key, "\n".join(lines).encode(), hashlib.sha256).hexdigest()
    return {"X-Site-Code": site, "X-Timestamp": stamp, "X-Nonce": nonce, "X-Signature": signature}


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    json: Any


class Client:
    """Signed requests over one keep-alive connection, reopened after a failure."""

    def __init__(
        self, base_url: str, context: ssl.SSLContext | None = None, timeout: float = 5.0
    ) -> None:
        split = urlsplit(base_url)
        self.https = split.scheme == "https"
        self.host, self.port, self.base_path = split.hostname or "", split.port, split.path
        self.context = context
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None
        self.connections_opened = 0

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connections_opened += 1
            if self.https:
                self.connection = http.client.HTTPSConnection(
                    self.host, self.port, timeout=self.timeout, context=self.context
                )
            else:
                self.connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout
                )
        return self.connection

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        query: str = "",
        content_type: str | None = "application/json",
        override: dict[str, str | None] | None = None,
        **signing: Any,
    ) -> Reply:
        full_path = self.base_path + path
        headers: dict[str, str | None] = dict(
            sign(method, full_path, query, body or b"", **signing)
        )
        if content_type and body is not None:
            headers["Content-Type"] = content_type
        headers.update(override or {})
        sent = {name: value for name, value in headers.items() if value is not None}
        target = full_path + (f"?{query}" if query else "")
        connection = self._connect()
        try:
            connection.request(method, target, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
        except BaseException:
            self.close()
            raise
        payload = json.loads(data) if data else None
        return Reply(response.status, response.headers, payload)

    def post(self, path: str, payload: Any, **options: Any) -> Reply:
        return self.call("POST", path, json.dumps(payload, ensure_ascii=False).encode(), **options)

    def send(self, *records: dict[str, Any], **options: Any) -> Reply:
        return self.post("/records", {"siteCode": SITE, "records": list(records)}, **options)

    def put_picture(self, data: bytes, sha: str | None = None, media: str = "image/jpeg") -> Reply:
        sha = sha or hashlib.sha256(data).hexdigest()
        return self.call("PUT", f"/pictures/{sha}", data, content_type=media)

    def head_picture(self, sha: str) -> Reply:
        return self.call("HEAD", f"/pictures/{sha}")


def statuses(reply: Reply) -> list[str]:
    assert reply.status == 200, reply.json
    return [result["status"] for result in reply.json["results"]]


def only_result(reply: Reply) -> dict[str, Any]:
    assert reply.status == 200, reply.json
    (result,) = reply.json["results"]
    return result


# --- records written out from §3 ----------------------------------------------------------


def seal(record: dict[str, Any], prev_hash: str) -> dict[str, Any]:
    body = {name: value for name, value in record.items() if name != "recordHash"}
    body["prevHash"] = prev_hash
    return {**body, "recordHash": hashlib.sha256(canonical(body)).hexdigest()}


def chain(*records: dict[str, Any], prev_hash: str = ZERO) -> list[dict[str, Any]]:
    sealed = []
    for record in records:
        sealed.append(seal(record, prev_hash))
        prev_hash = sealed[-1]["recordHash"]
    return sealed


def picture_ref(data: bytes, file_type: int = 12) -> dict[str, Any]:
    return {"fileType": file_type, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def check(
    seq: int,
    check_no: str,
    weights: tuple[int, ...] = LEGAL,
    *,
    first: str | None = None,
    pictures: tuple[bytes, ...] = (),
    limit: int = 49000,
) -> dict[str, Any]:
    """A complete CHECK of a 6-axle combination (axleType 157) weighed axle by axle."""
    total = sum(weights)
    over = max(0, total - limit)
    rate = (Decimal(over) * 100 / Decimal(limit)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    record = {
        "recordType": "CHECK",
        "seq": seq,
        "siteCode": SITE,
        "checkNo": check_no,
        "checkType": 1 if first is None else 2,
        "lane": 1,
        "direction": 0,
        "checkTime": "2026-11-25 14:03:27",
        "plateNum": "豫A12345",
        "plateColor": 1,
        "plateSource": "ANPR",
        "axleCnt": 6,
        "axleType": "157",
        "vehicleClass": "GB1589-2016:6axle-combination",
        "axles": [
            {"no": index + 1, "weight": weight, "group": group, "spacing": spacing}
            for index, (weight, group, spacing) in enumerate(
                zip(weights, GROUPS_157, SPACINGS, strict=True)
            )
        ],
        "sumWeight": total,
        "limitWeight": limit,
        "overWeight": over,
        "overRate": f"{rate:.2f}",
        "isOver": 1 if total > limit else 0,
        "weighMode": "AXLE",
        "speed": "5.2",
        "scaleId": "lane1-axle-scale",
        "certNo": "JD-2026-0001",
        "certValidUntil": "2027-06-30",
        "operatorId": "op01",
        "pictures": [picture_ref(data, 11 + index) for index, data in enumerate(pictures)],
        "flags": [],
    }
    if first is not None:
        record["firstCheckNo"] = first
    return record


def close(seq: int, check_no: str, result: str, **fields: Any) -> dict[str, Any]:
    return {
        "recordType": "CLOSE",
        "seq": seq,
        "siteCode": SITE,
        "checkNo": check_no,
        "closeTime": "2026-11-25 15:10:00",
        "result": result,
        "operatorId": "op01",
        **fields,
    }


def void(seq: int, target_seq: int, check_no: str) -> dict[str, Any]:
    return {
        "recordType": "VOID",
        "seq": seq,
        "siteCode": SITE,
        "targetSeq": target_seq,
        "checkNo": check_no,
        "reason": "wrong vehicle",
        "approverId": "sup01",
    }


def checks(count: int, start: int = 1, prev_hash: str = ZERO) -> list[dict[str, Any]]:
    return chain(
        *(check(seq, f"C{seq:06d}") for seq in range(start, start + count)), prev_hash=prev_hash
    )


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> LoopbackPki:
    return LoopbackPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def receiver(pki: LoopbackPki) -> Iterator[ProvinceReceiver]:
    with ProvinceReceiver({SITE: KEY}, ssl_context=pki.server_context(), hold_seconds=1.0) as r:
        yield r
        assert r.errors() == []


@pytest.fixture
def client(receiver: ProvinceReceiver, pki: LoopbackPki) -> Iterator[Client]:
    station = Client(receiver.base_url, pki.client_context())
    yield station
    station.close()


# --- §2 authentication --------------------------------------------------------------------


def test_a_signed_request_is_answered_and_a_wrong_signature_refused(client: Client) -> None:
    assert statuses(client.send(*checks(1))) == ["ACCEPTED"]

    wrong_key = client.send(*checks(1), key=bytes(32))
    assert (wrong_key.status, wrong_key.json) == (401, {"code": "BAD_SIGNATURE"})
    forged = client.send(*checks(1), override={"X-Signature": "0" * 64})
    assert forged.json == {"code": "BAD_SIGNATURE"}
    unsigned = client.send(*checks(1), override={"X-Signature": None})
    assert unsigned.json == {"code": "BAD_SIGNATURE"}


def test_the_signature_covers_path_query_and_body(client: Client) -> None:
    without_base = sign("GET", "/watchlist", "", b"")
    assert client.call("GET", "/watchlist", override=dict(without_base)).status == 401
    # Signed without the query, sent with one.
    headers = sign("GET", "/zc/v1/watchlist", "", b"")
    moved = client.call("GET", "/watchlist", query="since=abc", override=dict(headers))
    assert moved.json == {"code": "BAD_SIGNATURE"}
    signed = sign("POST", "/zc/v1/heartbeat", "", b"{}")
    other_body = client.post("/heartbeat", {"siteCode": SITE}, override=dict(signed))
    assert other_body.json == {"code": "BAD_SIGNATURE"}


def test_an_unknown_site_is_refused(client: Client) -> None:
    reply = client.send(*checks(1), site="410100219999")
    assert (reply.status, reply.json) == (401, {"code": "UNKNOWN_SITE"})


def test_clock_skew_is_refused_with_the_server_time(
    client: Client, receiver: ProvinceReceiver
) -> None:
    receiver.clock_offset = 3600
    reply = client.send(*checks(1))
    assert reply.status == 401 and reply.json["code"] == "CLOCK_SKEW"
    server_time = datetime.strptime(reply.json["serverTime"], "%Y-%m-%d %H:%M:%S")
    expected = datetime.now(BEIJING).replace(tzinfo=None) + timedelta(hours=1)
    assert abs((server_time - expected).total_seconds()) < 5

    receiver.clock_offset = 0
    assert client.send(*checks(1), timestamp=int(time.time()) - 290).status == 200
    late = client.send(*checks(1), timestamp=int(time.time()) - 320)
    assert late.json["code"] == "CLOCK_SKEW"
    assert receiver.held_records().keys() == {1}


def test_a_nonce_is_used_once(client: Client, receiver: ProvinceReceiver) -> None:
    nonce = secrets.token_hex(16)
    assert client.send(*checks(1), nonce=nonce).status == 200
    again = client.send(*checks(1), nonce=nonce)
    assert (again.status, again.json) == (409, {"code": "NONCE_REUSED"})
    assert receiver.duplicate_counts() == {}  # the refused request was not processed


# --- §3 records ---------------------------------------------------------------------------


def case_records() -> list[dict[str, Any]]:
    return chain(
        check(1, "A001", OVER),
        check(2, "A002", LEGAL, first="A001"),
        close(3, "A001", "UNLOADED", recheckNo="A002", unloadWeight=10000, orderNo="XZ-7"),
        void(4, 3, "A001"),
        close(5, "A001", "POLICE", orderNo="XZ-7"),
        check(6, "A003", LEGAL),
        close(7, "A003", "NOT_OVER"),
    )


def test_a_case_with_reweigh_close_void_and_reclose_is_accepted_in_one_batch(
    client: Client, receiver: ProvinceReceiver
) -> None:
    records = case_records()
    assert statuses(client.send(*records)) == ["ACCEPTED"] * 7
    assert receiver.held_records() == {record["seq"]: record for record in records}
    assert receiver.store_counts() == dict.fromkeys(range(1, 8), 1)

    closed_again = seal(close(8, "A001", "ABSCONDED"), records[-1]["recordHash"])
    result = only_result(client.send(closed_again))
    assert (result["status"], result["code"]) == ("REJECTED", "INVALID_FIELD")
    assert result["message"].startswith("checkNo:")
    assert 8 not in receiver.held_records()
    assert receiver.rejections()[8][0] == "INVALID_FIELD"


@pytest.mark.parametrize(
    ("record", "path"),
    [
        (close(2, "A001", "NOT_OVER"), "result"),
        (close(2, "A001", "POLICE", permitNo="P-1"), "permitNo"),
        (close(2, "A001", "UNLOADED", unloadWeight=10000), "recheckNo"),
        (close(2, "A001", "PERMIT"), "permitNo"),
        (void(2, 1, "A001") | {"targetSeq": 2}, "targetSeq"),
        (check(2, "A001"), "checkNo"),
    ],
)
def test_close_void_and_check_rules(client: Client, record: dict[str, Any], path: str) -> None:
    first = chain(check(1, "A001", OVER))
    assert statuses(client.send(*first)) == ["ACCEPTED"]
    result = only_result(client.send(seal(record, first[0]["recordHash"])))
    assert result["code"] == "INVALID_FIELD"
    assert result["message"].startswith(f"{path}:"), result["message"]


def test_duplicate_and_conflict(client: Client, receiver: ProvinceReceiver) -> None:
    records = checks(2)
    assert statuses(client.send(*records)) == ["ACCEPTED", "ACCEPTED"]
    assert statuses(client.send(*records)) == ["DUPLICATE", "DUPLICATE"]

    other = seal(check(2, "C000002") | {"plateNum": "豫B54321"}, records[0]["recordHash"])
    conflict = only_result(client.send(other))
    assert (conflict["status"], conflict["code"]) == ("REJECTED", "CONFLICT")
    assert receiver.held_records()[2] == records[1]
    assert receiver.rejections().keys() == {2}

    assert statuses(client.send(records[1])) == ["DUPLICATE"]
    assert receiver.rejections() == {}  # the latest submission of seq 2 is fine again
    assert receiver.store_counts() == {1: 1, 2: 1}
    assert receiver.duplicate_counts() == {1: 1, 2: 2}


def test_a_record_not_matching_its_hash_is_rejected(
    client: Client, receiver: ProvinceReceiver
) -> None:
    (record,) = checks(1)
    record["plateNum"] = "豫A99999"
    result = only_result(client.send(record))
    assert (result["status"], result["code"]) == ("REJECTED", "HASH_MISMATCH")
    assert receiver.held_records() == {}


def test_links_are_checked_as_soon_as_both_ends_are_held(
    client: Client, receiver: ProvinceReceiver
) -> None:
    wrong_start = seal(check(1, "C000001"), "f" * 64)
    assert only_result(client.send(wrong_start))["code"] == "CHAIN_BROKEN"

    records = checks(4)
    assert statuses(client.send(records[0], records[2])) == ["ACCEPTED", "ACCEPTED"]
    forged_two = seal(check(2, "C000002") | {"lane": 2}, records[0]["recordHash"])
    broken = only_result(client.send(forged_two))
    assert broken["code"] == "CHAIN_BROKEN" and broken["message"].startswith("recordHash:")
    forged_four = seal(records[3], "1" * 64)
    broken = only_result(client.send(forged_four))
    assert broken["code"] == "CHAIN_BROKEN" and broken["message"].startswith("prevHash:")

    assert statuses(client.send(records[1], records[3])) == ["ACCEPTED", "ACCEPTED"]
    assert receiver.held_records() == {record["seq"]: record for record in records}


def _set_axle(record: dict[str, Any], index: int, **fields: Any) -> dict[str, Any]:
    axles = [dict(axle) for axle in record["axles"]]
    axles[index].update(fields)
    return record | {"axles": axles}


def _without(record: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != name}


def _with_picture(record: dict[str, Any], file_type: int, sha: str) -> dict[str, Any]:
    return record | {"pictures": [{"fileType": file_type, "sha256": sha, "size": 1}]}


BROKEN_CHECKS: list[tuple[Callable[[dict[str, Any]], dict[str, Any]], str]] = [
    (lambda r: r | {"color": "red"}, "color"),
    (lambda r: _set_axle(r, 2, lifted=True), "axles[2].lifted"),
    (lambda r: _set_axle(r, 2, weight=9100), "sumWeight"),
    (lambda r: _set_axle(r, 1, group=4), "axles[1].group"),
    (lambda r: _without(r, "plateNum"), "plateNum"),
    (lambda r: r | {"axleCnt": 5}, "axleCnt"),
    (lambda r: r | {"overRate": "0.0"}, "overRate"),
    (lambda r: r | {"isOver": 1}, "isOver"),
    (lambda r: r | {"plateColor": 7}, "plateColor"),
    (lambda r: r | {"firstCheckNo": "A000"}, "firstCheckNo"),
    (lambda r: r | {"weighMode": "STATIC"}, "speed"),
    (lambda r: r | {"speed": "5.25"}, "speed"),
    (lambda r: r | {"checkTime": "2026-11-25T14:03:27"}, "checkTime"),
    (lambda r: r | {"certValidUntil": "2027-02-30"}, "certValidUntil"),
    (lambda r: r | {"lane": True}, "lane"),
    (lambda r: r | {"siteCode": "410100210002"}, "siteCode"),
    (lambda r: _with_picture(r, 16, ZERO), "pictures[0].fileType"),
    (lambda r: _with_picture(r, 12, "A" * 64), "pictures[0].sha256"),
]


@pytest.mark.parametrize(("spoil", "path"), BROKEN_CHECKS)
def test_invalid_fields_are_named_by_path(
    client: Client, spoil: Callable[[dict[str, Any]], dict[str, Any]], path: str
) -> None:
    record = seal(spoil(check(1, "C000001")), ZERO)
    result = only_result(client.send(record))
    assert (result["status"], result["code"]) == ("REJECTED", "INVALID_FIELD")
    assert result["message"].startswith(f"{path}:"), result["message"]


def test_references_to_records_not_held_are_unknown_checks(client: Client) -> None:
    first = chain(check(1, "A001", OVER))
    assert statuses(client.send(*first)) == ["ACCEPTED"]
    after = first[0]["recordHash"]
    cases = [
        check(2, "A002", first="NOPE"),
        close(2, "NOPE", "POLICE"),
        close(2, "A001", "UNLOADED", recheckNo="NOPE", unloadWeight=1),
        void(3, 2, "A001"),
        void(2, 1, "OTHER"),
    ]
    for record in cases:
        result = only_result(client.send(seal(record, after)))
        assert result["code"] == "UNKNOWN_CHECK", (record, result)


def test_more_than_200_records_or_2_mib_is_too_large(
    client: Client, receiver: ProvinceReceiver
) -> None:
    assert client.send(*checks(201)).status == 413
    assert statuses(client.send(*checks(200))) == ["ACCEPTED"] * 200
    padding = {"siteCode": SITE, "records": [], "pad": "x" * (2 * 1024 * 1024)}
    assert client.post("/records", padding).status == 413
    assert len(receiver.held_records()) == 200


def test_malformed_bodies_are_400(client: Client, receiver: ProvinceReceiver) -> None:
    assert client.call("POST", "/records", b"{not json").status == 400
    assert client.post("/records", {"siteCode": SITE, "records": []}).status == 400
    assert client.post("/records", {"siteCode": SITE, "records": [{"seq": "1"}]}).status == 400
    assert client.post("/records", {"records": checks(1)}).status == 400
    wrong_site = {"siteCode": "410100210002", "records": checks(1)}
    assert client.post("/records", wrong_site).status == 400
    assert receiver.held_records() == {}


# --- §4 pictures --------------------------------------------------------------------------


def test_pictures_are_stored_once_and_checked_against_their_name(
    client: Client, receiver: ProvinceReceiver
) -> None:
    data = b"\xff\xd8\xff" + secrets.token_bytes(5000)
    sha = hashlib.sha256(data).hexdigest()
    assert client.head_picture(sha).status == 404
    assert client.put_picture(data).status == 201
    assert client.put_picture(data).status == 200
    assert client.head_picture(sha).status == 200
    assert receiver.pictures() == {sha: data}

    wrong = client.put_picture(b"other bytes", sha=hashlib.sha256(b"x").hexdigest())
    assert (wrong.status, wrong.json) == (422, {"code": "HASH_MISMATCH"})
    assert client.put_picture(data, media="image/gif").status == 415
    big = bytes(8 * 1024 * 1024 + 1)
    assert client.put_picture(big).status == 413
    assert receiver.pictures().keys() == {sha}
    assert receiver.request_counts()["HEAD /pictures"] == 2


# --- §5 watchlist -------------------------------------------------------------------------


def test_watchlist_full_then_changes_since_the_cursor(
    client: Client, receiver: ProvinceReceiver
) -> None:
    receiver.add_watch("豫A11111", 1, "LOCKED", note="certificate locked")
    receiver.add_watch("豫B22222", 2, "BLACKLIST")
    full = client.call("GET", "/watchlist").json
    assert full["full"] is True
    assert [entry["plateNum"] for entry in full["entries"]] == ["豫A11111", "豫B22222"]
    assert full["removed"] == []

    unchanged = client.call("GET", "/watchlist", query=f"since={full['cursor']}").json
    assert (unchanged["full"], unchanged["entries"], unchanged["removed"]) == (False, [], [])

    receiver.remove_watch("豫A11111", 1)
    receiver.add_watch("豫C33333", 1, "REPEAT_OFFENDER")
    changes = client.call("GET", "/watchlist", query=f"since={full['cursor']}").json
    assert changes["full"] is False
    assert [entry["plateNum"] for entry in changes["entries"]] == ["豫C33333"]
    assert changes["removed"] == [{"plateNum": "豫A11111", "plateColor": 1}]

    unknown = client.call("GET", "/watchlist", query="since=v17").json
    assert unknown["full"] is True and len(unknown["entries"]) == 2
    receiver.forget_watch_history()
    too_old = client.call("GET", "/watchlist", query=f"since={changes['cursor']}").json
    assert too_old["full"] is True


# --- §6 heartbeat and §7 manifest ---------------------------------------------------------


def test_heartbeat_answers_server_time_and_is_kept(
    client: Client, receiver: ProvinceReceiver
) -> None:
    beat = {
        "siteCode": SITE,
        "time": "2026-11-25 02:10:00",
        "softwareVersion": "0.1.0",
        "pendingRecords": 12,
        "devices": [{"id": "lane1-scale", "kind": "scale", "state": "OK"}],
    }
    reply = client.post("/heartbeat", beat)
    assert reply.status == 200
    datetime.strptime(reply.json["serverTime"], "%Y-%m-%d %H:%M:%S")
    assert receiver.last_heartbeat() == beat
    assert client.post("/heartbeat", beat | {"pendingRecords": -1}).status == 400


def manifest(last: dict[str, Any], pictures: int = 0) -> dict[str, Any]:
    return {
        "siteCode": SITE,
        "date": "2026-11-25",
        "firstSeq": 1,
        "lastSeq": last["seq"],
        "headHash": last["recordHash"],
        "pictureCount": pictures,
    }


def test_manifest_lists_what_is_missing_until_complete(
    client: Client, receiver: ProvinceReceiver
) -> None:
    photo = b"\x89PNG" + secrets.token_bytes(300)
    records = chain(*(check(seq, f"C{seq:06d}", pictures=(photo,)) for seq in range(1, 6)))
    client.send(records[0], records[1], records[3])
    spoiled = records[4] | {"lane": 9}
    assert only_result(client.send(spoiled))["code"] == "HASH_MISMATCH"

    answer = client.post("/manifests", manifest(records[4], 1)).json
    assert answer == {
        "status": "INCOMPLETE",
        "missingSeqs": [3],
        "missingPictures": [hashlib.sha256(photo).hexdigest()],
        "rejectedSeqs": [5],
    }
    assert statuses(client.send(records[2], records[4])) == ["ACCEPTED", "ACCEPTED"]
    assert client.put_picture(photo, media="image/png").status == 201
    stale_head = client.post("/manifests", manifest(records[4]) | {"headHash": ZERO}).json
    assert stale_head["status"] == "INCOMPLETE"
    complete = client.post("/manifests", manifest(records[4], 1)).json
    assert complete == {
        "status": "COMPLETE",
        "missingSeqs": [],
        "missingPictures": [],
        "rejectedSeqs": [],
    }
    assert [answer["status"] for _, answer in receiver.manifests()] == [
        "INCOMPLETE",
        "INCOMPLETE",
        "COMPLETE",
    ]


def test_missing_seqs_are_capped_at_1000(client: Client) -> None:
    last = seal(check(1500, "C001500"), "e" * 64)
    assert statuses(client.send(last)) == ["ACCEPTED"]
    answer = client.post("/manifests", manifest(last)).json
    assert answer["missingSeqs"] == list(range(1, 1001))


# --- routing ------------------------------------------------------------------------------


def test_unknown_paths_and_wrong_methods(client: Client) -> None:
    assert client.call("GET", "/nothing").status == 404
    assert client.call("GET", "/pictures/not-a-hash").status == 404
    wrong = client.call("GET", "/records")
    assert wrong.status == 405 and wrong.headers["Allow"] == "POST"
    assert client.call("DELETE", f"/pictures/{ZERO}").status == 405


# --- fault injection ----------------------------------------------------------------------


def test_a_500_stores_nothing_and_the_retry_succeeds(
    client: Client, receiver: ProvinceReceiver
) -> None:
    receiver.faults.script("500", endpoints={"records"})
    assert client.post("/heartbeat", {}).status == 400  # other endpoints do not use it up
    records = checks(3)
    assert client.send(*records).status == 500
    assert receiver.held_records() == {}
    assert statuses(client.send(*records)) == ["ACCEPTED"] * 3
    assert receiver.faults.counts() == {"500": 1}


def test_503_and_429_carry_retry_after(client: Client, receiver: ProvinceReceiver) -> None:
    receiver.faults.script(Fault("503", retry_after=7), Fault("503"), "429", Fault("429", 3))
    first, second, third, fourth = (client.send(*checks(1)) for _ in range(4))
    assert (first.status, first.headers["Retry-After"]) == (503, "7")
    assert (second.status, second.headers["Retry-After"]) == (503, None)
    assert (third.status, third.headers["Retry-After"]) == (429, "1")
    assert (fourth.status, fourth.headers["Retry-After"]) == (429, "3")
    assert receiver.held_records() == {}
    assert client.connections_opened == 1  # error answers keep the connection alive


def test_a_lost_answer_stores_the_batch_but_the_client_sees_a_closed_connection(
    client: Client, receiver: ProvinceReceiver
) -> None:
    records = checks(5)
    receiver.faults.script(None, "lost_answer")
    assert statuses(client.send(records[0])) == ["ACCEPTED"]
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        client.send(*records[1:])
    assert receiver.store_counts() == dict.fromkeys(range(1, 6), 1)
    assert statuses(client.send(*records[1:])) == ["DUPLICATE"] * 4
    assert receiver.faults.counts() == {"lost_answer": 1}


def test_a_reset_fails_the_client_mid_answer_and_stores_nothing(
    client: Client, receiver: ProvinceReceiver
) -> None:
    receiver.faults.script("reset")
    with pytest.raises((OSError, http.client.HTTPException)):
        client.send(*checks(2))
    assert receiver.held_records() == {}
    assert statuses(client.send(*checks(2))) == ["ACCEPTED"] * 2


def test_a_timeout_holds_the_request_past_the_client_timeout(
    receiver: ProvinceReceiver, pki: LoopbackPki
) -> None:
    impatient = Client(receiver.base_url, pki.client_context(), timeout=0.3)
    receiver.faults.script(Fault("timeout", hold_seconds=0.8))
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        impatient.send(*checks(1))
    assert time.monotonic() - started < 0.75
    assert receiver.held_records() == {}
    impatient.close()


def test_a_random_plan_is_reproducible_from_its_seed(pki: LoopbackPki) -> None:
    observed = []
    for _ in range(2):
        with ProvinceReceiver({SITE: KEY}) as receiver:
            receiver.faults.randomize({"500": 0.3, "429": 0.2}, seed=11, endpoints={"heartbeat"})
            station = Client(receiver.base_url)
            observed.append([station.post("/heartbeat", {}).status for _ in range(40)])
            station.close()
            counts = receiver.faults.counts()
            assert counts == {"500": observed[-1].count(500), "429": observed[-1].count(429)}
    assert observed[0] == observed[1]
    assert {400, 429, 500} <= set(observed[0])


# --- TLS ----------------------------------------------------------------------------------


def test_a_required_client_certificate_refuses_a_client_without_one(
    pki: LoopbackPki, tmp_path: Any
) -> None:
    context = pki.server_context(require_client_cert=True)
    with ProvinceReceiver({SITE: KEY}, ssl_context=context) as receiver:
        anonymous = Client(receiver.base_url, pki.client_context())
        with pytest.raises((ssl.SSLError, ConnectionError)):
            anonymous.send(*checks(1))
        stranger = LoopbackPki.untrusted(tmp_path)
        outsider = Client(receiver.base_url, pki.client_context())
        outsider.context.load_cert_chain(stranger.files.client_cert, stranger.files.client_key)
        with pytest.raises((ssl.SSLError, ConnectionError)):
            outsider.send(*checks(1))
        known = Client(receiver.base_url, pki.client_context(send_client_cert=True))
        assert statuses(known.send(*checks(1))) == ["ACCEPTED"]
        known.close()


def test_a_server_certificate_from_another_ca_is_not_trusted(
    pki: LoopbackPki, tmp_path: Any
) -> None:
    stranger = LoopbackPki.untrusted(tmp_path)
    with ProvinceReceiver({SITE: KEY}, ssl_context=stranger.server_context()) as receiver:
        station = Client(receiver.base_url, pki.client_context())
        with pytest.raises(ssl.SSLCertVerificationError):
            station.send(*checks(1))
        assert receiver.held_records() == {}


# --- throughput ---------------------------------------------------------------------------


def test_thousands_of_records_and_pictures_over_keep_alive(
    client: Client, receiver: ProvinceReceiver
) -> None:
    records = checks(2000)
    pictures = [secrets.token_bytes(2000) for _ in range(500)]
    started = time.monotonic()
    for start in range(0, 2000, 200):
        assert statuses(client.send(*records[start : start + 200])) == ["ACCEPTED"] * 200
    for data in pictures:
        assert client.head_picture(hashlib.sha256(data).hexdigest()).status == 404
        assert client.put_picture(data).status == 201
    elapsed = time.monotonic() - started
    assert client.connections_opened == 1
    assert len(receiver.held_records()) == 2000 and len(receiver.pictures()) == 500
    assert elapsed < 10, elapsed
