"""Benchmark of the automated scorer: ``python -m bench.auto_scorer [--calls N]``.

Generates, inside DuckDB (one SQL statement), a quarter of ``--calls`` calls (default
100,000) x ~150 utterances (~1.5 GB of transcript text at the default size) in a temporary
DuckDB file, from the demo generator's phrase banks: about a quarter of the utterances
carry a line of some criterion's behaviour at a random level, the rest product talk and
small talk, every utterance two sentences with per-row numbers (so the text does not
compress into a dictionary). The scorer is the one-call-close template's (28 signals) plus
two bench-only signals (a regular expression and a phrase list): 30 signals. It then times
:func:`salesassess.scoring.auto_scorer.score_calls` ``--runs`` times (default 3) and prints the
medians (seconds, MB/s of transcript text, per step) and the peak resident memory of this process,
sampled every 20 ms.

``--agreement`` instead generates the default demo data and prints, per criterion, how
often the automated score is within 1 point of the human reviewers' (and exact, and the
quadratic-weighted kappa).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import duckdb
import psutil
import yaml

from salesassess.demo import data as demo_data
from salesassess.demo import transcripts as phrase_banks
from salesassess.method.rubric import parse_rubric
from salesassess.scoring.auto_scorer import score_calls
from salesassess.scoring.scorer_spec import ScorerSpec, parse_scorer

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "rubrics" / "templates" / "one_call_close.yaml"
CYCLE = "2026-Q3"
UTTERANCES_PER_CALL = 150
BANK_SHARE = 0.25  # utterances carrying a line of some criterion's behaviour
EXTRA_SIGNALS = {
    "discount_offer": {"speaker": "rep", "regex": r"\b[0-9]{1,2} ?% off\b"},
    "competitor_name": {
        "speaker": "any",
        "phrases": ["zentrix support", "helphub", "ticketpro", "supportlane", "deskly"],
    },
}


class _Context(dict):
    """Placeholder values for the phrase banks; numbers become '#' (varied per row)."""

    def __missing__(self, key: str) -> str:
        return "#"


def bench_spec() -> ScorerSpec:
    """The one-call-close template's scorer plus two bench-only signals: 30 signals."""
    document = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    document = copy.deepcopy(document)
    document.setdefault("signals", {}).update(EXTRA_SIGNALS)
    by_id = {c["id"]: c for c in document["criteria"]}
    by_id["objection_handling_depth"]["rules"][2].append({"absent": "discount_offer"})
    by_id["next_step_process"]["rules"][3].append(
        {"count": {"signal": "competitor_name", "at_least": 1}}
    )
    spec = parse_scorer(document, TEMPLATE, parse_rubric(document, TEMPLATE))
    assert spec is not None
    return spec


def phrase_lines() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(behaviour lines, other lines) as (speaker role, text) from the demo phrase banks."""
    context = _Context(
        vendor="HelpHub",
        prospect="Dana",
        rep="Sam",
        peer="Oakmont Realty",
        price="$49",
        followup_date="Tuesday, July 14",
        followup_date2="Friday, July 17",
        renewal="Monday, October 5",
        followup_time="2 pm",
        owner_title="COO",
        company="Harbor Dental",
        city="Leeds",
    )
    roles = {"R": "rep", "P": "prospect"}
    behaviour: dict[tuple[str, str], None] = {}
    for bank in phrase_banks.BANKS.values():
        for scripts in bank.values():
            for script in scripts:
                for _, speaker, text in script:
                    behaviour[(roles[speaker], text.format_map(context))] = None
    for objection in phrase_banks.OBJECTIONS:
        for text in objection:
            behaviour[("prospect", text.format_map(context))] = None
    other: dict[tuple[str, str], None] = {}
    for beat in phrase_banks.FILLERS:
        for speaker, text in beat:
            other[(roles[speaker], text.format_map(context))] = None
    for rep_line, prospect_line in phrase_banks.SMALL_TALK:
        other[("rep", rep_line.format_map(context))] = None
        other[("prospect", prospect_line.format_map(context))] = None
    for speaker, text in phrase_banks.SCREEN_SHARE:
        other[(roles[speaker], text)] = None
    for _, speaker, text in phrase_banks.PRICING:
        other[(roles[speaker], text.format_map(context))] = None
    return list(behaviour), list(other)


def generate(con: duckdb.DuckDBPyConnection, calls: int) -> tuple[int, float]:
    """Fill raw.utterances with one cycle of generated calls; (utterances, text MB). Each
    call's utterances are stored together in seq order, as the ingestion stores a landing
    file written call by call (every adapter writes them so)."""
    behaviour, other = phrase_lines()
    con.execute(
        "create or replace temp table bench_behaviour (id integer, role varchar, text varchar)"
    )
    con.executemany(
        "insert into bench_behaviour values (?, ?, ?)",
        [(i, role, text) for i, (role, text) in enumerate(behaviour)],
    )
    con.execute("create or replace temp table bench_other (id integer, role varchar, text varchar)")
    con.executemany(
        "insert into bench_other values (?, ?, ?)",
        [(i, role, text) for i, (role, text) in enumerate(other)],
    )
    con.execute("create schema if not exists raw")
    con.execute(
        "create or replace table raw.utterances (cycle varchar, call_id varchar, seq bigint, "
        "start_ms bigint, end_ms bigint, speaker_role varchar, speaker_name varchar, "
        "text varchar)"
    )
    threshold = int(BANK_SHARE * 1000)
    con.execute(
        f"""
        insert into raw.utterances
        with grid as (
            select c.c, s.s, hash(c.c, s.s) as h
            from range({calls}) c(c), range({UTTERANCES_PER_CALL}) s(s)
        ), picked as (
            select c, s, h,
                case when h % 1000 < {threshold}
                     then (h // 1000) % {len(behaviour)} end as behaviour_id,
                (h // 7) % {len(other)} as first_other,
                (h // 131) % {len(other)} as second_other
            from grid
        )
        select '{CYCLE}', 'call_' || lpad(cast(p.c as varchar), 7, '0'), p.s + 1,
            p.s * 11000 + (p.h // 3) % 4000 as start_ms,
            p.s * 11000 + (p.h // 3) % 4000 + 4000 + (p.h // 17) % 5000,
            coalesce(b.role, o1.role),
            case when coalesce(b.role, o1.role) = 'rep' then 'Sam Rep' else 'Dana Prospect' end,
            replace(coalesce(b.text, o1.text) || ' ' || o2.text, '#',
                    cast((p.h // 101) % 9973 as varchar))
        from picked p
        left join bench_behaviour b on b.id = p.behaviour_id
        join bench_other o1 on o1.id = p.first_other
        join bench_other o2 on o2.id = p.second_other
        order by p.c, p.s
        """
    )
    rows, megabytes = con.execute(
        "select count(*), sum(strlen(text)) / 1e6 from raw.utterances"
    ).fetchone()
    return int(rows), float(megabytes)


class _PeakRss:
    """Samples this process's resident memory in a background thread."""

    def __init__(self, interval: float = 0.02):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._process = psutil.Process()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                self.peak = max(self.peak, self._process.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        with contextlib.suppress(psutil.Error):
            self.peak = max(self.peak, self._process.memory_info().rss)


def benchmark(calls: int, runs: int, threads: int | None, memory_limit: str | None) -> None:
    spec = bench_spec()
    with tempfile.TemporaryDirectory(prefix="auto_scorer_bench_") as folder:
        database = Path(folder) / "bench.duckdb"
        started = time.perf_counter()
        with duckdb.connect(str(database)) as con:
            utterances, megabytes = generate(con, calls)
        size_gb = database.stat().st_size / 1e9
        print(
            f"generated {calls:,} calls, {utterances:,} utterances, {megabytes:,.0f} MB of text "
            f"in {time.perf_counter() - started:.1f} s ({size_gb:.2f} GB file)",
            flush=True,
        )
        results = []
        for run in range(runs):
            # a fresh connection per run: nothing cached from the previous one
            with duckdb.connect(str(database)) as con:
                if threads:
                    con.execute(f"set threads = {threads}")
                if memory_limit:
                    con.execute(f"set memory_limit = '{memory_limit}'")
                with _PeakRss() as rss:
                    result = score_calls(con, spec, cycle=CYCLE, rubric_version=spec.rubric_version)
                seconds = result["seconds"]["total"]
                results.append((seconds, rss.peak, result))
                print(
                    f"run {run + 1}: {seconds:.2f} s, {megabytes / seconds:.1f} MB/s, "
                    f"peak RSS {rss.peak / 2**20:,.0f} MB, steps {result['seconds']}",
                    flush=True,
                )
        last = results[-1][2]
        median = statistics.median(r[0] for r in results)
        steps = {
            step: statistics.median(r[2]["seconds"][step] for r in results)
            for step in last["seconds"]
        }
        print(f"\nAutomated scorer benchmark: {runs} runs, cycle {CYCLE}")
        print(
            f"  {last['calls']:,} calls, {last['utterances']:,} utterances, {megabytes:,.0f} MB of "
            f"text, {last['signals']} signals, {len(last['criteria'])} criteria, "
            f"{last['rows_written']:,} score rows"
        )
        print(
            f"  utterances matching a signal: {last['utterances_matched']:,}; "
            f"signal hits: {last['signal_hits']:,}"
        )
        print(f"  median seconds: {median:.2f}   median MB/s: {megabytes / median:.1f}")
        print(f"  median seconds per step: {steps}")
        print(f"  peak RSS: {max(r[1] for r in results) / 2**20:,.0f} MB")
        print(f"  runs (s): {', '.join(f'{r[0]:.2f}' for r in results)}")


def agreement(out: Path | None = None) -> dict[str, dict[str, float]]:
    """Per criterion: automated vs human scores on the default demo data."""
    from salesassess.method.statistics import quadratic_weighted_kappa

    with tempfile.TemporaryDirectory(prefix="auto_scorer_agreement_") as folder:
        landing = out or Path(folder) / "landing"
        demo_data.generate(landing, last_quarter="2026-07-01")
        spec = parse_scorer(
            yaml.safe_load((landing / "rubric.yaml").read_text(encoding="utf-8")),
            landing / "rubric.yaml",
            parse_rubric(
                yaml.safe_load((landing / "rubric.yaml").read_text(encoding="utf-8")),
                landing / "rubric.yaml",
            ),
        )
        assert spec is not None
        with duckdb.connect() as con:
            con.execute("create schema raw")
            con.execute(
                "create table raw.utterances as select 'demo' as cycle, * "
                f"from read_parquet('{landing / 'utterances.parquet'}')"
            )
            score_calls(con, spec, cycle="demo", rubric_version=spec.rubric_version)
            pairs = con.execute(
                "select h.criterion_id, h.score, a.score from read_csv("
                f"'{landing / 'scores.csv'}') h join raw.auto_scores a "
                "using (call_id, criterion_id) where h.scorer_kind = 'human'"
            ).fetchall()
    by_criterion: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for criterion, human, auto in pairs:
        by_criterion[criterion].append((float(human), float(auto)))
    levels = list(range(spec.scale_min, spec.scale_max + 1))
    report = {}
    for criterion in [c.criterion_id for c in spec.criteria]:
        scored = by_criterion[criterion]
        report[criterion] = {
            "pairs": len(scored),
            "within_1": sum(abs(h - a) <= 1 for h, a in scored) / len(scored),
            "exact": sum(h == a for h, a in scored) / len(scored),
            "qwk": quadratic_weighted_kappa(
                [h for h, _ in scored], [a for _, a in scored], categories=levels
            ),
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.auto_scorer", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all)")
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 3GB")
    parser.add_argument(
        "--agreement", action="store_true", help="agreement with human scores on demo data"
    )
    args = parser.parse_args()
    if args.agreement:
        print("Automated vs human scores on the default demo data (human-scored pairs)")
        print(f"{'criterion':<28} {'pairs':>6} {'within 1':>9} {'exact':>7} {'QWK':>7}")
        for criterion, row in agreement().items():
            print(
                f"{criterion:<28} {row['pairs']:>6} {row['within_1']:>9.3f} "
                f"{row['exact']:>7.3f} {row['qwk']:>7.3f}"
            )
        return
    benchmark(args.calls, args.runs, args.threads, args.memory_limit)


if __name__ == "__main__":
    main()
