"""Where DuckDB (the default) and Spark SQL differ in the SQL that Python generates: the
automated scorer's statements (:mod:`salesassess.scoring.scorer_sql`) and the quality suites'
expectations (:mod:`salesassess.quality.expectations`, :mod:`salesassess.quality.validation`). The
statements are written once; a :class:`Dialect` supplies the only engine-specific pieces. The dbt
models keep their engine differences in adapter-dispatched macros instead.

The dialect of the SQL being built is a context value (:func:`using`, :func:`current`), so
the many small builders of a statement need not pass it along.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from salesassess.engines.warehouse import quote_identifier, sql_literal


@dataclass(frozen=True)
class Dialect:
    """The SQL of one engine: ``duckdb`` or ``spark``."""

    name: str

    @property
    def spark(self) -> bool:
        return self.name == "spark"

    def literal(self, text: str) -> str:
        """``text`` as a string literal."""
        if self.spark:  # Spark unescapes backslashes in literals and writes a quote as \'
            return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return sql_literal(text)

    def value(self, value: Any) -> str:
        """A Python value as a typed literal: boolean, number, instant, day or text."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return repr(value)
        if isinstance(value, datetime):
            return f"{'timestamp' if self.spark else 'timestamptz'} '{value.isoformat()}'"
        if isinstance(value, date):
            return f"date '{value.isoformat()}'"
        return self.literal(str(value))

    def quote(self, identifier: str) -> str:
        """``identifier`` quoted (any name, a keyword included)."""
        if self.spark:
            return "`" + identifier.replace("`", "``") + "`"
        return quote_identifier(identifier)

    def param(self, name: str) -> str:
        """A named parameter of the statement."""
        return f":{name}" if self.spark else f"${name}"

    def struct(self, columns: Sequence[str]) -> str:
        """A struct of the named columns (their names as the fields')."""
        if self.spark:
            fields = ", ".join(f"{self.literal(c)}, {self.quote(c)}" for c in columns)
            return f"named_struct({fields})"
        fields = ", ".join(f"{self.quote(c)} := {self.quote(c)}" for c in columns)
        return f"struct_pack({fields})"

    def arg_min(self, value: str, order: str) -> str:
        """``value`` of the row where ``order`` is least."""
        return f"{'min_by' if self.spark else 'arg_min'}({value}, {order})"

    def distinct_list(self, expr: str) -> str:
        """The distinct values of ``expr`` in a group, as a list."""
        return f"collect_set({expr})" if self.spark else f"list(distinct {expr})"

    def matches(self, expr: str, pattern: str, *, ignore_case: bool) -> str:
        if self.spark:
            return f"({expr} rlike {self.literal(('(?i)' if ignore_case else '') + pattern)})"
        flags = ", 'i'" if ignore_case else ""
        return f"regexp_matches({expr}, {self.literal(pattern)}{flags})"

    def extract_all(self, expr: str, pattern: str) -> str:
        group = ", 0" if self.spark else ""
        return f"regexp_extract_all({expr}, {self.literal(pattern)}{group})"

    def distinct_ids(self, items: list[str]) -> str:
        """The distinct non-null values of a list of integer expressions."""
        if self.spark:
            return f"array_distinct(array_compact(array({', '.join(items)})))"
        return f"array_distinct([{', '.join(items)}])"  # DuckDB drops the nulls too

    def empty_list(self, kind: str) -> str:
        if self.spark:
            return f"cast(array() as array<{'string' if kind == 'varchar' else 'int'}>)"
        return f"cast([] as {kind}[])"

    def unnest(self, expr: str) -> str:
        return f"{'explode' if self.spark else 'unnest'}({expr})"

    def temp_table(self, name: str) -> str:
        """DuckDB creates the step's table; on Spark the statement is the query, which the
        runner registers (and caches) as a temporary view of that name."""
        return "" if self.spark else f"create or replace temp table {name} as "


DUCKDB = Dialect("duckdb")
SPARK = Dialect("spark")
_CURRENT: ContextVar[Dialect] = ContextVar("sql_dialect", default=DUCKDB)


def current() -> Dialect:
    """The dialect of the SQL being built (DuckDB unless :func:`using` says otherwise)."""
    return _CURRENT.get()


@contextmanager
def using(dialect: Dialect) -> Iterator[Dialect]:
    """Build SQL in ``dialect`` inside the block."""
    token = _CURRENT.set(dialect)
    try:
        yield dialect
    finally:
        _CURRENT.reset(token)
