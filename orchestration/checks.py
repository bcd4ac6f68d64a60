"""The quality suites (``salesassess/quality``) as Dagster asset checks.

One check, ``gx_quality``, per raw asset and on the two main marts, partitioned like its
asset: Great Expectations validates its suite where the engine resource keeps the table
(DuckDB: the warehouse, read-only; Spark: Spark SQL over the raw Parquet or the metastore)
over the partition's rows, with a checkpoint that adds the validation result and its page
to the warehouse's Data Docs. The check reports the suite, each expectation with its
observed value and failing rows, an example failing row and a link to the partition's Data
Docs page as metadata.

Blocking checks gate the run: when one fails with ERROR severity, the assets downstream of
its asset (the dbt models, the statistics) are not materialised for the partition. The
transcript check only warns: transcripts are evidence for coaching, not scores.
"""

import warnings
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from assets.mart_metadata import markdown_text
from orchestration.assessment_engine import AssessmentEngine
from orchestration.partitions import quarterly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.method.calendar import cycle_window
from salesassess.quality.validation import ERROR, QualityResult

CHECK_NAME = "gx_quality"


@dataclass(frozen=True)
class QualityTarget:
    asset: dg.AssetKey
    table: str
    blocking: bool
    description: str


TARGETS = (
    QualityTarget(
        dg.AssetKey(["raw", "rubric_criteria"]),
        "raw.rubric_criteria",
        True,
        "Rubric of the cycle: unique (version, criterion), whole-percent weights summing to "
        "100 per version, scale_max > scale_min.",
    ),
    QualityTarget(
        dg.AssetKey(["raw", "reps"]),
        "raw.reps",
        True,
        "Reps of the cycle: rep_id unique and not null, name and manager present, load_log "
        "reconciled.",
    ),
    QualityTarget(
        dg.AssetKey(["raw", "calls"]),
        "raw.calls",
        True,
        "Calls of the cycle: call_id unique and not null, rep_id among the cycle's reps, "
        "started_at inside the half-open window, duration not negative, load_log reconciled.",
    ),
    QualityTarget(
        dg.AssetKey(["raw", "utterances"]),
        "raw.utterances",
        False,
        "Transcript lines of the cycle: (call_id, seq) unique, call among the cycle's calls, "
        "speaker_role known, end_ms >= start_ms >= 0, load_log reconciled. Warns only.",
    ),
    QualityTarget(
        dg.AssetKey(["raw", "scores"]),
        "raw.scores",
        True,
        "Criterion scores of the cycle: (call_id, criterion_id, scorer_id) unique, call among "
        "the cycle's calls, known rubric version and criterion, score inside the version's "
        "scale, scorer_kind known, load_log reconciled.",
    ),
    QualityTarget(
        dg.AssetKey(["raw", "opportunities"]),
        "raw.opportunities",
        True,
        "Opportunities of the cycle: opportunity_id unique, owner among the cycle's reps, "
        "is_won implies is_closed, load_log reconciled.",
    ),
    QualityTarget(
        dg.AssetKey(["marts", "fct_call_scores"]),
        "marts.fct_call_scores",
        True,
        "Call scores of the cycle: call_id unique and not null, weighted_score inside the "
        "rubric version's scale, weighted_score_100 in 0..100.",
    ),
    QualityTarget(
        dg.AssetKey(["marts", "fct_rep_scorecards"]),
        "marts.fct_rep_scorecards",
        True,
        "Rep scorecards of the cycle: (rep_id, cycle) unique and not null, sample_status in "
        "{ok, insufficient_sample, unrepresentative}, weighted_score inside the scale, "
        "close_rate in 0..1.",
    ),
)


def _markdown(result: QualityResult) -> str:
    return markdown_text(
        [
            (
                outcome.rule,
                "pass" if outcome.passed else f"FAIL ({outcome.severity})",
                outcome.observed,
                outcome.failing_rows,
                outcome.expectation,
            )
            for outcome in result.outcomes
        ],
        ["rule", "status", "observed", "failing rows", "expectation"],
    )


def check_result(result: QualityResult) -> dg.AssetCheckResult:
    """A quality result as the asset check result Dagster records for the partition."""
    failed = result.failed
    expectation = (
        "; ".join(outcome.expectation for outcome in failed)
        if failed
        else f"all {len(result.outcomes)} expectations pass"
    )
    return dg.AssetCheckResult(
        passed=result.passed,
        severity=dg.AssetCheckSeverity.ERROR
        if result.severity == ERROR
        else dg.AssetCheckSeverity.WARN,
        description=result.description,
        metadata={
            "suite": dg.MetadataValue.text(result.suite),
            "failing_rows": dg.MetadataValue.int(result.failing_rows),
            "example_row": dg.MetadataValue.json(result.example_row)
            if result.example_row is not None
            else dg.MetadataValue.null(),
            "expectation": dg.MetadataValue.text(expectation),
            "failed_checks": dg.MetadataValue.text(", ".join(o.rule for o in failed) or "none"),
            "rows_checked": dg.MetadataValue.int(result.rows_checked),
            "cycle": dg.MetadataValue.text(result.cycle),
            "engine": dg.MetadataValue.text(result.engine),
            "expectations": dg.MetadataValue.md(_markdown(result)),
            "data_docs": dg.MetadataValue.url(Path(result.data_docs).as_uri())
            if result.data_docs
            else dg.MetadataValue.null(),
        },
    )


def _build_check(target: QualityTarget) -> dg.AssetChecksDefinition:
    # Partitioned asset checks are a preview feature of Dagster 1.13; the checks must be
    # partitioned like their assets, so the preview notice is expected and silenced here.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=".*partitions_def on an AssetCheckSpec", category=dg.PreviewWarning
        )

        @dg.asset_check(
            asset=target.asset,
            name=CHECK_NAME,
            description=target.description,
            blocking=target.blocking,
            partitions_def=quarterly_partitions,
        )
        def _check(
            context: dg.AssetCheckExecutionContext,
            settings: AssessmentSettings,
            engine: AssessmentEngine,
        ) -> dg.AssetCheckResult:
            window = cycle_window(context.partition_key)
            result = engine.quality(settings, target.table, window)
            if not result.passed:
                log = context.log.error if result.severity == ERROR else context.log.warning
                log(result.description)
            return check_result(result)

    return _check


def build_quality_checks() -> list[dg.AssetChecksDefinition]:
    """The quality checks, one per checked asset, partitioned by cycle."""
    return [_build_check(target) for target in TARGETS]
