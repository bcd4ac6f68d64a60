"""Benchmark of the learned scorer: ``python -m bench.learned_scorer [--calls N]``.

The automated scorer's benchmark quarter (:func:`bench.auto_scorer.generate`: ``--calls``
calls, default 100,000, x 150 utterances, ~1.4 GB of text), scored by the rules (with the
signal counts kept), then ``--human-share`` of the calls (default 2%: about 2,000 calls, the
10 per rep and cycle of Step 2 for a team of 200) given a human level on every criterion
(the rules' level, one up on a third of them by a hash of the call; above the bottom
level with a marked moment, ``evidence_start_ms``, at an utterance start chosen by a hash),
then
:func:`salesassess.scoring.learned_scorer.learn_and_score` timed: 5-fold cross-validation per
criterion, the fit on every human-scored call, and every call scored with its evidence (the model
scores every criterion here, whichever agrees better: the benchmark times the whole path).
DuckDB uses 2 threads; prints each run's seconds, the median of ``--runs`` (default 3) and
the peak resident memory of this process (the rules score again, untimed, before each run).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from bench.auto_scorer import CYCLE, _PeakRss, bench_spec, generate
from salesassess.scoring.auto_scorer import score_calls
from salesassess.scoring.learned_scorer import LearnedSettings, learn_and_score


def benchmark(calls: int, human_share: float, threads: int, runs: int = 3) -> dict:
    spec = bench_spec()
    with tempfile.TemporaryDirectory(prefix="learned_scorer_bench_") as folder:
        database = Path(folder) / "bench.duckdb"
        with duckdb.connect(str(database)) as con:
            con.execute(f"set threads = {threads}")
            utterances, megabytes = generate(con, calls)
            measured = []
            for run in range(runs):
                # the rules' scores again: a run replaces the criteria the model scores
                score_calls(
                    con,
                    spec,
                    cycle=CYCLE,
                    rubric_version=spec.rubric_version,
                    signal_counts_table="_counts",
                )
                if run == 0:
                    every = round(1 / human_share)
                    con.execute(
                        "create table raw.scores as select cycle, call_id, criterion_id, "
                        f"least({spec.scale_max}, score + case when hash(call_id) % 3 = 0 "
                        "then 1 else 0 end) as score, 'reviewer' as scorer_id, "
                        "'human' as scorer_kind, rubric_version as rubric_version_resolved, "
                        "timestamp '2026-09-30 12:00:00' as scored_at, "
                        # the reviewer's marked moment, above the bottom level: an
                        # utterance start of the call (150 utterances, 11 s apart)
                        f"case when score > {spec.scale_min} then "
                        "(hash(call_id || criterion_id) % 150) * 11000 end as evidence_start_ms "
                        f"from raw.auto_scores where hash(call_id) % {every} = 0"
                    )
                    human = con.execute(
                        "select count(distinct call_id) from raw.scores"
                    ).fetchone()[0]
                    print(
                        f"{calls:,} calls, {utterances:,} utterances, {megabytes:,.0f} MB of "
                        f"text, {human:,} human-scored calls",
                        flush=True,
                    )
                started = time.perf_counter()
                with _PeakRss() as rss:
                    report = learn_and_score(
                        con,
                        spec,
                        cycle=CYCLE,
                        settings=LearnedSettings(),
                        signal_counts_table="_counts",
                        prefer_learned=True,
                    )
                seconds = time.perf_counter() - started
                measured.append((seconds, rss.peak))
                print(
                    f"run {run + 1}: {seconds:.1f} s, peak RSS {rss.peak / 2**20:,.0f} MB, "
                    f"steps {report['seconds']}",
                    flush=True,
                )
    median = statistics.median(m[0] for m in measured)
    peak = max(m[1] for m in measured)
    print(
        f"learned scorer {report['scorer_id']} ({report['training_calls']:,} training calls): "
        f"median {median:.1f} s of {runs} runs, peak RSS {peak / 2**20:,.0f} MB"
    )
    for criterion, figures in report["criteria"].items():
        print(
            f"  {criterion:<28} scored by {figures['scored_by']}: within-1 rules "
            f"{figures['rules']['within_one_rate']:.3f}, learned "
            f"{figures['learned']['within_one_rate']:.3f}"
        )
    return {"seconds": median, "peak_rss": peak, "report": report}


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark of the learned scorer.")
    parser.add_argument("--calls", type=int, default=100_000, help="calls in the quarter")
    parser.add_argument("--human-share", type=float, default=0.02, help="share human-scored")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (the median is shown)")
    args = parser.parse_args()
    benchmark(args.calls, args.human_share, args.threads, args.runs)


if __name__ == "__main__":
    main()
