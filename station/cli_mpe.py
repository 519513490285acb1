"""`python main.py mpe`: the maximum permissible error of a class III truck scale at a load.

    python main.py mpe --max 100000 --e 20 --load 30000 [--in-service]
    {"mpeKg": 40, "band": "500e-2000e"}

Exit 0 with one JSON object on stdout; exit 2 with a one-line message on stderr that names
the bad option.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from decimal import Decimal

# Checked here rather than by argparse, whose errors add a usage line to the one-line message.
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# Argument names in the metrology module's messages, as the options a user typed.
_OPTIONS = {"max_kg": "--max", "e_kg": "--e", "load_kg": "--load"}
_ARGUMENT_NAMES = re.compile(r"\b(max_kg|e_kg|load_kg)\b")


class _BadOption(ValueError):
    pass


def add_parser(commands: argparse._SubParsersAction) -> None:
    mpe = commands.add_parser(
        "mpe", help="maximum permissible error of a class III truck scale (JJG 539 / OIML R 76)"
    )
    mpe.add_argument("--max", metavar="KG", help="maximum capacity Max in kg (required)")
    mpe.add_argument("--e", metavar="KG", help="verification scale interval e in kg (required)")
    mpe.add_argument("--load", metavar="KG", help="the test load in kg (required)")
    mpe.add_argument(
        "--in-service",
        action="store_true",
        help="in-service inspection (twice the MPE of initial or subsequent verification)",
    )


def _kg(option: str, text: str | None) -> Decimal:
    if text is None:
        raise _BadOption(f"{option} KG is required")
    if not _NUMBER.fullmatch(text):
        raise _BadOption(f"{option} {text} is not a number of kg (e.g. 20 or 0.5)")
    return Decimal(text)


def _option_names(message: str) -> str:
    return _ARGUMENT_NAMES.sub(lambda match: _OPTIONS[match.group(1)], message)


def run(args: argparse.Namespace) -> int:
    # Imported here: main.py builds every command's parser on each run, and the domain
    # package costs some 45 ms that the other commands need not pay.
    from station.domain.metrology import (  # noqa: PLC0415
        MetrologyInputError,
        MetrologyTableError,
        static_mpe,
    )

    try:
        mpe = static_mpe(
            _kg("--max", args.max),
            _kg("--e", args.e),
            _kg("--load", args.load),
            in_service=args.in_service,
        )
    except _BadOption as exc:
        print(f"mpe: {exc}", file=sys.stderr)
        return 2
    except (MetrologyInputError, MetrologyTableError) as exc:
        print(f"mpe: {_option_names(str(exc))}", file=sys.stderr)
        return 2
    print(json.dumps({"mpeKg": mpe.mpe_kg, "band": mpe.band}))
    return 0
