"""Loading of the versioned legal data tables shipped in station/data (and extra folders)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from station.domain.axle_groups import (
    AxleGroupTable,
    AxleGroupTableError,
    axle_group_table_from_mapping,
)
from station.domain.limits import LimitBook, LimitTableError, table_from_mapping
from station.domain.penalty import PenaltyBook, PenaltyTableError, penalty_table_from_mapping


def _read_toml(name: str, text: str, error: type[ValueError]) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{name}: {exc}") from None


def _shipped(folder: str) -> list[tuple[str, str]]:
    root = resources.files("station") / "data" / folder
    return sorted(
        (f"station/data/{folder}/{item.name}", item.read_text(encoding="utf-8"))
        for item in root.iterdir()
        if item.name.endswith(".toml")
    )


def _extra(folders: Iterable[Path]) -> list[tuple[str, str]]:
    found = []
    for folder in folders:
        found.extend(
            (str(path), path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.toml"))
        )
    return found


def load_limit_book(extra_folders: Iterable[Path] = ()) -> LimitBook:
    """Load the shipped limit tables plus any in extra folders (a revised standard, say)."""
    tables = [
        table_from_mapping(_read_toml(name, text, LimitTableError), name)
        for name, text in _shipped("limits") + _extra(extra_folders)
    ]
    return LimitBook(tables)


def load_penalty_book(extra_folders: Iterable[Path] = ()) -> PenaltyBook:
    tables = [
        penalty_table_from_mapping(_read_toml(name, text, PenaltyTableError), name)
        for name, text in _shipped("penalties") + _extra(extra_folders)
    ]
    return PenaltyBook(tables)


@lru_cache(maxsize=1)
def default_limit_book() -> LimitBook:
    return load_limit_book()


@lru_cache(maxsize=1)
def default_penalty_book() -> PenaltyBook:
    return load_penalty_book()


@lru_cache(maxsize=1)
def default_axle_group_table() -> AxleGroupTable:
    """The shipped axle-group table in force today (informational: see the table's header)."""
    tables = [
        axle_group_table_from_mapping(_read_toml(name, text, AxleGroupTableError), name)
        for name, text in _shipped("axle_groups")
    ]
    return max(tables, key=lambda table: table.effective_from)
