"""The expectations of the quality suites, declared in Great Expectations' terms, and the
rules, frames and suites made of them (:mod:`salesassess.quality.suites` declares the
suites, :mod:`salesassess.quality.validation` has GX validate them).

An :class:`Expectation` is one GX 1.x expectation: a built-in one by its type and arguments
(``expect_column_values_to_be_between(column='score', min_value=1.0, max_value=5.0) where
rubric_version == '1'``), or, for a rule GX has no built-in for (a reference to another
table, a condition over several columns of a row), an ``UnexpectedRowsExpectation`` whose
SQL selects the failing rows of the batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import great_expectations.expectations as gxe
from great_expectations.expectations.registry import get_expectation_impl
from great_expectations.expectations.row_conditions import Column

from salesassess.engines.sql_dialect import current

ERROR = "ERROR"
WARN = "WARN"
#: a rule's severity as GX's expectation severity (its Data Docs show it)
GX_SEVERITY = {ERROR: "critical", WARN: "warning"}
UNEXPECTED_ROWS = "expect_no_unexpected_rows"
#: the failing rows an ``expect_no_unexpected_rows`` result shows (Data Docs, example row)
SHOWN_ROWS = 10


class ExpectNoUnexpectedRows(gxe.UnexpectedRowsExpectation):
    """GX's ``UnexpectedRowsExpectation``, with its first failing rows (``SHOWN_ROWS``,
    as its query orders them) in the SUMMARY result format too: GX 1.24 returns them only
    in COMPLETE, which would also make every column expectation list all its failing
    values. Registered as ``expect_no_unexpected_rows``; GX's metrics evaluate it."""

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        result = super()._validate(metrics, runtime_configuration, execution_engine)
        if isinstance(result, dict) and "details" not in result.get("result", {"details": 0}):
            rows = metrics["unexpected_rows_query.table"][:SHOWN_ROWS]
            result["result"]["details"] = {"unexpected_rows": rows}
        return result


# --------------------------------------------------------------------------------------
# Expectations


@dataclass(frozen=True)
class Expectation:
    """One GX expectation over a frame of the partition.

    ``kind`` and ``arguments``: a built-in expectation (``where``: the rows it applies to,
    column == value, as its ``row_condition``). ``fails``: SQL over one row of the frame
    (alias ``f``), true when the row breaks the rule (NULL does not fail): an
    ``UnexpectedRowsExpectation`` selects those rows (``shown`` says what it checks);
    ``tables`` are the other tables its SQL reads.
    """

    kind: str
    arguments: tuple[tuple[str, Any], ...]
    where: tuple[tuple[str, str], ...] = ()
    fails: str = ""
    shown: str = ""
    tables: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.kind == UNEXPECTED_ROWS:
            return f"{UNEXPECTED_ROWS}({self.shown})"

        def show(value: Any) -> str:
            if isinstance(value, (datetime, date)):
                return value.isoformat()
            return repr(value)

        arguments = ", ".join(
            f"{key}={show(value)}" for key, value in self.arguments if value is not None
        )
        where = " and ".join(f"{column} == {value!r}" for column, value in self.where)
        return f"{self.kind}({arguments})" + (f" where {where}" if where else "")

    def to_gx(self, rule: Rule, frame: Frame, aggregate: bool = False) -> gxe.Expectation:
        """The GX expectation, named by ``rule`` in its ``meta``, over the batch of the
        partition's rows: ``frame`` is that batch, or, when ``aggregate``, the frame whose
        SQL the rule's query reads instead (only an ``UnexpectedRowsExpectation`` can)."""
        common: dict[str, Any] = {
            "description": rule.description,
            "severity": GX_SEVERITY[rule.severity],
            "meta": {"rule": rule.name, "expectation": self.describe()},
        }
        if self.kind == UNEXPECTED_ROWS:
            quote = current().quote
            columns = ", ".join(f"f.{quote(column)}" for column in frame.columns)
            order = ", ".join(f"f.{quote(column)}" for column in frame.order)
            source = frame.sql if aggregate else "select * from {batch}"
            query = (
                f"select {columns} from ({source}) f "
                f"where coalesce({self.fails}, false) order by {order}"
            )
            if aggregate:  # GX prints a notice for a query that does not name the batch
                query += " /* of the batch {batch} */"
            return ExpectNoUnexpectedRows(unexpected_rows_query=query, **common)
        if aggregate:
            raise ValueError(f"{rule.name}: a rule of an aggregate frame selects its failing rows")
        arguments = {key: value for key, value in self.arguments if value is not None}
        if self.where:
            conditions = [Column(column) == value for column, value in self.where]
            condition = conditions[0]
            for more in conditions[1:]:
                condition = condition & more
            arguments["row_condition"] = condition
        return get_expectation_impl(self.kind)(**arguments, **common)


def not_null(column: str) -> Expectation:
    return Expectation("expect_column_values_to_not_be_null", (("column", column),))


def unique(key: Sequence[str]) -> Expectation:
    if len(key) == 1:
        return Expectation("expect_column_values_to_be_unique", (("column", key[0]),))
    return Expectation("expect_compound_columns_to_be_unique", (("column_list", list(key)),))


def in_set(
    column: str, values: Sequence[Any], where: Mapping[str, str] | None = None
) -> Expectation:
    return Expectation(
        "expect_column_values_to_be_in_set",
        (("column", column), ("value_set", sorted(values))),
        where=tuple((where or {}).items()),
    )


def in_table(column: str, table: str, key: str, cycle: str) -> Expectation:
    """``column`` is a ``key`` of ``table`` in the same cycle (an anti-join: ``not in`` a
    subquery without nulls, so a missing value is not a failure; DuckDB plans ``not
    exists`` as a join to every distinct value of the column, 10.5 s against 0.6 s over the
    utterances of a 1,000,000-call quarter)."""
    quote, value = current().quote, current().value
    return Expectation(
        UNEXPECTED_ROWS,
        (),
        fails=f"f.{quote(column)} not in (select r.{quote(key)} from {table} r "
        f"where r.cycle = {value(cycle)} and r.{quote(key)} is not null)",
        shown=f"{column} is one of {table}.{key} of {cycle}",
        tables=(table,),
    )


def between(
    column: str,
    low: Any = None,
    high: Any = None,
    *,
    strict_max: bool = False,
    where: Mapping[str, str] | None = None,
) -> Expectation:
    arguments = [("column", column), ("min_value", low), ("max_value", high)]
    if strict_max:
        arguments.append(("strict_max", True))
    return Expectation(
        "expect_column_values_to_be_between", tuple(arguments), where=tuple((where or {}).items())
    )


def _pair(kind: str, column_a: str, column_b: str) -> Expectation:
    """A column pair expectation; a row missing either value does not fail (as in SQL)."""
    skip = ("ignore_row_if", "either_value_is_missing")
    return Expectation(kind, (("column_A", column_a), ("column_B", column_b), skip))


def pair_greater(column_a: str, column_b: str) -> Expectation:
    return _pair("expect_column_pair_values_a_to_be_greater_than_b", column_a, column_b)


def satisfies(holds: str) -> Expectation:
    """Every row satisfies the SQL condition ``holds`` (over the frame's columns)."""
    return Expectation(
        UNEXPECTED_ROWS, (), fails=f"not ({holds})", shown=f"rows where not ({holds})"
    )


def row_count_at_least(minimum: int) -> Expectation:
    return Expectation("expect_table_row_count_to_be_between", (("min_value", minimum),))


# --------------------------------------------------------------------------------------
# Suites


@dataclass(frozen=True)
class Rule:
    """One check of a suite: an expectation over one frame of the partition."""

    name: str
    description: str
    expectation: Expectation
    frame: str = "rows"
    severity: str = ERROR


@dataclass(frozen=True)
class Reference:
    """The cycle's rubric versions, as ingested: scale and criteria per version."""

    scales: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    criteria: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Frame:
    """Rows a suite's rules read: the GX batch (``rows``) or an aggregate that rules read
    in their own query. ``sql`` (the cycle written in) selects ``columns`` (what an example
    row shows) and ``order`` (the frame's order: an example is the first failing row)."""

    table: str
    sql: str
    columns: tuple[str, ...]
    order: tuple[str, ...]


@dataclass(frozen=True)
class Suite:
    """The rules of one table and the frames they read (``rows``: the table's partition,
    GX's batch; other frames: aggregates the engine computes, such as sums per group)."""

    name: str
    table: str
    frames: Mapping[str, Frame]
    rules: tuple[Rule, ...]

    @property
    def tables(self) -> set[str]:
        read = {rule_table for rule in self.rules for rule_table in rule.expectation.tables}
        return {self.table, *(frame.table for frame in self.frames.values()), *read}
