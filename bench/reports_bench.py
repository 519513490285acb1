"""Documents and reports: render time per document, and the monthly report end to end.

    .venv/bin/python -m bench.reports_bench              # about 1 minute (builds 100k weighings)
    .venv/bin/python -m bench.reports_bench --renders 50 --weighings 20000   # quicker
    .venv/bin/python -m bench.reports_bench --json       # the results as JSON on stdout

1. render: `render_ticket` and `render_unload_notice` of the sample over-limit weighing of
   tests/reports/samples.py (no photos), `--renders` times each after one warm-up render
   (font registration and subsetting caches); p50/p95/max per document. Target: ticket p95
   under 100 ms.
2. monthly: a fresh SQLite file filled by `station.storage.bulk.generate` with `--weighings`
   weighings in November 2026 (without raw traces: the report does not read them), then
   `period_report` (SQL aggregates) + `render_period_report` for November, timed end to end
   three times (the best and the worst are reported). Target: under 5 s.

Every run writes bench/out/reports-<timestamp>.json with the machine (bench/machine.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.machine import describe, summary  # noqa: E402
from reports.documents import render_ticket, render_unload_notice  # noqa: E402
from reports.periodic import render_period_report  # noqa: E402
from station.periods import period_of  # noqa: E402
from station.storage.bulk import generate  # noqa: E402
from station.storage.database import open_database  # noqa: E402
from station.storage.period_stats import period_report  # noqa: E402
from tests.reports.samples import over_limit  # noqa: E402

SITE = "410102210001"
MONTH = date(2026, 11, 1)
OUT = ROOT / "bench" / "out"


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "count": len(ordered),
    }


def time_renders(renders: int) -> dict[str, dict[str, float]]:
    detail = over_limit()
    documents = {"ticket": render_ticket, "unload_notice": render_unload_notice}
    results = {}
    for name, render in documents.items():
        render(detail)  # warm-up: font registration, first subset
        times = []
        for _ in range(renders):
            began = time.perf_counter()
            render(detail)
            times.append(time.perf_counter() - began)
        results[name] = _ms(times)
    return results


def time_monthly(weighings: int, folder: Path) -> dict[str, Any]:
    database, _ = open_database(f"sqlite:///{folder / 'month.sqlite3'}")
    try:
        per_day = -(-weighings // 30)
        began = time.perf_counter()
        start = datetime.combine(MONTH, datetime.min.time())
        generate(database, SITE, weighings, seed=7, start=start, per_day=per_day, traces=False)
        built = time.perf_counter() - began
        period = period_of("monthly", MONTH)
        runs, query_s, pages = [], [], 0
        for _ in range(3):
            began = time.perf_counter()
            report = period_report(database, period, site_code=SITE, station_name="基准测试站",
                                   deadline_hours=24, now=datetime(2026, 12, 1, 8, 0))  # fmt: skip
            queried = time.perf_counter()
            pdf = render_period_report(report)
            runs.append(time.perf_counter() - began)
            query_s.append(queried - began)
            pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
        return {
            "weighings": report.weighed + report.reweighs + report.voided,
            "heavy_listed": len(report.heavy),
            "build_s": round(built, 1),
            "end_to_end_best_s": round(min(runs), 3),
            "end_to_end_worst_s": round(max(runs), 3),
            "query_best_s": round(min(query_s), 3),
            "pdf_bytes": len(pdf),
            "pdf_pages_approx": pages,
        }
    finally:
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--weighings", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    machine = describe(OUT)
    renders = time_renders(args.renders)
    with tempfile.TemporaryDirectory(dir=OUT) as folder:
        monthly = time_monthly(args.weighings, Path(folder))
    results = {"machine": machine, "render": renders, "monthly": monthly}
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (OUT / f"reports-{stamp}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return
    print(summary(machine))
    for name, figures in renders.items():
        print(f"{name:14} p50 {figures['p50_ms']} ms  p95 {figures['p95_ms']} ms  "
              f"max {figures['max_ms']} ms  ({figures['count']} renders)")  # fmt: skip
    m = monthly
    print(f"monthly report, {m['weighings']} weighings: best {m['end_to_end_best_s']} s, "
          f"worst {m['end_to_end_worst_s']} s (query {m['query_best_s']} s), "
          f"database built in {m['build_s']} s")  # fmt: skip


if __name__ == "__main__":
    main()
