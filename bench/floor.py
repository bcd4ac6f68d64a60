"""The floor (issue 31): one quarter's ``assess_cycle`` written as plainly and fast as an
expert would in bare DuckDB, as a yardstick for the product's steps.

One connection, no Dagster, no dbt, no Python loop over rows. It reads the landing files
the demo generator writes (CSV, and Parquet for transcripts), keeps the rows the landing
contract accepts (required values, types, references, the quarter's window) and drops
duplicate keys (the first row in file order wins, as in the product), scores every call's
signals and rules (every pattern a literal in the SQL text), computes the marts' numbers
(consolidated and weighted scores per call and rep, team benchmarks, samples, coaching
priorities with their calibration status, evidence moments, scorer agreement), the
statistics (point-biserial r with its p-value and interval per criterion, quadratic
weighted kappa per comparison), publishes the marts as Parquet and writes one plain HTML
page per rep (one Python write per rep from one query's result).

With ``--compare WAREHOUSE`` (the product's warehouse after ``assess_cycle`` on the same
landing folder) it checks that its numbers equal the product's and prints, per table,
how many rows matched and mismatched. Criteria the learned scorer took over are copied
from that warehouse (a trained model is not a floor: its time is the product's alone)
and said so; the rules' scores of the other criteria are compared.

Nothing in the product imports this module; ``python -m bench.run --steps`` and
``--scale`` run it beside the product's steps. ``FLOOR_STAGES {json}`` is its last line.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml
from scipy import stats

from salesassess.engines.warehouse import connect
from salesassess.landing.contract import KINDS
from salesassess.landing.files import landing_files
from salesassess.method.calendar import cycle_window
from salesassess.method.rubric import cycle_rubric_file, load_rubrics
from salesassess.method.vocabulary import SCORER_KINDS, SPEAKER_ROLES
from salesassess.scoring.scorer_spec import _APOSTROPHES, ScorerSpec, Signal, load_scorer

DBT_PROJECT = Path(__file__).resolve().parent.parent / "dbt_project" / "dbt_project.yml"
OFFSET = r"[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\s*([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$"
RE2_SPECIAL = frozenset("\\.+*?()|[]{}^$")


def method_settings(config: Path | None) -> dict:
    """The method's numbers: dbt's vars with the ``ASSESSMENT_CONFIG`` file on top."""
    values = yaml.safe_load(DBT_PROJECT.read_text(encoding="utf-8"))["vars"]
    if config and config.is_file():
        values.update(yaml.safe_load(config.read_text(encoding="utf-8")) or {})
    return values


def q(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def blank(column: str) -> str:
    return f"nullif(trim(cast({column} as varchar)), '')"


def timestamp(column: str) -> str:
    value = blank(column)
    return (
        f"case when regexp_matches({value}, '{OFFSET}') then try_cast({value} as timestamptz) end"
    )


def day(column: str) -> str:
    value = blank(column)
    return f"coalesce(try_cast({value} as date), cast(try_cast({value} as timestamptz) as date))"


def boolean(column: str) -> str:
    value = f"lower({blank(column)})"
    return (
        f"case when {value} in ('true', 't', '1', 'yes', 'y') then true "
        f"when {value} in ('false', 'f', '0', 'no', 'n') then false end"
    )


def number(column: str) -> str:
    value = f"try_cast({blank(column)} as double)"
    return f"case when isfinite({value}) then {value} end"


def integer(column: str) -> str:
    return f"try_cast({column} as bigint)"


def bad(optional: str, typed: str) -> str:
    """An optional value given but unparsable."""
    return f"({blank(optional)} is not null and {typed} is null)"


def landed(kind: str, landing: Path) -> str:
    """Every landing file of ``kind`` as one relation (``_file``, ``_rec``: file order), with
    every contract column (NULL where a file has none)."""
    columns = ", ".join(f"cast(null as varchar) as {c.name}" for c in KINDS[kind].columns)
    parts = [f"select 0 as _file, 0 as _rec, {columns} where false"]
    for index, path in enumerate(landing_files(landing, kind)):
        if path.suffix.lower() == ".parquet":
            source = f"read_parquet({q(path)}, file_row_number = true)"
            parts.append(
                f"select {index} as _file, file_row_number as _rec, * exclude (file_row_number) "
                f"from {source}"
            )
        else:
            source = (
                f"read_csv({q(path)}, header = true, all_varchar = true, delim = ',', "
                "quote = '\"', escape = '\"')"
            )
            parts.append(f"select {index} as _file, row_number() over () as _rec, * from {source}")
    return " union all by name ".join(parts)


def first_per_key(valid: str, key: str) -> str:
    """The rows of ``valid`` whose key is first met in file order (a hash aggregate finds
    the repeated keys; only their rows are compared, no sort of the whole table)."""
    return (
        f"with v as ({valid}), repeated as (select {key}, min((_file, _rec)) as keep from v "
        f"group by {key} having count(*) > 1) "
        f"select v.* exclude (_file, _rec) from v left join repeated r using ({key}) "
        "where r.keep is null or (v._file, v._rec) = r.keep"
    )


class Floor:
    def __init__(self, landing: Path, partition: str, out: Path, config: Path | None):
        self.landing = landing
        self.window = cycle_window(partition)
        self.cycle = self.window.cycle
        self.out = out
        self.method = method_settings(config)
        out.mkdir(parents=True, exist_ok=True)
        database = out / "floor.duckdb"
        database.unlink(missing_ok=True)
        self.con = connect(database)
        self.seconds: dict[str, float] = {}
        self.spec: ScorerSpec | None = None
        self.learned: list[str] = []

    def timed(self, stage: str, work: Callable[[], None]) -> None:
        started = time.perf_counter()
        work()
        self.seconds[stage] = round(time.perf_counter() - started, 3)

    def sql(self, statement: str) -> None:
        self.con.execute(statement)

    # --- ingest ---------------------------------------------------------------------------
    def ingest_rubric(self) -> None:
        rows = [
            (r.version, r.effective_from, r.scale_min, r.scale_max, i, c.id, c.name, c.weight)
            for r in load_rubrics(self.landing)
            for i, c in enumerate(r.criteria, start=1)
        ]
        self.sql(
            "create table rubric_criteria (rubric_version varchar, effective_from date, "
            "scale_min double, scale_max double, position bigint, criterion_id varchar, "
            "criterion_name varchar, weight double)"
        )
        self.con.executemany("insert into rubric_criteria values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        end = self.window.end.date()
        self.sql(
            "create table criteria_in_force as select * from rubric_criteria where "
            "rubric_version = (select max_by(rubric_version, effective_from) from "
            f"rubric_criteria where effective_from < date '{end}')"
        )
        file = cycle_rubric_file(self.landing, end)
        self.spec = load_scorer(file) if file else None

    def ingest_reps(self) -> None:
        valid = (
            f"select _file, _rec, rep_id, rep_name, "
            f"manager_id, coalesce({blank('manager_name')}, manager_id) as manager_name, "
            f"coalesce(case when {blank('team')} is not null then team end, "
            f"{q(self.method['default_team'])}) as team, coalesce({boolean('active')}, true) "
            f"as is_active from ({landed('reps', self.landing)}) where "
            f"{blank('rep_id')} is not null and {blank('rep_name')} is not null "
            f"and {blank('manager_id')} is not null and not {bad('hired_on', day('hired_on'))} "
            f"and not {bad('active', boolean('active'))}"
        )
        self.sql(f"create table reps as {first_per_key(valid, 'rep_id')}")

    def ingest_calls(self) -> None:
        start, end = self.window.start.isoformat(), self.window.end.isoformat()
        valid = (
            f"select * from (select _file, _rec, call_id, rep_id, {timestamp('started_at')} "
            f"as started_at, {number('duration_s')} as duration_s, case when "
            f"{blank('opportunity_id')} is not null then opportunity_id end as opportunity_id "
            f"from ({landed('calls', self.landing)}) where {blank('call_id')} is not null "
            f"and {blank('rep_id')} is not null) where started_at >= '{start}' "
            f"and started_at < '{end}' and duration_s >= 0 "
            "and rep_id in (select rep_id from reps)"
        )
        self.sql(
            f"create table calls as select *, cast(started_at as date) as call_date from "
            f"({first_per_key(valid, 'call_id')})"
        )

    def ingest_utterances(self) -> None:
        roles = ", ".join(q(role) for role in SPEAKER_ROLES)
        valid = (
            f"select * from (select _file, _rec, call_id, {integer('seq')} as seq, "
            f"{integer('start_ms')} as start_ms, {integer('end_ms')} as end_ms, "
            f"lower({blank('speaker_role')}) as speaker_role, text "
            f"from ({landed('utterances', self.landing)}) "
            f"where {blank('text')} is not null and call_id in (select call_id from calls)) "
            f"where start_ms >= 0 and end_ms >= start_ms and seq is not null "
            f"and speaker_role in ({roles})"
        )
        # transcripts are the bulk: stored as read, and only when a key repeats (a
        # hash aggregate says so) stored again without the later rows
        self.sql(f"create table utterances as select * exclude (_file, _rec) from ({valid})")
        (repeated,) = self.con.execute(
            "select count(*) from (select 1 from utterances group by call_id, seq "
            "having count(*) > 1)"
        ).fetchone()
        if repeated:
            self.sql(
                f"create or replace table utterances as {first_per_key(valid, 'call_id, seq')}"
            )

    def ingest_scores(self) -> None:
        kinds = ", ".join(q(kind) for kind in SCORER_KINDS)
        given = blank("s.rubric_version")
        valid = (
            f"select * from (select s._file, s._rec, s.call_id, s.criterion_id, "
            f"{number('s.score')} as score, s.scorer_id, lower({blank('s.scorer_kind')}) "
            f"as scorer_kind, {integer('s.evidence_start_ms')} as evidence_start_ms, "
            f"case when {given} is not null then (select any_value(rubric_version) from "
            f"rubric_criteria v where v.rubric_version = {given}) else (select "
            "max_by(v.rubric_version, v.effective_from) from rubric_criteria v "
            "where v.effective_from <= c.call_date) end as rubric_version "
            f"from ({landed('scores', self.landing)}) s join calls c on c.call_id = s.call_id "
            f"where {blank('s.criterion_id')} is not null and {blank('s.scorer_id')} is not null "
            f"and not {bad('s.scored_at', timestamp('s.scored_at'))} "
            f"and not {bad('s.evidence_start_ms', integer('s.evidence_start_ms'))}) t "
            f"where scorer_kind in ({kinds}) and exists (select 1 from rubric_criteria r where "
            "r.rubric_version = t.rubric_version and r.criterion_id = t.criterion_id "
            "and t.score between r.scale_min and r.scale_max)"
        )
        self.sql(
            f"create table scores as {first_per_key(valid, 'call_id, criterion_id, scorer_id')}"
        )

    def ingest_opportunities(self) -> None:
        valid = (
            f"select * from (select _file, _rec, opportunity_id, owner_rep_id, "
            f"{day('created_at')} as created_on, {day('close_date')} as close_date, "
            f"{boolean('is_closed')} as is_closed, {boolean('is_won')} as is_won "
            f"from ({landed('opportunities', self.landing)}) where "
            f"{blank('opportunity_id')} is not null and not {bad('amount', number('amount'))} "
            "and owner_rep_id in (select rep_id from reps)) where created_on is not null "
            "and close_date is not null and is_closed is not null and is_won is not null "
            "and (not is_won or is_closed)"
        )
        self.sql(f"create table opportunities as {first_per_key(valid, 'opportunity_id')}")

    def ingest_coaching_sessions(self) -> None:
        files = landing_files(self.landing, "coaching_sessions")
        if not files:
            self.sql(
                "create table coaching_sessions (rep_id varchar, criterion_id varchar, "
                "delivered_on date)"
            )
            return
        valid = (
            f"select * from (select _file, _rec, rep_id, trim(cycle) as cycle, criterion_id, "
            f"{day('delivered_on')} as delivered_on "
            f"from ({landed('coaching_sessions', self.landing)}) "
            "where rep_id in (select rep_id from reps) "
            "and criterion_id in (select criterion_id from rubric_criteria)) "
            f"where cycle = {q(self.cycle)} and delivered_on is not null"
        )
        self.sql(
            "create table coaching_sessions as "
            f"{first_per_key(valid, 'rep_id, cycle, criterion_id')}"
        )

    # --- checks (the quality gate's kind of questions, one aggregate query per table) -----
    def checks(self, tables: dict[str, tuple[str, list[str]]]) -> None:
        for table, (key, required) in tables.items():
            nulls = " + ".join(f"count(*) - count({c})" for c in required) or "0"
            failed = self.con.execute(
                f"select count(*) - count(distinct ({key})), {nulls} from {table}"
            ).fetchone()
            self.checked[table] = list(failed)

    def checks_raw(self) -> None:
        self.checked: dict[str, list[int]] = {}
        self.checks(
            {
                "reps": ("rep_id", ["rep_name", "manager_id"]),
                "calls": ("call_id", ["rep_id", "started_at", "duration_s"]),
                "utterances": ("call_id, seq", ["start_ms", "end_ms", "speaker_role", "text"]),
                "scores": ("call_id, criterion_id, scorer_id", ["score", "rubric_version"]),
                "opportunities": ("opportunity_id", ["owner_rep_id", "is_closed", "is_won"]),
            }
        )

    def checks_marts(self) -> None:
        self.checked = {}
        self.checks(
            {
                "call_scores": ("call_id", ["rep_id"]),
                "rep_scorecards": ("rep_id", ["sample_status"]),
                "priorities": ("rep_id, rank", ["criterion_id", "weighted_gap"]),
                "evidence": ("rep_id, evidence_rank", ["call_id"]),
            }
        )

    # --- the automated scorer -------------------------------------------------------------
    def auto_scores(self) -> None:
        spec = self.spec
        self.sql(
            "create table auto_scores (call_id varchar, criterion_id varchar, score double, "
            "evidence_start_ms bigint)"
        )
        if spec is None or not spec.criteria:
            return
        signals = spec.signals
        column = {s.key: i for i, s in enumerate(signals)}
        lowered = "lower(text)"
        for mark in _APOSTROPHES:
            lowered = f"replace({lowered}, {q(mark)}, '''')"
        flags = ", ".join(f"({match_sql(s)}) as s{i}" for i, s in enumerate(signals))
        # (seq, start_ms) packed in one bigint: the first occurrence is one min()
        low, high = self.con.execute(
            "select min(least(seq, start_ms)), max(greatest(seq, start_ms)) from utterances"
        ).fetchone()
        if low is not None and (low < 0 or high >= 1 << 31):
            raise SystemExit("the floor packs seq and start_ms into 31 bits each")
        # the one scan over the text: the utterances any signal may match, lower-cased once
        self.sql(
            f"create temp table cand as select call_id, seq * {1 << 31} + start_ms as pos, "
            f"speaker_role, text, {lowered} as t from utterances "
            f"where regexp_matches(text, {q(prefilter(signals))}, 'i')"
        )
        self.sql(f"create temp table sig as select call_id, pos, {flags} from cand")
        per_signal = ", ".join(
            f"min(case when s{i} then pos end) as a{i}, count(*) filter (where s{i}) as n{i}"
            for i in range(len(signals))
        )
        self.sql(
            f"create temp table hits as select call_id, {per_signal} from sig group by call_id"
        )
        pairs = spec.then_pairs
        follows = ", ".join(
            f"min(case when s.s{column[b]} and s.pos > h.a{column[a]} then s.pos end) as v{p}"
            for p, (a, b) in enumerate(pairs)
        )
        if pairs:
            self.sql(
                f"create temp table follows as select s.call_id, {follows} "
                "from sig s join hits h using (call_id) group by s.call_id"
            )
        mask = (1 << 31) - 1
        unpacked = "".join(
            f", h.a{i} // {1 << 31} as q{i}, h.a{i} & {mask} as f{i}, coalesce(h.n{i}, 0) as n{i}"
            for i in range(len(signals))
        ) + "".join(
            f", f.v{p} // {1 << 31} as u{p}, f.v{p} & {mask} as t{p}" for p in range(len(pairs))
        )
        self.sql(
            "create temp table wide as select c.call_id, coalesce(c.rep, c.first) "
            f"& {mask} as fb_ms{unpacked} from (select call_id, min(case when speaker_role = "
            f"'rep' then seq * {1 << 31} + start_ms end) as rep, min(seq * {1 << 31} + "
            "start_ms) as first from utterances group by call_id) c "
            "left join hits h using (call_id)"
            + (" left join follows f using (call_id)" if pairs else "")
        )
        pair = {p: i for i, p in enumerate(pairs)}
        parts = [criterion_sql(c, spec, column, pair) for c in spec.criteria]
        self.sql("insert into auto_scores " + " union all ".join(parts))
        for table in ("cand", "sig", "hits", "follows", "wide"):
            self.sql(f"drop table if exists {table}")

    def take_learned(self, warehouse: Path) -> None:
        """The criteria the product's learned scorer took over: their scores copied."""
        self.sql(f"attach {q(warehouse)} as product (read_only)")
        rows = self.con.execute(
            "select distinct criterion_id from product.raw.auto_scores "
            "where cycle = $c and scorer_id like 'learned:%'",
            {"c": self.cycle},
        ).fetchall()
        self.learned = sorted(row[0] for row in rows)
        if self.learned:
            chosen = ", ".join(q(c) for c in self.learned)
            self.sql("create table rules_scores as select * from auto_scores")
            self.sql(f"delete from auto_scores where criterion_id in ({chosen})")
            self.con.execute(
                "insert into auto_scores select call_id, criterion_id, score, evidence_start_ms "
                f"from product.raw.auto_scores where cycle = $c and criterion_id in ({chosen})",
                {"c": self.cycle},
            )
        self.sql("detach product")

    # --- the marts' numbers ---------------------------------------------------------------
    def marts(self) -> None:
        m = self.method
        ranks = " ".join(
            f"when {q(kind)} then {i}" for i, kind in enumerate(m["score_source_priority"], 1)
        )
        version = self.spec.rubric_version if self.spec else None
        self.sql(
            "create table all_scores as select call_id, criterion_id, score, scorer_id, "
            "scorer_kind, rubric_version, evidence_start_ms from scores union all "
            f"select call_id, criterion_id, score, {q(self.spec.scorer_id if self.spec else '')}"
            f", 'auto', {q(version or '')}, evidence_start_ms from auto_scores"
        )
        self.sql(
            "create table calls_enriched as select c.call_id, c.rep_id, r.team, c.started_at, "
            "c.call_date, c.opportunity_id, (select max_by(v.rubric_version, v.effective_from) "
            "from rubric_criteria v where c.call_date >= v.effective_from) as rubric_version "
            "from calls c join reps r using (rep_id)"
        )
        self.sql(
            "create table consolidated as select call_id, criterion_id, "
            "any_value(scorer_kind) as score_source, avg(score order by score) as score, "
            "count(*) as n_scorers, any_value(rubric_version) as rubric_version from ("
            f"select s.*, case s.scorer_kind {ranks} end as source_rank, "
            f"min(case s.scorer_kind {ranks} end) over (partition by s.call_id, s.criterion_id)"
            " as best from all_scores s join calls_enriched c on c.call_id = s.call_id "
            "and c.rubric_version = s.rubric_version) where source_rank = best "
            "group by call_id, criterion_id"
        )
        self.sql(
            "create table call_scores as with sizes as (select rubric_version, count(*) as n "
            "from rubric_criteria group by all), per_call as (select s.call_id, count(*) as "
            "n_scored, sum(s.score * r.weight order by s.score * r.weight) / 100.0 as ws "
            "from consolidated s join rubric_criteria r using (rubric_version, criterion_id) "
            "group by s.call_id) select c.call_id, c.rep_id, c.call_date, c.rubric_version, "
            "coalesce(p.n_scored, 0) as n_criteria_scored, coalesce(z.n > 0 and p.n_scored = "
            "z.n, false) as is_fully_scored, case when p.n_scored = z.n then p.ws end as "
            "weighted_score from calls_enriched c left join sizes z using (rubric_version) "
            "left join per_call p using (call_id)"
        )
        share = float(m["sample_max_week_share"])
        self.sql(
            "create table samples as with rep_calls as (select c.rep_id, "
            "strftime(c.call_date, '%G-W%V') as week, c.n_criteria_scored > 0 as has_score, "
            "coalesce(c.is_fully_scored and c.rubric_version = (select any_value(rubric_version)"
            " from criteria_in_force), false) as is_scored from call_scores c), counts as ("
            "select rep_id, count(*) as n_calls, count(*) filter (where has_score) as "
            "n_with_score, count(*) filter (where is_scored) as n_scored, count(distinct week) "
            "as n_weeks from rep_calls group by rep_id), weeks as (select w.rep_id, w.week, "
            "count(*) as n_week, count(*) filter (where w.is_scored) as n_week_scored, "
            "any_value(c.n_calls) as n_calls, any_value(c.n_scored) as n_scored, "
            "any_value(c.n_weeks) as n_weeks from rep_calls w join counts c using (rep_id) "
            "group by all), crowded as (select distinct rep_id from weeks where n_weeks >= "
            f"{int(m['sample_min_weeks'])} and n_scored > 0 and not round(cast(n_week_scored "
            f"as double) / n_scored, 9) <= {share} and round(cast(n_week as double) / n_calls, "
            f"9) <= {share}) select r.rep_id, r.team, r.is_active, coalesce(c.n_calls, 0) as "
            "n_calls, coalesce(c.n_with_score, 0) as n_with_score, coalesce(c.n_scored, 0) as "
            f"n_scored, case when coalesce(c.n_scored, 0) < {int(m['min_scored_calls'])} then "
            "'insufficient_sample' when k.rep_id is not null then 'unrepresentative' else 'ok' "
            "end as sample_status from reps r left join counts c using (rep_id) "
            "left join crowded k using (rep_id)"
        )
        self.sql(
            "create table rep_criterion_scores as with rep_scores as (select c.rep_id, "
            "s.criterion_id, avg(s.score order by s.score) as rep_score, count(*) filter "
            "(where s.score_source = 'auto') as n_auto, count(*) filter (where s.score_source "
            "= 'external') as n_external from consolidated s join calls_enriched c using "
            "(call_id) join criteria_in_force k on k.criterion_id = s.criterion_id and "
            "k.rubric_version = s.rubric_version group by all), grid as (select r.rep_id, "
            "r.team, k.rubric_version, k.criterion_id, "
            "k.criterion_name, k.position, k.weight, s.rep_score, coalesce(s.n_auto, 0) as "
            "n_auto, coalesce(s.n_external, 0) as n_external, coalesce(p.sample_status in "
            "('ok', 'unrepresentative') and r.is_active, false) as in_benchmark from reps r "
            "cross join criteria_in_force k left join samples p using (rep_id) left join "
            "rep_scores s using (rep_id, criterion_id)), benchmarks as (select team, "
            "criterion_id, avg(rep_score order by rep_score) as team_benchmark from grid "
            "where in_benchmark group by all) select g.*, b.team_benchmark from grid g "
            "left join benchmarks b using (team, criterion_id)"
        )
        self.sql(
            "create table rep_scorecards as select r.rep_id, r.rep_name, r.team, p.n_calls, "
            "p.n_scored, p.sample_status, case when count(s.rep_score) = count(*) then "
            "sum(s.rep_score * s.weight order by s.rep_score * s.weight) / 100.0 end as "
            "weighted_score, case when count(s.team_benchmark) = count(*) then "
            "sum(s.team_benchmark * s.weight order by s.team_benchmark * s.weight) / 100.0 end "
            "as team_weighted_score from reps r join samples p using (rep_id) left join "
            "rep_criterion_scores s using (rep_id) group by all"
        )
        tolerance = m["agreement_tolerance"]
        self.sql(
            "create table pairs as select a.rubric_version, a.criterion_id, a.call_id, "
            "a.score as score_a, b.score as score_b, case when a.scorer_kind = 'human' and "
            "b.scorer_kind = 'human' then 'human' when a.scorer_kind = 'auto' and b.scorer_kind "
            "= 'human' then 'auto_vs_human' when a.scorer_kind = 'external' and b.scorer_kind = "
            "'human' then 'external_vs_human' end as comparison from all_scores a join "
            "all_scores b on a.call_id = b.call_id and a.criterion_id = b.criterion_id and "
            "a.rubric_version = b.rubric_version and (a.scorer_kind < b.scorer_kind or "
            "(a.scorer_kind = b.scorer_kind and a.scorer_id < b.scorer_id)) "
            "where b.scorer_kind = 'human'"
        )
        self.sql(
            "create table agreement as select rubric_version, comparison, criterion_id, "
            "count(distinct call_id) as n_calls, count(*) as n_pairs, avg(case when "
            f"abs(score_a - score_b) <= {tolerance} then 1 else 0 end) as within_one_rate "
            "from pairs where comparison is not null group by all"
        )
        least, target = int(m["min_double_scored_calls"]), float(m["agreement_target"])
        self.sql(
            "create table calibration as select k.rubric_version, c.comparison, case when "
            f"count(*) filter (where a.n_calls >= {least} and round(a.within_one_rate, 9) < "
            f"{target}) > 0 then 'not_calibrated' when count(*) filter (where coalesce(a.n_calls, "
            f"0) < {least}) > 0 then 'insufficient_double_scoring' else 'calibrated' end as status "
            "from (select distinct rubric_version, criterion_id from rubric_criteria) k cross "
            "join (values ('human'), ('auto_vs_human'), ('external_vs_human')) c(comparison) "
            "left join agreement a using (rubric_version, criterion_id, comparison) "
            "group by all"
        )
        self.sql(
            "create table priorities as with ranked as (select s.*, p.sample_status, "
            "(s.team_benchmark - s.rep_score) * s.weight as weighted_gap, row_number() over "
            "(partition by s.rep_id order by (s.team_benchmark - s.rep_score) * s.weight desc, "
            "s.weight desc, s.position) as rank from rep_criterion_scores s join samples p "
            "using (rep_id) where p.sample_status in ('ok', 'unrepresentative') and p.is_active "
            "and s.team_benchmark - s.rep_score > 0 and round(s.team_benchmark - s.rep_score, "
            f"9) >= {float(m['min_priority_gap'])}), statuses as (select r.*, "
            "coalesce(h.status, 'insufficient_double_scoring') as rubric_status, case when "
            "r.n_auto > 0 then coalesce(a.status, 'insufficient_double_scoring') else "
            "'calibrated' end as auto_status, case when r.n_external > 0 then "
            "coalesce(e.status, 'insufficient_double_scoring') else 'calibrated' end as "
            "external_status from ranked r left join calibration h on h.rubric_version = "
            "r.rubric_version and h.comparison = 'human' left join calibration a on "
            "a.rubric_version = r.rubric_version and a.comparison = 'auto_vs_human' left join "
            "calibration e on e.rubric_version = r.rubric_version and e.comparison = "
            f"'external_vs_human' where r.rank <= {int(m['coaching_priorities_per_rep'])}) "
            "select rep_id, rank, criterion_id, criterion_name, rep_score, team_benchmark as "
            "team_score, weight, weighted_gap, case when 'not_calibrated' in (rubric_status, "
            "auto_status, external_status) then 'not_calibrated' when "
            "'insufficient_double_scoring' in (rubric_status, auto_status, external_status) "
            "then 'insufficient_double_scoring' else 'calibrated' end as calibration_status, "
            "sample_status from statuses"
        )
        self.sql(
            "alter table priorities add column is_provisional boolean; update priorities set "
            "is_provisional = calibration_status != 'calibrated' or sample_status != 'ok'"
        )
        before, after = m["evidence_excerpt_before_ms"], m["evidence_excerpt_after_ms"]
        self.sql(
            "create table evidence as with illustrations as (select p.rep_id, p.criterion_id, "
            "c.call_id, c.call_date, s.score, s.score_source, row_number() over (partition by "
            "p.rep_id order by s.score, c.started_at desc, c.call_id) as evidence_rank from "
            "priorities p join calls_enriched c using (rep_id) join consolidated s on "
            "s.call_id = c.call_id and s.criterion_id = p.criterion_id where p.rank = 1 "
            f"qualify evidence_rank <= {int(m['evidence_calls_per_priority'])}), moments as "
            "(select i.*, (select coalesce(min(a.evidence_start_ms) filter (where a.scorer_kind "
            "= i.score_source), min(a.evidence_start_ms)) from all_scores a where a.call_id = "
            "i.call_id and a.criterion_id = i.criterion_id) as moment_ms from illustrations i) "
            "select m.*, (select string_agg(u.speaker_role || ': ' || u.text, ' / ' order by "
            "u.seq) from utterances u where u.call_id = m.call_id and u.end_ms >= m.moment_ms "
            f"- {before} and u.start_ms <= m.moment_ms + {after}) as excerpt from moments m"
        )
        # personal data out of the excerpts (e-mail addresses, long digit runs): a stand-in
        # for the product's redaction, which also removes names
        self.sql(
            "update evidence set excerpt = regexp_replace(regexp_replace(excerpt, "
            r"'[\w.+-]+@[\w-]+(\.[\w-]+)+', '[email]', 'g'), '\+?[0-9][0-9 ()-]{6,}[0-9]', "
            "'[number]', 'g')"
        )

    # --- statistics -----------------------------------------------------------------------
    def statistics(self) -> None:
        confidence = float(self.method["correlation_confidence"])
        rows = self.con.execute(
            "select s.criterion_id, count(*), corr(s.score, case when o.is_won then 1.0 else "
            "0.0 end), stddev_pop(s.score), stddev_pop(case when o.is_won then 1.0 else 0.0 "
            "end) from consolidated s join calls_enriched c using (call_id) join "
            "criteria_in_force k on k.criterion_id = s.criterion_id and k.rubric_version = "
            "s.rubric_version join opportunities o on "
            "o.opportunity_id = c.opportunity_id where o.is_closed group by all order by 1"
        ).fetchall()
        criteria = [row[0] for row in rows]
        n = np.array([row[1] for row in rows], dtype=float)
        r = np.array(
            [row[2] if row[1] >= 3 and row[3] and row[4] else np.nan for row in rows], dtype=float
        )
        r = np.clip(r, -1.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = r * np.sqrt((n - 2) / (1 - r**2))
            p = np.where(np.abs(r) == 1, 0.0, 2 * stats.t.sf(np.abs(t), n - 2))
            z, half = np.arctanh(r), stats.norm.ppf(0.5 + confidence / 2) / np.sqrt(n - 3)
            low = np.where(n > 3, np.where(np.abs(r) == 1, r, np.tanh(z - half)), np.nan)
            high = np.where(n > 3, np.where(np.abs(r) == 1, r, np.tanh(z + half)), np.nan)
        self.sql(
            "create table correlations (criterion_id varchar, n bigint, r double, "
            "p_value double, ci_low double, ci_high double)"
        )
        if criteria:
            self.con.executemany(
                "insert into correlations values (?, ?, ?, ?, ?, ?)",
                [
                    tuple(None if isinstance(v, float) and np.isnan(v) else v for v in row)
                    for row in zip(
                        criteria,
                        n.astype(int).tolist(),
                        r.tolist(),
                        p.tolist(),
                        low.tolist(),
                        high.tolist(),
                        strict=True,
                    )
                ],
            )
        # quadratic weighted kappa of every comparison's pairs, from its moments
        self.sql(
            "create table reliability as select rubric_version, comparison, criterion_id, "
            "count(*) as n_pairs, 1 - avg((score_a - score_b) ** 2) / nullif(var_pop(score_a) "
            "+ var_pop(score_b) + (avg(score_a) - avg(score_b)) ** 2, 0) as kappa from pairs "
            "where comparison is not null group by all"
        )

    # --- publish and pages ----------------------------------------------------------------
    def publish(self) -> None:
        """The marts BI tools read, as the product publishes them: a DuckDB file and a
        Parquet file per mart (the per-call per-criterion scores included, 5 rows a call)."""
        folder = self.out / "published"
        folder.mkdir(exist_ok=True)
        published = folder / "published.duckdb"
        published.unlink(missing_ok=True)
        self.sql(f"attach {q(published)} as pub")
        for table in (
            "call_scores",
            "consolidated",
            "rep_scorecards",
            "rep_criterion_scores",
            "priorities",
            "evidence",
            "agreement",
            "calibration",
            "correlations",
            "reliability",
            "reps",
            "rubric_criteria",
        ):
            self.sql(f"create table pub.{table} as select * from {table}")
            self.sql(f"copy {table} to {q(folder / (table + '.parquet'))} (format parquet)")
        self.sql("detach pub")

    def reports(self) -> None:
        folder = self.out / "reports"
        folder.mkdir(exist_ok=True)
        self.sql(
            "create or replace temp macro esc(x) as "
            "replace(replace(replace(x, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"
        )
        rows = self.con.execute(
            "select s.rep_id, s.rep_name, s.team, s.sample_status, s.weighted_score, "
            "s.team_weighted_score, (select string_agg('<tr><td>' || esc(k.criterion_name) || "
            "'</td><td>' || coalesce(printf('%.2f', k.rep_score), '-') || '</td><td>' || "
            "coalesce(printf('%.2f', k.team_benchmark), '-') || '</td></tr>', '' order by "
            "k.position) from rep_criterion_scores k where k.rep_id = s.rep_id), (select "
            "string_agg('<li>' || p.rank || '. ' || esc(p.criterion_name) || ' (gap ' || "
            "printf('%.2f', p.weighted_gap) || ', ' || p.calibration_status || ')</li>', '' "
            "order by p.rank) from priorities p where p.rep_id = s.rep_id), (select "
            "string_agg('<li>' || e.call_id || ' ' || e.call_date || ' at ' || "
            "coalesce(printf('%02d:%02d', e.moment_ms // 60000, (e.moment_ms % 60000) // "
            "1000), '-') || ': ' || esc(coalesce(e.excerpt, '')) || '</li>', '' order by "
            "e.evidence_rank) from evidence e where e.rep_id = s.rep_id) from rep_scorecards s"
        ).fetchall()
        for rep, name, team, status, score, team_score, table, priorities, evidence in rows:
            shown = "-" if score is None else f"{score:.2f}"
            team_shown = "-" if team_score is None else f"{team_score:.2f}"
            (folder / f"{rep}.html").write_text(
                f"<!doctype html><meta charset=utf-8><title>{html.escape(name)}</title>"
                f"<h1>{html.escape(name)} ({html.escape(team)}), {self.cycle}</h1>"
                f"<p>Weighted score {shown} (team {team_shown}); sample {status}</p>"
                f"<table><tr><th>criterion<th>rep<th>team</tr>{table or ''}</table>"
                f"<h2>Priorities</h2><ol>{priorities or ''}</ol>"
                f"<h2>Evidence</h2><ul>{evidence or ''}</ul>",
                encoding="utf-8",
            )

    def run(self, product: Path | None = None) -> dict[str, float]:
        for kind in ("rubric", "reps", "calls", "utterances", "scores", "opportunities"):
            self.timed(f"ingest_{kind}", getattr(self, f"ingest_{kind}"))
        self.timed("ingest_coaching_sessions", self.ingest_coaching_sessions)
        self.timed("checks_raw", self.checks_raw)
        self.timed("auto_scores", self.auto_scores)
        if product is not None:
            started = time.perf_counter()
            self.take_learned(product)
            self.copied = round(time.perf_counter() - started, 3)
        self.timed("marts", self.marts)
        self.timed("checks_marts", self.checks_marts)
        self.timed("statistics", self.statistics)
        self.timed("publish", self.publish)
        self.timed("reports", self.reports)
        return self.seconds


def prefilter(signals: tuple[Signal, ...]) -> str:
    """One regular expression every utterance a signal matches also matches."""
    apostrophe = "['" + "".join(_APOSTROPHES) + "]"
    parts = []
    for signal in signals:
        if signal.regex is not None:
            parts.append(f"(?:{signal.regex})")
        else:
            parts += [
                "".join("\\" + c if c in RE2_SPECIAL else c for c in p).replace("'", apostrophe)
                for p in signal.phrases
            ]
    return "|".join(dict.fromkeys(parts))


def match_sql(signal: Signal) -> str:
    """Does the utterance (``t`` lower-cased) hold the signal, said by its speaker?"""
    if signal.regex is not None:
        test = (
            f"regexp_matches(text, {q(signal.regex)})"
            if signal.case_sensitive
            else f"regexp_matches(t, {q(signal.regex)}, 'i')"
        )
    else:
        test = " or ".join(f"contains(t, {q(p)})" for p in signal.phrases)
    if signal.speaker == "any":
        return test
    return f"speaker_role = {q(signal.speaker)} and ({test})"


def criterion_sql(criterion, spec: ScorerSpec, column: dict[str, int], pair: dict) -> str:
    """One criterion's level and evidence moment per call, as CASE expressions over ``wide``."""

    def moments(rule) -> tuple[str, str | None, str | None]:
        a = column[rule.signal]
        fa = f"f{a}"
        if rule.kind == "present":
            return f"{fa} is not null", fa, None
        if rule.kind == "absent":
            return f"{fa} is null", None, fa
        if rule.kind == "before":
            b = column[rule.other]
            return f"({fa} is not null and (f{b} is null or q{a} < q{b}))", fa, f"f{b}"
        if rule.kind == "then":
            p = pair[(rule.signal, rule.other)]
            return f"t{p} is not null", f"t{p}", fa
        if rule.kind == "within":
            return f"({fa} is not null and {fa} < {round(rule.minutes * 60000)})", fa, fa
        return f"n{a} >= {rule.at_least}", fa, f"case when n{a} > 0 then {fa} end"

    levels = sorted(criterion.levels)
    rules = {lv: [moments(rule) for rule in criterion.levels[lv]] for lv in levels}
    holds = {lv: " and ".join(f"({h})" for h, _, _ in rules[lv]) for lv in levels}

    def first(candidates: list[str], otherwise: str) -> str:
        if not candidates:
            return otherwise
        return "coalesce(" + ", ".join([*candidates, otherwise]) + ")"

    score = " ".join(f"when {holds[lv]} then {lv}" for lv in reversed(levels))
    held = " ".join(
        f"when {holds[lv]} then {first([m for _, m, _ in rules[lv] if m], 'fb_ms')}"
        for lv in reversed(levels)
    )
    missed = [
        f"case when not ({h}) then {miss} end"
        for lv in levels
        for h, _, miss in rules[lv]
        if miss is not None
    ]
    return (
        f"select call_id, {q(criterion.criterion_id)}, cast(case {score} else "
        f"{spec.scale_min} end as double), cast(case {held} else {first(missed, 'fb_ms')} end "
        "as bigint) from wide"
    )


# --- the comparison with the product ------------------------------------------------------
COMPARED = {
    # what: (the floor's rows, the product's rows)
    "rules scores": (
        "select call_id, criterion_id, score, evidence_start_ms from {rules}",
        "select call_id, criterion_id, score, evidence_start_ms from p.raw.auto_scores "
        "where cycle = $cycle and scorer_id = $rules_id",
    ),
    "call scores": (
        "select call_id, n_criteria_scored, weighted_score from call_scores",
        "select call_id, n_criteria_scored, weighted_score from p.marts.fct_call_scores "
        "where cycle = $cycle",
    ),
    "rep scores": (
        "select rep_id, criterion_id, rep_score, team_benchmark from rep_criterion_scores",
        "select rep_id, criterion_id, rep_score, team_benchmark "
        "from p.intermediate.int_rep_criterion_scores",
    ),
    "rep scorecards": (
        "select rep_id, n_calls, n_scored, sample_status, weighted_score, team_weighted_score "
        "from rep_scorecards",
        "select rep_id, n_calls, n_scored_calls, sample_status, weighted_score, "
        "team_weighted_score from p.marts.fct_rep_scorecards where cycle = $cycle",
    ),
    "priorities": (
        "select rep_id, rank, criterion_id, rep_score, team_score, weighted_gap, "
        "calibration_status, is_provisional from priorities",
        "select rep_id, rank, criterion_id, rep_score, team_score, weighted_gap, "
        "calibration_status, is_provisional from p.marts.fct_coaching_priorities "
        "where cycle = $cycle",
    ),
    "evidence moments": (
        "select rep_id, evidence_rank, call_id, score, moment_ms from evidence",
        "select rep_id, evidence_rank, call_id, score, moment_ms "
        "from p.marts.fct_coaching_evidence where cycle = $cycle",
    ),
    "agreement": (
        "select rubric_version, comparison, criterion_id, n_calls, n_pairs, within_one_rate "
        "from agreement",
        "select rubric_version, comparison, criterion_id, n_calls, n_pairs, within_one_rate "
        "from p.intermediate.int_rubric_agreement",
    ),
    # to 9 decimals, as the Spark comparison: DuckDB's corr() sums a million pairs in
    # another order than the product (measured at 1,000,000 calls: r apart by 1e-13, a
    # p-value of 0.35 by 1.3e-11)
    "correlations": (
        "select criterion_id, n, round(r, 9), round(p_value, 9) from correlations",
        "select criterion_id, n, round(r, 9), round(p_value, 9) "
        "from p.marts.fct_criterion_win_correlation where cycle = $cycle and n > 0",
    ),
}


def compare(floor: Floor, warehouse: Path) -> dict[str, tuple[int, int]]:
    """Per table: rows equal in the floor and the product, and rows that differ or are
    missing on one side (every column compared exactly)."""
    con = floor.con
    con.execute(f"attach {q(warehouse)} as p (read_only)")
    rules = "rules_scores" if floor.learned else "auto_scores"
    params = {"cycle": floor.cycle, "rules_id": floor.spec.scorer_id if floor.spec else ""}
    results = {}
    try:
        for what, (mine, theirs) in COMPARED.items():
            mine = mine.format(rules=rules)
            if what == "rules scores" and floor.learned:
                chosen = ", ".join(q(c) for c in floor.learned)
                mine += f" where criterion_id not in ({chosen})"
            try:
                matched, total_floor, total_product = con.execute(
                    f"with f as ({mine}), t as ({theirs}) select (select count(*) from "
                    "(select * from f intersect all select * from t)), (select count(*) from f),"
                    " (select count(*) from t)",
                    {k: v for k, v in params.items() if f"${k}" in theirs},
                ).fetchone()
            except Exception as error:  # a table the product did not build
                print(f"compare {what}: not compared ({str(error).splitlines()[0]})")
                continue
            results[what] = (matched, max(total_floor, total_product) - matched)
    finally:
        con.execute("detach p")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--partition", required=True, help="the quarter's first day")
    parser.add_argument("--out", type=Path, required=True, help="the floor's database and pages")
    parser.add_argument(
        "--config",
        type=Path,
        default=Path(os.environ["ASSESSMENT_CONFIG"])
        if os.environ.get("ASSESSMENT_CONFIG")
        else None,
        help="method settings (default: ASSESSMENT_CONFIG)",
    )
    parser.add_argument("--compare", type=Path, help="the product's warehouse after the quarter")
    args = parser.parse_args()
    floor = Floor(args.landing, args.partition, args.out, args.config)
    seconds = floor.run(args.compare)
    mismatched = 0
    for stage, value in seconds.items():
        print(f"floor {stage}: {value:.2f} s")
    print(f"floor total: {sum(seconds.values()):.2f} s")
    if args.compare:
        if floor.learned:
            print(
                f"learned scorer's criteria copied from the product, not recomputed "
                f"({floor.copied:.2f} s, outside the floor's time): {', '.join(floor.learned)}"
            )
        for what, (matched, differ) in compare(floor, args.compare).items():
            mismatched += differ
            print(f"compare {what}: {matched} matched, {differ} mismatched")
    floor.con.close()
    learned = {
        "enabled": bool(floor.method.get("learned_scorer_enabled")),
        "copied": floor.learned,
    }
    print(
        "FLOOR_STAGES "
        + json.dumps({"seconds": seconds, "mismatched": mismatched, "learned": learned})
    )


if __name__ == "__main__":
    main()
