"""Hash chain of the records bound for the province (province-api.md §3).

Every record carries seq, prevHash and recordHash; recordHash is the SHA-256 of the
canonical JSON of the record without recordHash. The same rules chain the local
audit log, so both can be verified the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8 without escapes (province-api.md §3)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def record_hash(record: dict[str, Any]) -> str:
    """Hash of a record; its own recordHash field, if present, is left out."""
    body = {key: value for key, value in record.items() if key != "recordHash"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def seal(record: dict[str, Any], seq: int, prev_hash: str) -> dict[str, Any]:
    """Return a copy of the record placed in the chain at seq after prev_hash."""
    if seq < 1:
        raise ValueError("seq starts at 1")
    sealed = {key: value for key, value in record.items() if key != "recordHash"}
    sealed["seq"] = seq
    sealed["prevHash"] = prev_hash
    sealed["recordHash"] = record_hash(sealed)
    return sealed


@dataclass(frozen=True, slots=True)
class ChainFault:
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.problem}"


@dataclass(frozen=True, slots=True)
class StoredLink:
    """One stored record as the verifier sees it: the row's columns and its body text."""

    seq: int
    prev_hash: str
    record_hash: str
    body: str


def _body_faults(link: StoredLink, record: dict[str, Any]) -> Iterator[str]:
    if record.get("seq") != link.seq:
        yield f"row holds the record of seq {record.get('seq')} (reordered or renumbered)"
    if record.get("prevHash") != link.prev_hash or record.get("recordHash") != link.record_hash:
        yield "hash columns differ from the record body"
    if record_hash(record) != record.get("recordHash"):
        yield "recordHash does not match the record (record altered)"
    if canonical_json(record).decode("utf-8") != link.body:
        yield "body is not in canonical form (edited)"


def check_links(links: Iterable[StoredLink]) -> Iterator[ChainFault]:
    """Yield every fault in a chain read in seq order: gaps, broken links, altered records."""
    expected_seq = 1
    previous_hash = GENESIS_HASH
    for link in links:
        if link.seq != expected_seq:
            yield ChainFault(
                expected_seq, f"missing (next stored seq is {link.seq}): record removed"
            )
        try:
            record = json.loads(link.body)
        except json.JSONDecodeError:
            yield ChainFault(link.seq, "body is not valid JSON")
            record = {}
        if isinstance(record, dict):
            for problem in _body_faults(link, record):
                yield ChainFault(link.seq, problem)
        if link.prev_hash != previous_hash:
            yield ChainFault(
                link.seq,
                "prevHash does not match the recordHash of the previous record "
                "(a record before it was altered, inserted or removed)",
            )
        expected_seq = link.seq + 1
        previous_hash = link.record_hash
