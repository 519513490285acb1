"""Reference receiver: the province's side of the station interface (province-api.md).

Used by the upload tests and as a developer tool (scripts/province_receiver.py). It is written
from the spec alone and imports nothing from station/, drivers/, ui/ or reports/: the point is to
check the station's client against an independent implementation, so where the spec is silent
this side takes the strict reading.

    with ProvinceReceiver({"410100210001": key}, ssl_context=pki.server_context()) as receiver:
        receiver.faults.script("500", None, "lost_answer", endpoints={"records"})
        ...  # point the station at receiver.base_url
        assert receiver.store_counts() == {seq: 1 for seq in range(1, 101)}

Faults: receiver.faults.script(...) queues faults for the next requests (deterministic),
receiver.faults.randomize({"500": 0.05, "reset": 0.01}, seed=1) fails requests at random;
receiver.faults.counts() says what was injected. Clock skew: receiver.clock_offset = 600.

State lives in the receiver, not in the server thread, so it survives stop() and start().
Everything the tests inspect is returned as a copy taken under the receiver's one lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import random
import re
import secrets
import socket
import ssl
import struct
import threading
import time
import traceback
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BEIJING = timezone(timedelta(hours=8))
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"
MAX_RECORDS = 200
MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_PICTURE_BYTES = 8 * 1024 * 1024
# Bodies above the limit are still read (up to this) so the client sees the 413, not a reset.
MAX_DRAINED_BYTES = 64 * 1024 * 1024
MAX_SKEW_SECONDS = 300
NONCE_WINDOW_SECONDS = 15 * 60
MAX_MISSING_SEQS = 1000
ZERO_HASH = "0" * 64

HEX64 = re.compile(r"[0-9a-f]{64}")
NONCE = re.compile(r"[0-9a-f]{32}")
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SITE_CODE = re.compile(r"[0-9]{6}21[0-9]{4}")
TIME_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SPEED_TEXT = re.compile(r"(0|[1-9][0-9]*)\.[0-9]")
RATE_TEXT = re.compile(r"(0|[1-9][0-9]*)\.[0-9]{2}")
FLAG_TEXT = re.compile(r"[A-Z][A-Z0-9_]*")
AXLE_TYPE_TEXT = re.compile(r"[1-7]+")

PLATE_COLORS = frozenset({0, 1, 2, 3, 4, 5, 6, 9, 11, 12})
PICTURE_FILE_TYPES = frozenset({11, 12, 13, 14, 15, 21, 22, 23})
PICTURE_MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "video/mp4"})
AXLES_PER_GROUP = {1: 1, 2: 1, 3: 2, 4: 2, 5: 2, 6: 3, 7: 3}
CLOSE_RESULTS = frozenset({"NOT_OVER", "UNLOADED", "POLICE", "PERMIT", "ABSCONDED"})
WATCH_REASONS = frozenset({"LOCKED", "BLACKLIST", "REPEAT_OFFENDER"})
DEVICE_STATES = frozenset({"OK", "FAULT", "OFFLINE"})

ENDPOINT_METHODS = {
    "records": ("POST",),
    "pictures": ("HEAD", "PUT"),
    "watchlist": ("GET",),
    "heartbeat": ("POST",),
    "manifests": ("POST",),
}


# --- hashing and formats ------------------------------------------------------------------


def canonical_json(value: Any) -> bytes:
    """The spec's canonical form: sorted keys, no whitespace, UTF-8, no \\u escapes."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def record_hash(record: Mapping[str, Any]) -> str:
    """recordHash as the spec defines it: SHA-256 of the canonical record without recordHash."""
    body = {name: value for name, value in record.items() if name != "recordHash"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def over_rate(over_weight: int, limit_weight: int) -> str:
    """overWeight / limitWeight x 100 with two decimals, half up, in exact integer arithmetic."""
    hundredths, rest = divmod(over_weight * 10000, limit_weight)
    if rest * 2 >= limit_weight:
        hundredths += 1
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def beijing_text(unix_seconds: float) -> str:
    return datetime.fromtimestamp(unix_seconds, BEIJING).strftime(TIME_FORMAT)


def string_to_sign(
    method: str, path: str, query: str, timestamp: str, nonce: str, body: bytes
) -> bytes:
    lines = (method, path, query, timestamp, nonce, hashlib.sha256(body).hexdigest())
    return "\n".join(lines).encode("utf-8")


# --- field validation ---------------------------------------------------------------------


class Rejection(Exception):
    """A record answered REJECTED with `code`; `message` starts with the field path."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def invalid(path: str, why: str) -> Rejection:
    return Rejection("INVALID_FIELD", f"{path}: {why}")


def check_int(path: str, value: Any, low: int | None = None, high: int | None = None) -> None:
    # type() rather than isinstance(): JSON true/false are not numbers here.
    if type(value) is not int:
        raise invalid(path, "must be an integer")
    if low is not None and value < low:
        raise invalid(path, f"must be at least {low}")
    if high is not None and value > high:
        raise invalid(path, f"must be at most {high}")


def check_choice(path: str, value: Any, allowed: Iterable[Any]) -> None:
    if type(value) not in (int, str) or value not in allowed:
        shown = ", ".join(str(item) for item in sorted(allowed))
        raise invalid(path, f"must be one of {shown}")


def check_code(path: str, value: Any, max_length: int = 64) -> None:
    """Identifiers and numbers written as text: non-empty, printable, bounded."""
    if not isinstance(value, str) or not value:
        raise invalid(path, "must be a non-empty string")
    if len(value) > max_length:
        raise invalid(path, f"must be at most {max_length} characters")
    if not value.isprintable():
        raise invalid(path, "must not contain control characters")


def check_text(path: str, value: Any) -> None:
    """Free text typed by a person: any non-empty string that is valid UTF-8."""
    if not isinstance(value, str) or not value.strip():
        raise invalid(path, "must be a non-empty string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise invalid(path, "is not valid UTF-8") from None


def check_pattern(path: str, value: Any, pattern: re.Pattern[str], what: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise invalid(path, f"must be {what}")


def check_time(path: str, value: Any) -> None:
    check_pattern(path, value, TIME_TEXT, "a time yyyy-MM-dd HH:mm:ss")
    try:
        datetime.strptime(value, TIME_FORMAT)
    except ValueError:
        raise invalid(path, "is not a real time") from None


def check_date(path: str, value: Any) -> None:
    check_pattern(path, value, DATE_TEXT, "a date yyyy-MM-dd")
    try:
        datetime.strptime(value, DATE_FORMAT)
    except ValueError:
        raise invalid(path, "is not a real date") from None


def check_hash(path: str, value: Any) -> None:
    check_pattern(path, value, HEX64, "64 lowercase hex characters")


def check_site_code(path: str, value: Any) -> None:
    check_pattern(path, value, SITE_CODE, "12 digits: division code, 21, station serial")


def field_path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


Checker = Callable[[str, Any], None]


def check_object(
    prefix: str, value: Any, fields: Mapping[str, Checker], optional: Iterable[str] = ()
) -> None:
    """Exactly the listed fields (optional ones may be absent), each passing its checker."""
    if not isinstance(value, dict):
        raise invalid(prefix, "must be an object")
    for name in value:
        if name not in fields:
            raise invalid(field_path(prefix, name), "is not a field of this object")
    for name, checker in fields.items():
        if name in value:
            checker(field_path(prefix, name), value[name])
        elif name not in optional:
            raise invalid(field_path(prefix, name), "is missing")


def check_list(path: str, value: Any, item: Checker, *, allow_empty: bool = True) -> None:
    if not isinstance(value, list):
        raise invalid(path, "must be an array")
    if not value and not allow_empty:
        raise invalid(path, "must not be empty")
    for index, element in enumerate(value):
        item(f"{path}[{index}]", element)


AXLE_FIELDS: dict[str, Checker] = {
    "no": lambda path, value: check_int(path, value, 1),
    "weight": lambda path, value: check_int(path, value, 0),
    "group": lambda path, value: check_int(path, value, 1, 7),
    "spacing": lambda path, value: check_int(path, value, 0),
}
PICTURE_FIELDS: dict[str, Checker] = {
    "fileType": lambda path, value: check_choice(path, value, PICTURE_FILE_TYPES),
    "sha256": check_hash,
    "size": lambda path, value: check_int(path, value, 1, MAX_PICTURE_BYTES),
}


def check_axle(path: str, value: Any) -> None:
    check_object(path, value, AXLE_FIELDS, optional=("weight", "spacing"))


def check_picture(path: str, value: Any) -> None:
    check_object(path, value, PICTURE_FIELDS)


def check_flag(path: str, value: Any) -> None:
    check_pattern(path, value, FLAG_TEXT, "an upper-case flag name")


def check_flags(path: str, value: Any) -> None:
    check_list(path, value, check_flag)
    if len(set(value)) != len(value):
        raise invalid(path, "lists a flag twice")


COMMON_FIELDS: dict[str, Checker] = {
    "recordType": lambda path, value: check_choice(path, value, ("CHECK", "CLOSE", "VOID")),
    "seq": lambda path, value: check_int(path, value, 1),
    "siteCode": check_site_code,
    "prevHash": check_hash,
    "recordHash": check_hash,
}
CHECK_FIELDS: dict[str, Checker] = {
    **COMMON_FIELDS,
    "checkNo": lambda path, value: check_code(path, value, 32),
    "checkType": lambda path, value: check_choice(path, value, (1, 2)),
    "firstCheckNo": lambda path, value: check_code(path, value, 32),
    "lane": lambda path, value: check_int(path, value, 1),
    "direction": lambda path, value: check_choice(path, value, (0, 1)),
    "checkTime": check_time,
    "plateNum": lambda path, value: check_code(path, value, 16),
    "plateColor": lambda path, value: check_choice(path, value, PLATE_COLORS),
    "plateSource": lambda path, value: check_choice(path, value, ("ANPR", "OPERATOR")),
    "axleCnt": lambda path, value: check_int(path, value, 1),
    "axleType": lambda path, value: check_pattern(path, value, AXLE_TYPE_TEXT, "codes 1-7"),
    "vehicleClass": lambda path, value: check_code(path, value, 128),
    "axles": lambda path, value: check_list(path, value, check_axle, allow_empty=False),
    "sumWeight": lambda path, value: check_int(path, value, 1),
    "limitWeight": lambda path, value: check_int(path, value, 1),
    "overWeight": lambda path, value: check_int(path, value, 0),
    "overRate": lambda path, value: check_pattern(path, value, RATE_TEXT, "text like 33.43"),
    "isOver": lambda path, value: check_choice(path, value, (0, 1)),
    "weighMode": lambda path, value: check_choice(path, value, ("STATIC", "AXLE", "WIM")),
    "speed": lambda path, value: check_pattern(path, value, SPEED_TEXT, "text like 5.2"),
    "scaleId": check_code,
    "certNo": check_code,
    "certValidUntil": check_date,
    "operatorId": check_code,
    "pictures": lambda path, value: check_list(path, value, check_picture),
    "flags": check_flags,
}
CLOSE_FIELDS: dict[str, Checker] = {
    **COMMON_FIELDS,
    "checkNo": lambda path, value: check_code(path, value, 32),
    "closeTime": check_time,
    "result": lambda path, value: check_choice(path, value, CLOSE_RESULTS),
    "recheckNo": lambda path, value: check_code(path, value, 32),
    "unloadWeight": lambda path, value: check_int(path, value, 1),
    "orderNo": check_code,
    "permitNo": check_code,
    "operatorId": check_code,
}
VOID_FIELDS: dict[str, Checker] = {
    **COMMON_FIELDS,
    "targetSeq": lambda path, value: check_int(path, value, 1),
    "checkNo": lambda path, value: check_code(path, value, 32),
    "reason": check_text,
    "approverId": check_code,
}


def check_presence(record: Mapping[str, Any], name: str, wanted: bool, rule: str) -> None:
    """A field that must be present exactly when `wanted` (the rule says when)."""
    if wanted and name not in record:
        raise invalid(name, f"is missing: it is required {rule}")
    if not wanted and name in record:
        raise invalid(name, f"must be absent: it is allowed only {rule}")


def expand_axle_type(axle_type: str) -> list[int]:
    """'157' -> [1, 5, 5, 7, 7, 7]: the group code of each axle, front to rear."""
    return [int(code) for code in axle_type for _ in range(AXLES_PER_GROUP[int(code)])]


def check_axle_list(record: Mapping[str, Any]) -> None:
    axles = record["axles"]
    if record["axleCnt"] != len(axles):
        raise invalid("axleCnt", f"is {record['axleCnt']} but axles lists {len(axles)}")
    groups = expand_axle_type(record["axleType"])
    if len(groups) != len(axles):
        raise invalid("axleType", f"describes {len(groups)} axles, axles lists {len(axles)}")
    for index, (axle, group) in enumerate(zip(axles, groups, strict=True)):
        if axle["no"] != index + 1:
            raise invalid(f"axles[{index}].no", f"must be {index + 1}")
        if axle["group"] != group:
            raise invalid(f"axles[{index}].group", f"is {axle['group']}, axleType says {group}")
    check_spacings(axles)
    check_axle_weights(record)


def check_spacings(axles: list[dict[str, Any]]) -> None:
    last = len(axles) - 1
    for index, axle in enumerate(axles):
        spacing = axle.get("spacing")
        if spacing is None:
            continue
        if index == last and spacing != 0:
            raise invalid(f"axles[{index}].spacing", "must be 0 on the last axle")
        if index != last and spacing == 0:
            raise invalid(f"axles[{index}].spacing", "must be above 0 between axles")


def check_axle_weights(record: Mapping[str, Any]) -> None:
    weights = [axle.get("weight") for axle in record["axles"]]
    if record["weighMode"] == "STATIC":
        for index, weight in enumerate(weights):
            if weight is not None:
                raise invalid(f"axles[{index}].weight", "must be absent for STATIC weighing")
        return
    if None not in weights and sum(weights) != record["sumWeight"]:
        raise invalid(
            "sumWeight", f"is {record['sumWeight']} but the axles add up to {sum(weights)}"
        )


def check_verdict(record: Mapping[str, Any]) -> None:
    total, limit = record["sumWeight"], record["limitWeight"]
    over = max(0, total - limit)
    if record["overWeight"] != over:
        raise invalid("overWeight", f"must be {over} (sumWeight - limitWeight, at least 0)")
    rate = over_rate(over, limit)
    if record["overRate"] != rate:
        raise invalid("overRate", f"must be {rate}")
    is_over = 1 if total > limit else 0
    if record["isOver"] != is_over:
        raise invalid("isOver", f"must be {is_over}")


def check_check_rules(record: Mapping[str, Any]) -> None:
    check_presence(record, "firstCheckNo", record["checkType"] == 2, "for checkType 2")
    check_presence(record, "speed", record["weighMode"] != "STATIC", "for AXLE and WIM")
    check_axle_list(record)
    check_verdict(record)


def check_close_rules(record: Mapping[str, Any]) -> None:
    unloaded = record["result"] == "UNLOADED"
    check_presence(record, "recheckNo", unloaded, "with result UNLOADED")
    check_presence(record, "unloadWeight", unloaded, "with result UNLOADED")
    check_presence(record, "permitNo", record["result"] == "PERMIT", "with result PERMIT")


def check_void_rules(record: Mapping[str, Any]) -> None:
    if record["targetSeq"] >= record["seq"]:
        raise invalid("targetSeq", "must name an earlier record")


RECORD_KINDS: dict[str, tuple[dict[str, Checker], tuple[str, ...], Callable[..., None]]] = {
    "CHECK": (CHECK_FIELDS, ("firstCheckNo", "speed"), check_check_rules),
    "CLOSE": (
        CLOSE_FIELDS,
        ("recheckNo", "unloadWeight", "orderNo", "permitNo"),
        check_close_rules,
    ),
    "VOID": (VOID_FIELDS, (), check_void_rules),
}


def check_record(record: dict[str, Any], site_code: str) -> None:
    """Everything that can be said about one record without the records held (§3)."""
    COMMON_FIELDS["recordType"]("recordType", record.get("recordType"))
    fields, optional, rules = RECORD_KINDS[record["recordType"]]
    check_object("", record, fields, optional)
    if record["siteCode"] != site_code:
        raise invalid("siteCode", "is not the site that signed the request")
    rules(record)


# --- one site's records -------------------------------------------------------------------


class SiteLedger:
    """What the province holds for one site: records, their indexes, pictures, reports.

    Not thread-safe by itself: the receiver calls it under its lock.
    """

    def __init__(self, site_code: str) -> None:
        self.site_code = site_code
        self.held: dict[int, dict[str, Any]] = {}
        self.store_counts: Counter[int] = Counter()
        self.duplicate_counts: Counter[int] = Counter()
        self.rejections: dict[int, tuple[str, str]] = {}
        self.checks: dict[str, int] = {}  # checkNo -> seq of its CHECK
        self.closes: dict[str, list[int]] = {}  # checkNo -> seqs of the CLOSEs naming it
        self.voided: dict[int, int] = {}  # seq withdrawn -> seq of the VOID
        self.pictures: dict[str, bytes] = {}
        self.heartbeats: list[dict[str, Any]] = []
        self.manifests: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def submit(self, record: dict[str, Any]) -> dict[str, Any]:
        """One record's result; stores it when ACCEPTED."""
        seq = record["seq"]
        try:
            status = self._assess(record)
        except Rejection as rejection:
            self.rejections[seq] = (rejection.code, rejection.message)
            return {
                "seq": seq,
                "status": "REJECTED",
                "code": rejection.code,
                "message": rejection.message,
            }
        # The latest submission of the seq was not rejected any more.
        self.rejections.pop(seq, None)
        if status == "DUPLICATE":
            self.duplicate_counts[seq] += 1
        else:
            self._store(record)
        return {"seq": seq, "status": status}

    def _assess(self, record: dict[str, Any]) -> str:
        check_record(record, self.site_code)
        if record["recordHash"] != record_hash(record):
            raise Rejection("HASH_MISMATCH", "recordHash: does not match the record")
        held = self.held.get(record["seq"])
        if held is not None:
            if held["recordHash"] == record["recordHash"]:
                return "DUPLICATE"
            raise Rejection("CONFLICT", f"seq: {record['seq']} is held with another recordHash")
        self._check_chain(record)
        REFERENCE_CHECKS[record["recordType"]](self, record)
        return "ACCEPTED"

    def _check_chain(self, record: dict[str, Any]) -> None:
        seq = record["seq"]
        if seq == 1 and record["prevHash"] != ZERO_HASH:
            raise Rejection("CHAIN_BROKEN", "prevHash: must be 64 zeros for seq 1")
        before = self.held.get(seq - 1)
        if before is not None and before["recordHash"] != record["prevHash"]:
            raise Rejection("CHAIN_BROKEN", f"prevHash: differs from recordHash of seq {seq - 1}")
        after = self.held.get(seq + 1)
        if after is not None and after["prevHash"] != record["recordHash"]:
            raise Rejection("CHAIN_BROKEN", f"recordHash: differs from prevHash of seq {seq + 1}")

    def _held_check(self, check_no: str, path: str) -> dict[str, Any]:
        seq = self.checks.get(check_no)
        if seq is None:
            raise Rejection("UNKNOWN_CHECK", f"{path}: no CHECK {check_no!r} is held")
        return self.held[seq]

    def _check_check_references(self, record: dict[str, Any]) -> None:
        other = self.checks.get(record["checkNo"])
        if other is not None:
            raise invalid("checkNo", f"is already used by the CHECK of seq {other}")
        if record["checkType"] == 2:
            first = self._held_check(record["firstCheckNo"], "firstCheckNo")
            if first["checkType"] != 1:
                raise invalid("firstCheckNo", "names a re-weighing, not a first weighing")

    def _check_close_references(self, record: dict[str, Any]) -> None:
        check_no = record["checkNo"]
        first = self._held_check(check_no, "checkNo")
        if first["checkType"] != 1:
            raise invalid("checkNo", "names a re-weighing; a case is closed on its first weighing")
        standing = [seq for seq in self.closes.get(check_no, []) if seq not in self.voided]
        if standing:
            raise invalid("checkNo", f"the case is already closed by seq {standing[0]}")
        if record["result"] == "NOT_OVER" and first["isOver"] != 0:
            raise invalid("result", "NOT_OVER is only for a first weighing that was not over")
        if record["result"] == "UNLOADED":
            self._check_unloading(record, first)

    def _check_unloading(self, record: dict[str, Any], first: dict[str, Any]) -> None:
        recheck = self._held_check(record["recheckNo"], "recheckNo")
        if recheck["checkType"] != 2 or recheck.get("firstCheckNo") != record["checkNo"]:
            raise invalid("recheckNo", "is not a re-weighing of this case")
        if recheck["isOver"] != 0:
            raise invalid("recheckNo", "names a re-weighing that is still over the limit")
        unloaded = first["sumWeight"] - recheck["sumWeight"]
        if record["unloadWeight"] != unloaded:
            raise invalid("unloadWeight", f"must be {unloaded} (first minus re-weigh sumWeight)")

    def _check_void_references(self, record: dict[str, Any]) -> None:
        target_seq = record["targetSeq"]
        target = self.held.get(target_seq)
        if target is None:
            raise Rejection("UNKNOWN_CHECK", f"targetSeq: seq {target_seq} is not held")
        if target["recordType"] == "VOID":
            raise invalid("targetSeq", "names a VOID; only CHECK and CLOSE records are withdrawn")
        if target["checkNo"] != record["checkNo"]:
            raise Rejection("UNKNOWN_CHECK", f"checkNo: seq {target_seq} is not for this checkNo")
        if target_seq in self.voided:
            raise invalid("targetSeq", f"is already voided by seq {self.voided[target_seq]}")

    def _store(self, record: dict[str, Any]) -> None:
        seq = record["seq"]
        self.held[seq] = record
        self.store_counts[seq] += 1
        kind = record["recordType"]
        if kind == "CHECK":
            self.checks[record["checkNo"]] = seq
        elif kind == "CLOSE":
            self.closes.setdefault(record["checkNo"], []).append(seq)
        else:
            self.voided[record["targetSeq"]] = seq

    def manifest_answer(self, last_seq: int, head_hash: str) -> dict[str, Any]:
        """§7: COMPLETE only with every seq held, none rejected, the head and pictures held."""
        rejected = sorted(seq for seq in self.rejections if seq <= last_seq)
        missing = self._missing_seqs(last_seq, set(rejected))
        head = self.held.get(last_seq)
        if last_seq == 0:
            held_head: str | None = ZERO_HASH  # a station with no records yet
        else:
            held_head = head["recordHash"] if head is not None else None
        pictures = self.missing_pictures()
        complete = not missing and not rejected and not pictures and held_head == head_hash
        return {
            "status": "COMPLETE" if complete else "INCOMPLETE",
            "missingSeqs": missing,
            "missingPictures": pictures,
            "rejectedSeqs": rejected,
        }

    def _missing_seqs(self, last_seq: int, rejected: set[int]) -> list[int]:
        missing: list[int] = []
        for seq in range(1, last_seq + 1):
            if seq not in self.held and seq not in rejected:
                missing.append(seq)
                if len(missing) == MAX_MISSING_SEQS:
                    break
        return missing

    def missing_pictures(self) -> list[str]:
        wanted = {
            picture["sha256"]
            for record in self.held.values()
            if record["recordType"] == "CHECK"
            for picture in record["pictures"]
        }
        return sorted(wanted - self.pictures.keys())


REFERENCE_CHECKS: dict[str, Callable[[SiteLedger, dict[str, Any]], None]] = {
    "CHECK": SiteLedger._check_check_references,
    "CLOSE": SiteLedger._check_close_references,
    "VOID": SiteLedger._check_void_references,
}


# --- watchlist ----------------------------------------------------------------------------


class Watchlist:
    """The province's list with a version per change, so cursors can ask for changes only.

    A cursor is this list's token and a version. Another receiver's cursor, a version from
    the future, or one older than the kept history gets the full list.
    """

    def __init__(self) -> None:
        self._token = secrets.token_hex(4)
        self._version = 0
        self._oldest_usable = 0
        self._entries: dict[tuple[str, int], tuple[int, dict[str, Any]]] = {}
        self._removed: dict[tuple[str, int], int] = {}

    def put(self, entry: dict[str, Any]) -> None:
        key = (entry["plateNum"], entry["plateColor"])
        self._version += 1
        self._entries[key] = (self._version, dict(entry))
        self._removed.pop(key, None)

    def remove(self, plate_num: str, plate_color: int) -> bool:
        key = (plate_num, plate_color)
        if self._entries.pop(key, None) is None:
            return False
        self._version += 1
        self._removed[key] = self._version
        return True

    def forget_history(self) -> None:
        """Make every cursor handed out so far too old: the next answer is the full list."""
        # A version no cursor carries yet, so the next answer's cursor is the only usable one.
        self._version += 1
        self._oldest_usable = self._version
        self._removed.clear()

    def entries(self) -> list[dict[str, Any]]:
        return [dict(entry) for _, entry in sorted(self._entries.values(), key=_by_version)]

    def answer(self, since: str | None) -> dict[str, Any]:
        version = self._cursor_version(since)
        cursor = f"{self._token}-{self._version}"
        if version is None:
            return {"cursor": cursor, "full": True, "entries": self.entries(), "removed": []}
        changed = [e for v, e in sorted(self._entries.values(), key=_by_version) if v > version]
        removed = [
            {"plateNum": plate, "plateColor": color}
            for (plate, color), v in sorted(self._removed.items(), key=lambda item: item[1])
            if v > version
        ]
        return {"cursor": cursor, "full": False, "entries": changed, "removed": removed}

    def _cursor_version(self, since: str | None) -> int | None:
        token, _, number = (since or "").partition("-")
        if token != self._token or not number.isdigit():
            return None
        version = int(number)
        if version < self._oldest_usable or version > self._version:
            return None
        return version


def _by_version(item: tuple[int, dict[str, Any]]) -> int:
    return item[0]


# --- faults -------------------------------------------------------------------------------

ANSWER_FAULTS = ("500", "503", "429")
FAULT_KINDS = (*ANSWER_FAULTS, "timeout", "reset", "lost_answer")


@dataclass(frozen=True)
class Fault:
    """One injected failure.

    500/503/429 answer that status and store nothing (429 always, 503 optionally, carries
    Retry-After). timeout holds the request unanswered for `hold_seconds` (default: the
    receiver's) then closes. reset sends the start of an answer then resets the connection
    (nothing stored; over TLS, Python clients see it as an early end: IncompleteRead).
    lost_answer processes and stores the request fully, then closes the connection without a
    byte of answer. Clock skew is not a fault here: set the receiver's clock_offset.
    """

    kind: str
    retry_after: int | None = None
    hold_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; one of {', '.join(FAULT_KINDS)}")
        if self.retry_after is not None and self.kind not in ("503", "429"):
            raise ValueError("only 503 and 429 carry Retry-After")


FaultLike = Fault | str | None


def as_fault(value: FaultLike) -> Fault | None:
    return Fault(value) if isinstance(value, str) else value


def endpoint_set(endpoints: Iterable[str] | None) -> frozenset[str] | None:
    if endpoints is None:
        return None
    names = frozenset(name.strip("/") for name in endpoints)
    unknown = names - ENDPOINT_METHODS.keys()
    if unknown:
        raise ValueError(f"unknown endpoints {sorted(unknown)}; one of {sorted(ENDPOINT_METHODS)}")
    return names


@dataclass
class RandomFaults:
    rng: random.Random
    rates: dict[str, float]
    endpoints: frozenset[str] | None
    retry_after: int
    hold_seconds: float | None

    def draw(self, endpoint: str) -> Fault | None:
        if self.endpoints is not None and endpoint not in self.endpoints:
            return None
        roll = self.rng.random()
        for kind, rate in self.rates.items():
            if roll < rate:
                return self._fault(kind)
            roll -= rate
        return None

    def _fault(self, kind: str) -> Fault:
        retry_after = self.retry_after if kind in ("503", "429") else None
        hold = self.hold_seconds if kind == "timeout" else None
        return Fault(kind, retry_after=retry_after, hold_seconds=hold)


class FaultPlan:
    """Which requests fail and how: a scripted queue first, else an optional random plan.

    The script is consumed in order by the requests to its endpoints (all when None); a None
    entry lets one request through. Drawing and counting happen under the receiver's lock.
    """

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._queue: deque[tuple[Fault | None, frozenset[str] | None]] = deque()
        self._random: RandomFaults | None = None
        self._counts: Counter[str] = Counter()

    def script(self, *faults: FaultLike, endpoints: Iterable[str] | None = None) -> None:
        """Queue faults for the next requests, e.g. script("500", None, Fault("429", 3))."""
        names = endpoint_set(endpoints)
        with self._lock:
            self._queue.extend((as_fault(fault), names) for fault in faults)

    def randomize(
        self,
        rates: Mapping[str, float],
        *,
        seed: int = 0,
        endpoints: Iterable[str] | None = None,
        retry_after: int = 1,
        hold_seconds: float | None = None,
    ) -> None:
        """Fail each request with the given probability per kind, e.g. {"500": 0.05}."""
        for kind in rates:
            Fault(kind)  # validates the name
        if sum(rates.values()) > 1:
            raise ValueError("fault rates add up to more than 1")
        plan = RandomFaults(
            random.Random(seed), dict(rates), endpoint_set(endpoints), retry_after, hold_seconds
        )
        with self._lock:
            self._random = plan

    def clear(self) -> None:
        """No more faults: empties the script and drops the random plan (counts stay)."""
        with self._lock:
            self._queue.clear()
            self._random = None

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def counts(self) -> dict[str, int]:
        """Faults injected so far, by kind."""
        with self._lock:
            return dict(self._counts)

    def draw(self, endpoint: str) -> Fault | None:
        with self._lock:
            fault = self._next(endpoint)
            if fault is not None:
                self._counts[fault.kind] += 1
            return fault

    def _next(self, endpoint: str) -> Fault | None:
        if self._queue:
            fault, names = self._queue[0]
            if names is None or endpoint in names:
                self._queue.popleft()
                return fault
        if self._random is not None:
            return self._random.draw(endpoint)
        return None


# --- requests and answers -----------------------------------------------------------------


@dataclass
class Answer:
    status: int
    payload: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    close: bool = False

    def body(self) -> bytes:
        if self.payload is None:
            return b""
        return json.dumps(self.payload, ensure_ascii=False).encode("utf-8")


class Refusal(Exception):
    """The request as a whole is refused with this answer (nothing of it is stored)."""

    def __init__(self, status: int, code: str, message: str | None = None, **extra: Any) -> None:
        super().__init__(f"{status} {code} {message or ''}")
        payload = {"code": code, **extra}
        if message:
            payload["message"] = message
        self.answer = Answer(status, payload)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: Message
    body: bytes
    endpoint: str
    target: str | None  # the picture's sha256 for /pictures/{sha256}


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A repeated key would make the hashed form ambiguous: refuse it.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {key!r} appears twice")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(request: Request) -> Any:
    media = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise Refusal(415, "UNSUPPORTED_MEDIA_TYPE", "the body must be application/json")
    try:
        text = request.body.decode("utf-8")
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constants)
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise Refusal(400, "BAD_REQUEST", f"malformed JSON: {error}") from None


def require_shape(value: Any, fields: Mapping[str, Checker]) -> None:
    """A request body of exactly these fields, or 400."""
    try:
        check_object("", value, fields)
    except Rejection as rejection:
        raise Refusal(400, "BAD_REQUEST", rejection.message) from None


def check_device(path: str, value: Any) -> None:
    check_object(path, value, DEVICE_FIELDS)


DEVICE_FIELDS: dict[str, Checker] = {
    "id": check_code,
    "kind": check_code,
    "state": lambda path, value: check_choice(path, value, DEVICE_STATES),
}
HEARTBEAT_FIELDS: dict[str, Checker] = {
    "siteCode": check_site_code,
    "time": check_time,
    "softwareVersion": check_code,
    "pendingRecords": lambda path, value: check_int(path, value, 0),
    "devices": lambda path, value: check_list(path, value, check_device),
}
MANIFEST_FIELDS: dict[str, Checker] = {
    "siteCode": check_site_code,
    "date": check_date,
    "firstSeq": lambda path, value: check_int(path, value, 1),
    "lastSeq": lambda path, value: check_int(path, value, 0),
    "headHash": check_hash,
    "pictureCount": lambda path, value: check_int(path, value, 0),
}
RECORDS_FIELDS: dict[str, Checker] = {
    "siteCode": check_site_code,
    "records": lambda path, value: check_list(path, value, check_record_shape),
}


def check_record_shape(path: str, value: Any) -> None:
    # Without an object and a seq there is no result line to answer with: the batch is 400.
    if not isinstance(value, dict):
        raise invalid(path, "must be an object")
    check_int(f"{path}.seq", value.get("seq"), 1)


def watchlist_cursor(query: str) -> str | None:
    """The since parameter (None when absent or empty); any other parameter is a 400."""
    if not query:
        return None
    try:
        values = parse_qs(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise Refusal(400, "BAD_REQUEST", "malformed query") from None
    if set(values) != {"since"} or len(values["since"]) != 1:
        raise Refusal(400, "BAD_REQUEST", "the only parameter is since, given once")
    return values["since"][0] or None


def check_body_site(body: dict[str, Any], site_code: str) -> None:
    if body["siteCode"] != site_code:
        raise Refusal(400, "BAD_REQUEST", "siteCode: is not the site that signed the request")


# --- the receiver -------------------------------------------------------------------------


class ProvinceReceiver:
    """The province's station interface on loopback, with state to inspect and faults to inject.

    sites maps siteCode -> key (32 bytes, or the 64 hex characters the province hands out).
    ssl_context None serves plain HTTP. hold_seconds is how long a "timeout" fault keeps a
    request unanswered (choose it above the client's timeout). log receives one line per
    request when given. keep_picture_bytes False keeps only the hashes of pictures (their
    bytes read as b""), for benchmarks that send gigabytes.
    """

    def __init__(
        self,
        sites: Mapping[str, bytes | str],
        *,
        keep_picture_bytes: bool = True,
        ssl_context: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        base_path: str = "/zc/v1",
        clock_offset: float = 0.0,
        hold_seconds: float = 5.0,
        log: Callable[[str], None] | None = None,
    ) -> None:
        if not sites:
            raise ValueError("at least one site is needed")
        self._keys = {code: _key_bytes(key) for code, key in sites.items()}
        self.ssl_context = ssl_context
        self.host = host
        self.port = port
        self.base_path = "/" + base_path.strip("/")
        self.clock_offset = clock_offset
        self.hold_seconds = hold_seconds
        self.log = log
        self.keep_picture_bytes = keep_picture_bytes
        self._lock = threading.RLock()
        self.faults = FaultPlan(self._lock)
        self._ledgers = {code: SiteLedger(code) for code in self._keys}
        self._watchlist = Watchlist()
        self._nonces: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._request_counts: Counter[str] = Counter()
        self._errors: list[str] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # life cycle

    def start(self) -> ProvinceReceiver:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        # A short poll interval keeps stop() quick (shutdown waits for the next poll).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="province-receiver",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # wakes requests held by a timeout fault
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ProvinceReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the receiver is not started")
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}{self.base_path}"

    # clock

    def now(self) -> float:
        """Server time: real time plus clock_offset (set it to make the station's clock skew)."""
        return time.time() + self.clock_offset

    def server_time_text(self) -> str:
        return beijing_text(self.now())

    # watchlist editing

    def add_watch(
        self,
        plate_num: str,
        plate_color: int,
        reason: str = "BLACKLIST",
        since: str = "2026-10-02",
        note: str = "",
    ) -> None:
        """Add an entry, or change it when the plate is listed already."""
        if reason not in WATCH_REASONS:
            raise ValueError(f"reason must be one of {sorted(WATCH_REASONS)}")
        entry = {
            "plateNum": plate_num,
            "plateColor": plate_color,
            "reason": reason,
            "since": since,
            "note": note,
        }
        with self._lock:
            self._watchlist.put(entry)

    def remove_watch(self, plate_num: str, plate_color: int) -> bool:
        with self._lock:
            return self._watchlist.remove(plate_num, plate_color)

    def forget_watch_history(self) -> None:
        with self._lock:
            self._watchlist.forget_history()

    def watch_entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return self._watchlist.entries()

    def forget_everything(self, site_code: str | None = None) -> None:
        """Lose every record and picture of a site, as a platform restored from an old backup.

        The manifests and heartbeats received stay, so a test can still read them.
        """
        with self._lock:
            ledger = self._ledger(site_code)
            kept = (ledger.heartbeats, ledger.manifests)
            ledger.__init__(ledger.site_code)
            ledger.heartbeats, ledger.manifests = kept

    # inspection (copies, taken under the lock)

    def held_records(self, site_code: str | None = None) -> dict[int, dict[str, Any]]:
        """The records held, by seq, exactly as received."""
        with self._lock:
            held = self._ledger(site_code).held
            # A JSON round trip is an exact deep copy for JSON values, and quicker than deepcopy.
            copies = json.loads(json.dumps(list(held.values()), ensure_ascii=False))
            return dict(zip(held.keys(), copies, strict=True))

    def store_counts(self, site_code: str | None = None) -> dict[int, int]:
        """How many times each seq was stored as held (1 each, if nothing went wrong)."""
        with self._lock:
            return dict(self._ledger(site_code).store_counts)

    def duplicate_counts(self, site_code: str | None = None) -> dict[int, int]:
        """How many times each seq came again with the same recordHash (answered DUPLICATE)."""
        with self._lock:
            return dict(self._ledger(site_code).duplicate_counts)

    def rejections(self, site_code: str | None = None) -> dict[int, tuple[str, str]]:
        """seq -> (code, message) of its latest submission, for seqs last answered REJECTED."""
        with self._lock:
            return dict(self._ledger(site_code).rejections)

    def pictures(self, site_code: str | None = None) -> dict[str, bytes]:
        with self._lock:
            return dict(self._ledger(site_code).pictures)

    def missing_pictures(self, site_code: str | None = None) -> list[str]:
        with self._lock:
            return self._ledger(site_code).missing_pictures()

    def heartbeats(self, site_code: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._ledger(site_code).heartbeats)

    def last_heartbeat(self, site_code: str | None = None) -> dict[str, Any] | None:
        with self._lock:
            beats = self._ledger(site_code).heartbeats
            return beats[-1] if beats else None

    def manifests(self, site_code: str | None = None) -> list[tuple[dict[str, Any], dict]]:
        """(body, answer) of every manifest received, oldest first."""
        with self._lock:
            return list(self._ledger(site_code).manifests)

    def request_counts(self) -> dict[str, int]:
        """Requests received by "METHOD /endpoint" (e.g. "PUT /pictures"), faulted ones too."""
        with self._lock:
            return dict(self._request_counts)

    def errors(self) -> list[str]:
        """Tracebacks of the receiver's own failures (a test should expect none)."""
        with self._lock:
            return list(self._errors)

    def _ledger(self, site_code: str | None) -> SiteLedger:
        return self._ledgers[site_code or next(iter(self._ledgers))]

    # request handling (called by the handler threads)

    def route(self, path: str) -> tuple[str, str | None] | None:
        """(endpoint, picture sha256) for a path under the base path, else None."""
        prefix = self.base_path + "/"
        if not path.startswith(prefix):
            return None
        rest = path[len(prefix) :]
        if rest in ENDPOINT_METHODS and rest != "pictures":
            return rest, None
        name, _, target = rest.partition("/")
        if name == "pictures" and HEX64.fullmatch(target):
            return name, target
        return None

    def count_request(self, method: str, endpoint: str | None) -> None:
        with self._lock:
            self._request_counts[f"{method} /{endpoint or '(unknown)'}"] += 1

    def note_error(self, text: str) -> None:
        with self._lock:
            self._errors.append(text)

    def hold(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def handle(self, request: Request) -> Answer:
        """Authenticate, then answer one routed request (the fault plan is applied outside)."""
        try:
            site_code = self._authenticate(request)
            return HANDLERS[(request.method, request.endpoint)](self, site_code, request)
        except Refusal as refusal:
            return refusal.answer
        except Exception:
            self.note_error(traceback.format_exc())
            return Answer(500, {"code": "INTERNAL_ERROR"})

    def _authenticate(self, request: Request) -> str:
        site_code = _single_header(request.headers, "X-Site-Code")
        key = self._keys.get(site_code or "")
        if site_code is None or key is None:
            raise Refusal(401, "UNKNOWN_SITE")
        timestamp = _single_header(request.headers, "X-Timestamp") or ""
        nonce = _single_header(request.headers, "X-Nonce") or ""
        signature = _single_header(request.headers, "X-Signature") or ""
        if not (TIMESTAMP.fullmatch(timestamp) and NONCE.fullmatch(nonce)):
            raise Refusal(401, "BAD_SIGNATURE", "X-Timestamp or X-Nonce is malformed")
        text = string_to_sign(
            request.method, request.path, request.query, timestamp, nonce, request.body
        )
        expected = hmac.new(key, text, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise Refusal(401, "BAD_SIGNATURE")
        now = self.now()
        if abs(int(timestamp) - now) > MAX_SKEW_SECONDS:
            raise Refusal(401, "CLOCK_SKEW", serverTime=beijing_text(now))
        self._use_nonce(site_code, nonce)
        return site_code

    def _use_nonce(self, site_code: str, nonce: str) -> None:
        # The window runs on the real monotonic clock: clock_offset games must not free nonces.
        now = time.monotonic()
        with self._lock:
            while self._nonces and next(iter(self._nonces.values())) < now - NONCE_WINDOW_SECONDS:
                self._nonces.popitem(last=False)
            if (site_code, nonce) in self._nonces:
                raise Refusal(409, "NONCE_REUSED")
            self._nonces[(site_code, nonce)] = now

    def _post_records(self, site_code: str, request: Request) -> Answer:
        body = parse_json(request)
        records = body.get("records") if isinstance(body, dict) else None
        if isinstance(records, list) and len(records) > MAX_RECORDS:
            raise Refusal(413, "TOO_LARGE", f"at most {MAX_RECORDS} records per request")
        require_shape(body, RECORDS_FIELDS)
        check_body_site(body, site_code)
        if not body["records"]:
            raise Refusal(400, "BAD_REQUEST", "records: must not be empty")
        with self._lock:
            ledger = self._ledgers[site_code]
            results = [ledger.submit(record) for record in body["records"]]
        return Answer(200, {"results": results})

    def _put_picture(self, site_code: str, request: Request) -> Answer:
        media = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media not in PICTURE_MEDIA_TYPES:
            raise Refusal(415, "UNSUPPORTED_MEDIA_TYPE", "image/jpeg, image/png or video/mp4")
        sha = request.target or ""
        if hashlib.sha256(request.body).hexdigest() != sha:
            return Answer(422, {"code": "HASH_MISMATCH"})
        with self._lock:
            pictures = self._ledgers[site_code].pictures
            if sha in pictures:
                return Answer(200, {"sha256": sha})
            pictures[sha] = request.body if self.keep_picture_bytes else b""
        return Answer(201, {"sha256": sha})

    def _head_picture(self, site_code: str, request: Request) -> Answer:
        with self._lock:
            held = request.target in self._ledgers[site_code].pictures
        return Answer(200 if held else 404)

    def _get_watchlist(self, site_code: str, request: Request) -> Answer:
        since = watchlist_cursor(request.query)
        with self._lock:
            return Answer(200, self._watchlist.answer(since))

    def _post_heartbeat(self, site_code: str, request: Request) -> Answer:
        body = parse_json(request)
        require_shape(body, HEARTBEAT_FIELDS)
        check_body_site(body, site_code)
        with self._lock:
            self._ledgers[site_code].heartbeats.append(body)
        return Answer(200, {"serverTime": self.server_time_text()})

    def _post_manifest(self, site_code: str, request: Request) -> Answer:
        body = parse_json(request)
        require_shape(body, MANIFEST_FIELDS)
        check_body_site(body, site_code)
        with self._lock:
            ledger = self._ledgers[site_code]
            answer = ledger.manifest_answer(body["lastSeq"], body["headHash"])
            ledger.manifests.append((body, answer))
        return Answer(200, answer)


HANDLERS: dict[tuple[str, str], Callable[[ProvinceReceiver, str, Request], Answer]] = {
    ("POST", "records"): ProvinceReceiver._post_records,
    ("PUT", "pictures"): ProvinceReceiver._put_picture,
    ("HEAD", "pictures"): ProvinceReceiver._head_picture,
    ("GET", "watchlist"): ProvinceReceiver._get_watchlist,
    ("POST", "heartbeat"): ProvinceReceiver._post_heartbeat,
    ("POST", "manifests"): ProvinceReceiver._post_manifest,
}


def _key_bytes(key: bytes | str) -> bytes:
    raw = bytes.fromhex(key) if isinstance(key, str) else bytes(key)
    if len(raw) != 32:
        raise ValueError("a site key is 32 bytes (64 hex characters)")
    return raw


def _single_header(headers: Message, name: str) -> str | None:
    values = headers.get_all(name) or []
    return values[0] if len(values) == 1 else None


# --- HTTP plumbing ------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() closes the connections itself; no joining idle threads
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], receiver: ProvinceReceiver) -> None:
        self.receiver = receiver
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (getfqdn), which can stall: skip it.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        # Answers go out in one write; no Nagle delay waiting for the client's delayed ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        context = self.receiver.ssl_context
        if context is not None:
            # The handshake runs in the connection's thread, not in the accept loop.
            sock = context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.receiver.note_error(traceback.format_exc())

    def track(self, sock: socket.socket, *, add: bool) -> None:
        with self._connections_lock:
            if add:
                self._connections.add(sock)
            else:
                self._connections.discard(sock)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            # socket.socket.shutdown, not SSLSocket.shutdown: only wake the reader thread.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ProvinceReceiver/1"
    wbufsize = -1  # buffered: status line, headers and a small body leave in one segment
    timeout = 120
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        self.server.track(self.connection, add=False)
        with contextlib.suppress(OSError):
            super().finish()

    def handle(self) -> None:
        try:
            if isinstance(self.connection, ssl.SSLSocket):
                self.connection.do_handshake()
            super().handle()
        except OSError:  # resets, TLS failures, timeouts: the connection is just over
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log = self.server.receiver.log
        if log is not None:
            log(f"{self.address_string()} {format % args}")

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def _serve(self) -> None:
        receiver = self.server.receiver
        split = urlsplit(self.path)
        found = receiver.route(split.path)
        receiver.count_request(self.command, found[0] if found else None)
        limit = MAX_PICTURE_BYTES if found and found[0] == "pictures" else MAX_JSON_BYTES
        body = self._read_body(limit)
        if isinstance(body, Answer):
            self._send(body)
            return
        if found is None:
            self._send(Answer(404, {"code": "NOT_FOUND"}))
            return
        endpoint, target = found
        methods = ENDPOINT_METHODS[endpoint]
        if self.command not in methods:
            self._send(Answer(405, {"code": "METHOD_NOT_ALLOWED"}, {"Allow": ", ".join(methods)}))
            return
        request = Request(
            self.command, split.path, split.query, self.headers, body, endpoint, target
        )
        self._answer(request, receiver.faults.draw(endpoint))

    def _answer(self, request: Request, fault: Fault | None) -> None:
        receiver = self.server.receiver
        kind = fault.kind if fault else None
        if fault is not None and kind in ANSWER_FAULTS:
            self._send(fault_answer(fault))
        elif kind == "timeout":
            hold = fault.hold_seconds if fault and fault.hold_seconds else receiver.hold_seconds
            receiver.hold(hold)
            self._drop()
        elif kind == "reset":
            self._reset()
        elif kind == "lost_answer":
            receiver.handle(request)
            self._drop()
        else:
            self._send(receiver.handle(request))

    def _read_body(self, limit: int) -> bytes | Answer:
        length = self._body_length()
        if isinstance(length, Answer):
            return length
        if length > limit:
            if length > MAX_DRAINED_BYTES:
                return Answer(413, {"code": "TOO_LARGE"}, close=True)
            self._drain(length)
            return Answer(413, {"code": "TOO_LARGE"})
        body = self.rfile.read(length)
        if len(body) != length:
            raise ConnectionError("the client closed before the end of the body")
        return body

    def _body_length(self) -> int | Answer:
        # Only Content-Length framing: the spec's clients always know the length up front.
        length_text = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") or (
            length_text is None and self.command in ("POST", "PUT")
        ):
            return Answer(411, {"code": "LENGTH_REQUIRED"}, close=True)
        if length_text is None:
            return 0
        if not length_text.isdigit():
            return Answer(400, {"code": "BAD_REQUEST"}, close=True)
        return int(length_text)

    def _drain(self, length: int) -> None:
        while length > 0:
            chunk = self.rfile.read(min(length, 1024 * 1024))
            if not chunk:
                raise ConnectionError("the client closed before the end of the body")
            length -= len(chunk)

    def _send(self, answer: Answer) -> None:
        body = answer.body()
        self.send_response(answer.status)
        if answer.payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _reset(self) -> None:
        # The start of a plausible answer, then RST: the client fails mid-response. A HEAD
        # answer has no body, and http.client takes headers cut short by the end of the
        # stream as complete; so a HEAD is cut inside its status line, or the "reset"
        # would read as a whole (and false) 200.
        start = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        if self.command == "HEAD":
            self.wfile.write(start[:10])
        else:
            self.wfile.write(start + b'Content-Length: 4096\r\n\r\n{"results": [{"seq')
        self.wfile.flush()
        self._drop(linger=struct.pack("ii", 1, 0))

    def _drop(self, linger: bytes | None = None) -> None:
        """Close the connection without (the rest of) an answer; with linger 0 it is a RST."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            if linger is not None:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            # The socket is only really closed once the files made from it are closed too.
            self.wfile.close()
            self.rfile.close()
            self.connection.close()
        # handle_one_request flushes wfile after the method returns: give it a harmless one.
        self.wfile = io.BytesIO()


def fault_answer(fault: Fault) -> Answer:
    headers = {}
    retry_after = fault.retry_after
    if fault.kind == "429" and retry_after is None:
        retry_after = 1  # a 429 always says when to come back
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    codes = {"500": "INTERNAL_ERROR", "503": "UNAVAILABLE", "429": "TOO_MANY_REQUESTS"}
    return Answer(int(fault.kind), {"code": codes[fault.kind]}, headers)
