"""Ingest step: one Dagster asset per landing kind, partitioned by quarterly cycle.

Each asset replaces its partition in ``raw.<kind>``; re-materialising never appends twice.
On Spark (the engine resource) each also writes its partition's Parquet file.
"""

import dagster as dg

from assets.mart_metadata import SLICE_STATUS, markdown_table
from orchestration.assessment_engine import RUBRIC_TABLES, AssessmentEngine
from orchestration.partitions import quarterly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.engines.warehouse import connect
from salesassess.landing.ingest import FileCounts, ingest_kind, store_rubrics
from salesassess.method.calendar import cycle_window
from salesassess.method.rubric import (
    cycle_rubric_file,
    load_rubric_file,
    load_rubrics,
    rubric_files,
)
from salesassess.scoring.scorer_spec import load_scorer

INGEST_GROUP = "ingest"


def _counts_metadata(
    con, kind: str, cycle: str, counts: list[FileCounts]
) -> dict[str, dg.MetadataValue]:
    total = {
        "rows_read": sum(c.rows_read for c in counts),
        "rows_accepted": sum(c.accepted for c in counts),
        "rows_quarantined": sum(c.quarantined for c in counts),
        "rows_other_partition": sum(c.other_partition for c in counts),
    }
    metadata: dict[str, dg.MetadataValue] = {
        name: dg.MetadataValue.int(value) for name, value in total.items()
    }
    metadata["dagster/row_count"] = dg.MetadataValue.int(total["rows_accepted"])
    files = [(c.file, c.rows_read, c.accepted, c.quarantined, c.other_partition) for c in counts]
    metadata["files"] = markdown_table(
        files or [("(no file)", 0, 0, 0, 0)],
        ["file", "read", "accepted", "quarantined", "other partitions"],
    )
    rules = con.execute(
        "select rule, count(*), any_value(file), min(row_number) from raw.quarantine "
        "where cycle = $cycle and kind = $kind group by rule order by 2 desc",
        {"cycle": cycle, "kind": kind},
    ).fetchall()
    if rules:
        metadata["quarantine"] = markdown_table(
            rules, ["rule", "rows", "example file", "first row"]
        )
    exports = con.execute(
        "select adapter, source_file, coalesce(encoding, source_table, ''), records_read, "
        "coalesce(skipped_reasons, ''), records_written, rows_written, coalesce(refused, '') "
        "from raw.adapter_log "
        "where cycle = $cycle and kind = $kind order by landing_file, source_file",
        {"cycle": cycle, "kind": kind},
    ).fetchall()
    if exports:
        metadata["exports"] = markdown_table(
            exports,
            [
                "adapter",
                "export file",
                "encoding or table",
                "records read",
                "skipped",
                "records written",
                "rows written",
                "refused",
            ],
        )
        refused = sum(1 for export in exports if export[7])
        if refused:
            metadata["exports_refused"] = dg.MetadataValue.int(refused)
            metadata[SLICE_STATUS] = dg.MetadataValue.text(
                f"{refused} export file{'s' if refused > 1 else ''} refused (see exports)"
            )
    return metadata


def _ingest_spec(kind: str, deps: list[str], description: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=dg.AssetKey(["raw", kind]),
        group_name=INGEST_GROUP,
        deps=[dg.AssetKey(["raw", dep]) for dep in deps],
        description=description,
        kinds={"duckdb"},
    )


def _partitioned(*specs: dg.AssetSpec, name: str | None = None):
    """A cycle-partitioned asset; a backfill runs one cycle per run, like the dbt models."""
    return dg.multi_asset(
        name=name or f"raw__{specs[0].key.path[-1]}",
        specs=list(specs),
        partitions_def=quarterly_partitions,
        backfill_policy=dg.BackfillPolicy.multi_run(1),
    )


def _build_ingest_asset(kind: str, deps: list[str], description: str) -> dg.AssetsDefinition:
    @_partitioned(_ingest_spec(kind, deps, description))
    def _ingest(
        context: dg.AssetExecutionContext, settings: AssessmentSettings, engine: AssessmentEngine
    ) -> dg.MaterializeResult:
        window = cycle_window(context.partition_key)
        landing = settings.landing_path()
        with connect(settings.warehouse_path()) as con:
            counts = ingest_kind(
                con, kind, landing, cycle=window.cycle, start=window.start, end=window.end
            )
            engine.landed(con, settings, window.cycle, [kind])
            metadata = _counts_metadata(con, kind, window.cycle, counts)
        quarantined = metadata["rows_quarantined"].value
        if quarantined:
            context.log.warning(
                f"{kind} {window.cycle}: {quarantined} row(s) quarantined, see raw.quarantine"
            )
        return dg.MaterializeResult(metadata=metadata)

    return _ingest


@_partitioned(
    _ingest_spec(
        "rubric_criteria",
        [],
        "Step 1: criteria and weights of every rubric version, validated.",
    ),
    _ingest_spec("rubric_anchors", [], "Step 1: the behavioural anchor of every level."),
    name="raw__rubric",
)
def rubric(
    context: dg.AssetExecutionContext, settings: AssessmentSettings, engine: AssessmentEngine
):
    window = cycle_window(context.partition_key)
    rubrics = load_rubrics(settings.landing_path())
    for file in rubric_files(settings.landing_path()):
        load_scorer(file)  # signals and rules are validated with the rubric (Step 1)
    with connect(settings.warehouse_path()) as con:
        n_criteria = store_rubrics(con, rubrics, window.cycle)
        engine.landed(con, settings, window.cycle, RUBRIC_TABLES)
    in_force = cycle_rubric_file(settings.landing_path(), window.end.date())
    status = (
        f"version {load_rubric_file(in_force).version} in force"
        if in_force
        else f"no rubric version in force in {window.cycle} (the earliest takes effect on "
        f"{min(r.effective_from for r in rubrics).isoformat()}): no scorecards"
    )
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["raw", "rubric_criteria"]),
        metadata={
            "dagster/row_count": dg.MetadataValue.int(n_criteria),
            SLICE_STATUS: dg.MetadataValue.text(status),
            "versions": dg.MetadataValue.text(", ".join(r.version for r in rubrics)),
            "criteria": markdown_table(
                [(r.version, c.id, c.weight) for r in rubrics for c in r.criteria],
                ["version", "criterion", "weight"],
            ),
        },
    )
    n_anchors = sum(len(c.anchors) for r in rubrics for c in r.criteria)
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["raw", "rubric_anchors"]),
        metadata={"dagster/row_count": dg.MetadataValue.int(n_anchors)},
    )


reps = _build_ingest_asset("reps", [], "Reps and their managers (a snapshot per cycle).")
calls = _build_ingest_asset("calls", ["reps"], "Calls that started in the cycle's window.")
utterances = _build_ingest_asset(
    "utterances", ["calls"], "Transcript sentences of the cycle's calls."
)
scores = _build_ingest_asset(
    "scores",
    ["calls", "rubric_criteria"],
    "Criterion scores of the cycle's calls, every scorer kept.",
)
opportunities = _build_ingest_asset(
    "opportunities", ["reps"], "CRM opportunities (a snapshot per cycle)."
)
coaching_sessions = _build_ingest_asset(
    "coaching_sessions", ["reps", "rubric_criteria"], "Feedback meetings delivered for the cycle."
)

ingest_assets = [rubric, reps, calls, utterances, scores, opportunities, coaching_sessions]
