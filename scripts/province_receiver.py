"""Run the reference province receiver on this machine, for trying the station's upload by hand.

    python scripts/province_receiver.py --port 8443 --site-code 410100210001 --key-file FILE \\
        [--tls-dir DIR] [--client-cert] [--plain] [--fault-rate 0.1] [--fault-kinds 500,reset]

FILE holds the site's key as 64 hex characters (what the province hands out). The receiver
makes a throwaway CA and a server certificate for 127.0.0.1/localhost in DIR (a temporary
folder when not given) and prints the base URL and the CA file to configure in the station.
It serves until Ctrl+C, then prints what it holds. It is a test tool (tests/support), not part
of the app; it needs the test extras (trustme).
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.province_receiver import FAULT_KINDS, ProvinceReceiver  # noqa: E402
from tests.support.tls import LoopbackPki  # noqa: E402

DEFAULT_FAULT_KINDS = "500,503,429,reset,lost_answer"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--base-path", default="/zc/v1")
    parser.add_argument("--site-code", required=True)
    parser.add_argument("--key-file", type=Path, required=True, help="64 hex characters")
    parser.add_argument("--tls-dir", type=Path, help="where to write the CA and certificates")
    parser.add_argument("--client-cert", action="store_true", help="require client certificates")
    parser.add_argument("--plain", action="store_true", help="plain HTTP instead of HTTPS")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of requests failed")
    parser.add_argument("--fault-kinds", default=DEFAULT_FAULT_KINDS, help=", ".join(FAULT_KINDS))
    parser.add_argument("--hold-seconds", type=float, default=30.0, help="for timeout faults")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clock-offset", type=float, default=0.0, help="seconds")
    parser.add_argument("--watch", action="append", default=[], help="PLATE:COLOR[:REASON]")
    parser.add_argument("--quiet", action="store_true", help="no line per request")
    return parser.parse_args(argv)


def _read_key(path: Path) -> str:
    key = path.read_text(encoding="utf-8").strip().lower()
    if len(key) != 64 or any(char not in "0123456789abcdef" for char in key):
        raise SystemExit(f"{path}: a site key is 64 hex characters")
    return key


def _configure_faults(receiver: ProvinceReceiver, options: argparse.Namespace) -> None:
    if options.fault_rate <= 0:
        return
    kinds = [kind.strip() for kind in options.fault_kinds.split(",") if kind.strip()]
    rates = dict.fromkeys(kinds, options.fault_rate / len(kinds))
    try:
        receiver.faults.randomize(rates, seed=options.seed, hold_seconds=options.hold_seconds)
    except ValueError as error:
        raise SystemExit(f"--fault-kinds/--fault-rate: {error}") from None


def _add_watches(receiver: ProvinceReceiver, watches: list[str]) -> None:
    for text in watches:
        plate, _, rest = text.partition(":")
        color, _, reason = rest.partition(":")
        if not plate or not color.isdigit():
            raise SystemExit(f"--watch {text}: expected PLATE:COLOR[:REASON]")
        receiver.add_watch(plate, int(color), reason or "BLACKLIST")


def _print_summary(receiver: ProvinceReceiver) -> None:
    held = receiver.held_records()
    print(f"held records: {len(held)} (highest seq {max(held, default=0)})")
    print(f"rejected seqs: {sorted(receiver.rejections())}")
    print(f"pictures held: {len(receiver.pictures())}, missing: {len(receiver.missing_pictures())}")
    print(f"requests: {receiver.request_counts()}")
    print(f"faults injected: {receiver.faults.counts()}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # `kill` stops it like Ctrl+C: summary printed, sockets closed


def _serve(options: argparse.Namespace, tls_dir: Path) -> None:
    pki = None if options.plain else LoopbackPki(tls_dir, client_cert=options.client_cert)
    context = pki.server_context(require_client_cert=options.client_cert) if pki else None
    receiver = ProvinceReceiver(
        {options.site_code: _read_key(options.key_file)},
        ssl_context=context,
        host=options.host,
        port=options.port,
        base_path=options.base_path,
        clock_offset=options.clock_offset,
        hold_seconds=options.hold_seconds,
        log=None if options.quiet else lambda line: print(line, file=sys.stderr),
    )
    _configure_faults(receiver, options)
    _add_watches(receiver, options.watch)
    signal.signal(signal.SIGTERM, _interrupt)
    with receiver:
        print(f"base URL: {receiver.base_url}")
        print(f"CA file: {pki.files.ca if pki else 'none (plain HTTP)'}")
        if pki and pki.files.client_cert:
            print(f"client certificate: {pki.files.client_cert} key: {pki.files.client_key}")
        print("serving until Ctrl+C", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print()
    _print_summary(receiver)


def main(argv: list[str] | None = None) -> None:
    options = _arguments(argv)
    if options.tls_dir is not None:
        _serve(options, options.tls_dir)
        return
    with tempfile.TemporaryDirectory(prefix="province-receiver-") as folder:
        _serve(options, Path(folder))


if __name__ == "__main__":
    main()
