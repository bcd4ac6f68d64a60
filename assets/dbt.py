"""Score and assess steps: the dbt models, run for one cycle at a time."""

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from assets.mart_metadata import with_mart_metadata
from orchestration.assessment_engine import AssessmentEngine
from orchestration.partitions import monthly_partitions, quarterly_partitions
from orchestration.project import dbt_project
from orchestration.settings import AssessmentSettings
from salesassess.engines.warehouse import duckdb_environment
from salesassess.method.calendar import (
    checkin_window,
    cycle_window,
    partition_environment,
    partitioned_dbt_args,
)

PARTIAL_PARSE = "partial_parse.msgpack"


class AssessmentDbtTranslator(DagsterDbtTranslator):
    """Group dbt models by the method's steps: staging and intermediate models belong to
    scoring, marts to assessment, the follow-up models to the follow-up."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if "followup" in fqn or "checkins" in fqn:
            return "follow_up"
        return "assess" if "marts" in fqn else "score"

    def get_partition_mapping(
        self, dbt_resource_props: Mapping[str, Any], dbt_parent_resource_props: Mapping[str, Any]
    ) -> dg.PartitionMapping | None:
        """A monthly check-in reads the quarterly cycle assessed before its month."""
        child_is_checkin = "checkin" in dbt_resource_props.get("tags", [])
        parent_is_checkin = "checkin" in dbt_parent_resource_props.get("tags", []) or (
            dbt_parent_resource_props.get("name") == "checkin_windows"
        )
        if child_is_checkin and not parent_is_checkin:
            return dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
        return None


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude="tag:followup tag:checkin",
    partitions_def=quarterly_partitions,
    dagster_dbt_translator=AssessmentDbtTranslator(),
    # dbt runs for one cycle's window at a time: no single-run backfills
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def assessment_dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    settings: AssessmentSettings,
    engine: AssessmentEngine,
) -> Iterator:
    yield from _run_dbt(context, dbt, settings, engine)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select="tag:followup",
    name="followup_dbt_models",
    partitions_def=quarterly_partitions,
    dagster_dbt_translator=AssessmentDbtTranslator(),
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def followup_dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    settings: AssessmentSettings,
    engine: AssessmentEngine,
) -> Iterator:
    yield from _run_dbt(context, dbt, settings, engine)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select="tag:checkin",
    name="checkin_dbt_models",
    partitions_def=monthly_partitions,
    dagster_dbt_translator=AssessmentDbtTranslator(),
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def checkin_dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    settings: AssessmentSettings,
    engine: AssessmentEngine,
) -> Iterator:
    yield from _run_dbt(context, dbt, settings, engine, monthly=True)


def _run_dbt(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    settings,
    engine: AssessmentEngine,
    *,
    monthly: bool = False,
) -> Iterator:
    # dbt runs in its project folder: give it the warehouse as an absolute path, and the
    # DuckDB memory limit and temporary folder of every other connection to it.
    os.environ["ASSESSMENT_WAREHOUSE"] = str(settings.warehouse_path())
    os.environ.update(duckdb_environment(settings.warehouse_path()))
    # on Spark: the raw Parquet of the run's labels, and its folder as a var
    extra = engine.before_dbt(settings, context.partition_key, monthly=monthly)
    # the window goes in the environment, not in --vars: dbt then reuses its saved parse
    args = partitioned_dbt_args(
        context.partition_key,
        settings.method_settings(),
        monthly=monthly,
        extra_vars=extra,
        window_as_vars=False,
    )
    if not sys.stdout.isatty():
        # dbt's lines land in a log file or the UI's captured output: no colour codes
        args = [*args, "--no-use-colors"]
    if monthly:
        key_column, key = "month", checkin_window(context.partition_key).month
    else:
        key_column, key = "cycle", cycle_window(context.partition_key).cycle
    with _environment(partition_environment(context.partition_key, monthly=monthly)):
        invocation = dbt.cli(args, context=context)
    events = invocation.stream()
    # on Spark, the marts dbt built come into the warehouse once dbt has finished
    events = engine.after_dbt(context, events, settings, key_column, key)
    yield from with_mart_metadata(context, events, settings.warehouse_path(), key_column, key)
    _keep_partial_parse(invocation.target_path, dbt_project.project_dir / dbt_project.target_path)


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """``values`` in the environment while the block runs (dagster-dbt starts dbt with a
    copy of it), then the environment as it was: another dbt in this process (a command
    line's, with --vars) must not read this run's window."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _keep_partial_parse(run_target: Path, project_target: Path) -> None:
    """A run's parse of the project (in its own target folder), kept in the project's target
    folder, from where dagster-dbt copies it into the next run's: that run re-parses only
    what changed since (with the same profile and method settings: the same warehouse and
    ASSESSMENT_CONFIG). Written beside and renamed, so a run starting meanwhile copies the
    previous one or this one, whole; a project folder that cannot be written keeps the parse
    it has."""
    parsed = Path(run_target) / PARTIAL_PARSE
    if not parsed.is_file():
        return
    kept = project_target / PARTIAL_PARSE
    partial = kept.with_name(f".{PARTIAL_PARSE}.{os.getpid()}")
    with suppress(OSError):
        try:
            partial.write_bytes(parsed.read_bytes())
            os.replace(partial, kept)
        finally:
            partial.unlink(missing_ok=True)
