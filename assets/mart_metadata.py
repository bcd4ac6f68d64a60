"""What the Dagster UI shows for a dbt mart's partition: its row count and the top rows.

dbt holds the DuckDB file open for writing until its run ends, so the marts cannot be read
while their events stream. ``with_mart_metadata`` therefore reads them once dbt has
finished and adds, to each mart's materialisation of the partition, ``dagster/row_count``
(the partition's rows), a markdown ``preview`` of the mart's top rows for the key marts,
and for ``fct_top_bottom_gaps`` each team's two widest gaps.
"""

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import dagster as dg
import duckdb

from salesassess.engines.warehouse import connect

# the metadata entry in which an asset says what its slice held ("no calls in the window"),
# also the end of its step's line in make assess
SLICE_STATUS = "slice_status"

# mart: (columns shown, order of the top rows)
PREVIEWS = {
    "fct_call_scores": (
        "call_id, rep_id, rubric_version, weighted_score, weighted_score_100",
        "weighted_score desc nulls last, call_id",
    ),
    "fct_rep_scorecards": (
        "rep_id, rep_name, manager_id, n_scored_calls, sample_status, weighted_score, "
        "close_rate, team_close_rate",
        "weighted_score desc nulls last, rep_id",
    ),
    "fct_rep_criterion_scores": (
        "rep_id, criterion_id, weight, rep_score, team_benchmark, weighted_gap",
        "weighted_gap desc nulls last, rep_id, criterion_id",
    ),
    "fct_coaching_priorities": (
        "rep_id, rank, criterion_id, rep_score, team_score, weight, weighted_gap, "
        "calibration_status, is_provisional",
        "weighted_gap desc, rep_id, rank",
    ),
    "fct_coaching_evidence": (
        "rep_id, evidence_rank, criterion_id, call_date, moment_mm_ss, score, "
        "left(excerpt, 80) as excerpt",
        "rep_id, evidence_rank",
    ),
    "fct_top_bottom_gaps": (
        "team, criterion_id, ranked_by, top_mean, bottom_mean, gap, rank, is_team_priority",
        "team, rank",
    ),
    "fct_criterion_win_correlation": (
        "criterion_id, r, p_value, ci_low, ci_high, n, not_predictive",
        "r desc nulls last, criterion_id",
    ),
    "fct_weight_calibration": (
        "criterion_id, current_weight, suggested_weight, r, n",
        "criterion_id",
    ),
    "fct_scoring_coverage": (
        "team, n_calls, n_scored, scored_share, human_share, external_share, auto_share, warning",
        "team",
    ),
    "fct_rescore_deltas": (
        "rep_id, criterion_id, cycle_score, followup_score, n_followup_calls, delta, status, "
        "change_coaching_approach, is_provisional",
        "delta desc nulls last, rep_id",
    ),
    "fct_manager_effectiveness": (
        "manager_id, n_coached, n_improved, improved_share, status, n_provisional",
        "manager_id",
    ),
    "fct_monthly_checkins": (
        "rep_id, criterion_id, cycle_score, checkin_score, n_checkin_calls, delta, status, "
        "is_provisional",
        "rep_id",
    ),
}
PREVIEW_ROWS = 5


def _cell(value) -> str:
    text = f"{value:.3f}" if isinstance(value, float) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_text(rows: Sequence[tuple], columns: Sequence[str]) -> str:
    """The first ``len(columns)`` values of each row as a markdown table."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row[: len(columns)]) + " |" for row in rows]
    return "\n".join(lines)


def markdown_rows(cursor: duckdb.DuckDBPyConnection) -> str:
    return markdown_text(cursor.fetchall(), [d[0] for d in cursor.description])


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    return {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = $s and table_name = $t",
            {"s": schema, "t": table},
        ).fetchall()
    }


def mart_metadata(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, key_column: str, key: str
) -> dict[str, dg.MetadataValue]:
    """Row count of the partition (``key_column = key``, or the whole table when it has no
    such column) and, for the key marts, the top rows as markdown."""
    columns = _columns(con, schema, table)
    if not columns:
        return {}
    conditions = [f"{key_column} = $key"] if key_column in columns else ["true"]
    params = {"key": key} if key_column in columns else {}
    where = "where " + conditions[0]
    relation = f"{schema}.{table}"
    count = con.execute(f"select count(*) from {relation} {where}", params).fetchone()[0]
    metadata: dict[str, dg.MetadataValue] = {"dagster/row_count": dg.MetadataValue.int(count)}
    if schema == "marts" and table in PREVIEWS:
        shown, order = PREVIEWS[table]
        try:
            cursor = con.execute(
                f"select {shown} from {relation} {where} order by {order} limit {PREVIEW_ROWS}",
                params,
            )
        except duckdb.BinderException:
            # the mart's columns changed: the count still holds, the preview is left out
            return metadata
        metadata["preview"] = dg.MetadataValue.md(markdown_rows(cursor))
    if table == "fct_top_bottom_gaps" and "is_team_priority" in columns:
        gaps = con.execute(
            f"select team, rank, criterion_id, top_mean, bottom_mean, gap, ranked_by "
            f"from {relation} {where} and is_team_priority order by team, rank",
            params,
        ).fetchall()
        metadata["team_widest_gaps"] = dg.MetadataValue.md(
            "\n".join(
                f"{rank}. **{criterion}** (team {team}): top {top:.2f} vs bottom {bottom:.2f} "
                f"(gap {gap:.2f}, reps ranked by {ranked_by})"
                for team, rank, criterion, top, bottom, gap, ranked_by in gaps
            )
            or "none"
        )
    return metadata


def with_mart_metadata(
    context: dg.AssetExecutionContext,
    events: Iterable,
    warehouse: Path,
    key_column: str,
    key: str,
) -> Iterator:
    """Yield dbt's events, each mart's output with the partition's metadata added once dbt
    has released the warehouse; if dbt fails, the events before the failure still count."""
    buffered = []
    try:
        for event in events:
            buffered.append(event)
    except BaseException:
        yield from buffered
        raise
    outputs = [e for e in buffered if isinstance(e, dg.Output)]
    extra: dict[str, dict] = {}
    if outputs:
        with connect(warehouse, read_only=True) as con:
            for output in outputs:
                path = context.asset_key_for_output(output.output_name).path
                if path[0] in ("marts", "intermediate"):
                    extra[output.output_name] = mart_metadata(
                        con, path[0], path[-1], key_column, key
                    )
    for event in buffered:
        if isinstance(event, dg.Output) and extra.get(event.output_name):
            yield event.with_metadata({**event.metadata, **extra[event.output_name]})
        else:
            yield event


def markdown_table(rows: Sequence[tuple], columns: Sequence[str]) -> dg.MetadataValue:
    """The first columns of some rows as a markdown table, for asset metadata."""
    return dg.MetadataValue.md(markdown_text(rows, columns))
