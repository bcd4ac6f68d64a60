"""Expectations in the vocabulary of Great Expectations, each with the SQL that evaluates
it over a frame of a partition (in the dialect of the engine it is built for:
:func:`salesassess.engines.sql_dialect.using`), and the rules, frames and suites made of them
(:mod:`salesassess.quality.suites` declares the suites, :mod:`salesassess.quality.validation`
evaluates them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from salesassess.engines.sql_dialect import current

ERROR = "ERROR"
WARN = "WARN"


class Shown(str):
    """An argument shown as written (``repr`` without quotes), e.g. a set read in SQL."""

    def __repr__(self) -> str:
        return str(self)


# --------------------------------------------------------------------------------------
# Expectations


@dataclass(frozen=True)
class Expectation:
    """One expectation and the SQL that evaluates it over a frame.

    ``fails``: SQL over one row of the frame (alias ``f``), true when the row breaks the
    expectation (NULL does not fail); ``unique``: the columns whose combined value must be
    unique (duplicates are found with a GROUP BY); ``min_rows``: a table-level expectation
    on the frame's row count. ``kind``, ``arguments`` and ``where`` describe it in check
    metadata; ``tables`` are the other tables the SQL reads.
    """

    kind: str
    arguments: tuple[tuple[str, Any], ...]
    fails: str = ""
    where: str = ""
    unique: tuple[str, ...] = ()
    min_rows: int | None = None
    tables: tuple[str, ...] = ()

    def describe(self) -> str:
        def show(value: Any) -> str:
            if isinstance(value, (datetime, date)):
                return value.isoformat()
            return repr(value)

        arguments = ", ".join(
            f"{key}={show(value)}" for key, value in self.arguments if value is not None
        )
        return f"{self.kind}({arguments})" + (f" where {self.where}" if self.where else "")


def _condition(where: Mapping[str, str]) -> tuple[str, str]:
    """(SQL, shown) of a row condition such as ``rubric_version == '1'``."""
    sql = " and ".join(f"f.{current().quote(c)} = {current().value(v)}" for c, v in where.items())
    shown = " and ".join(f"{c} == {v!r}" for c, v in where.items())
    return sql, shown


def not_null(column: str) -> Expectation:
    return Expectation(
        "expect_column_values_to_not_be_null",
        (("column", column),),
        fails=f"f.{current().quote(column)} is null",
    )


def unique(key: Sequence[str]) -> Expectation:
    if len(key) == 1:
        return Expectation(
            "expect_column_values_to_be_unique", (("column", key[0]),), unique=tuple(key)
        )
    return Expectation(
        "expect_compound_columns_to_be_unique", (("column_list", list(key)),), unique=tuple(key)
    )


def in_set(
    column: str, values: Sequence[Any], where: Mapping[str, str] | None = None
) -> Expectation:
    value = f"f.{current().quote(column)}"
    condition, shown = _condition(where or {})
    options = ", ".join(current().value(v) for v in sorted(values))
    fails = f"{value} is not null" + (f" and {value} not in ({options})" if options else "")
    return Expectation(
        "expect_column_values_to_be_in_set",
        (("column", column), ("value_set", sorted(values))),
        fails=f"{condition} and {fails}" if condition else fails,
        where=shown,
    )


def in_table(column: str, table: str, key: str, cycle: str) -> Expectation:
    """``column`` is a ``key`` of ``table`` in the same cycle (a semi-join)."""
    value = f"f.{current().quote(column)}"
    return Expectation(
        "expect_column_values_to_be_in_set",
        (("column", column), ("value_set", Shown(f"{table}.{key} of {cycle}"))),
        fails=f"{value} is not null and not exists (select 1 from {table} r "
        f"where r.cycle = {current().param('cycle')} and r.{current().quote(key)} = {value})",
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
    value = f"f.{current().quote(column)}"
    outside = []
    if low is not None:
        outside.append(f"{value} < {current().value(low)}")
    if high is not None:
        outside.append(f"{value} {'>=' if strict_max else '>'} {current().value(high)}")
    condition, shown = _condition(where or {})
    fails = f"{value} is not null and ({' or '.join(outside)})"
    arguments = [("column", column), ("min_value", low), ("max_value", high)]
    if strict_max:
        arguments.append(("strict_max", True))
    return Expectation(
        "expect_column_values_to_be_between",
        tuple(arguments),
        fails=f"{condition} and {fails}" if condition else fails,
        where=shown,
    )


def satisfies(holds: str, kind: str = "", arguments: tuple = ()) -> Expectation:
    """Every row satisfies the SQL condition ``holds`` (over the frame's columns)."""
    return Expectation(
        kind or "expect_row_values_to_satisfy",
        arguments or (("condition", holds),),
        fails=f"not ({holds})",
    )


def row_count_at_least(minimum: int) -> Expectation:
    return Expectation(
        "expect_table_row_count_to_be_between", (("min_value", minimum),), min_rows=minimum
    )


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
    """Rows a suite validates: ``sql`` (with the ``cycle`` parameter) selecting
    ``columns`` (what an example row shows) and ``order`` (the frame's order: the example
    is the first failing row)."""

    table: str
    sql: str
    columns: tuple[str, ...]
    order: tuple[str, ...]


@dataclass(frozen=True)
class Suite:
    """The rules of one table and the frames they are validated on (``rows``: the table's
    partition; other frames: aggregates computed by the engine)."""

    name: str
    table: str
    frames: Mapping[str, Frame]
    rules: tuple[Rule, ...]

    @property
    def tables(self) -> set[str]:
        read = {rule_table for rule in self.rules for rule_table in rule.expectation.tables}
        return {self.table, *(frame.table for frame in self.frames.values()), *read}
