"""The marts written in Python (statistics SQL cannot do): their contract, read from dbt.

Their one declaration is the ``marts`` source in ``dbt_project/models/marts/_marts__docs.yml``,
beside the dbt marts' docs: every column's ``data_type`` and description, and in ``meta`` the
key (``key``, unique with nulls compared equal) and the columns that must not be null
(``not_null``). A Python asset writes a mart through :func:`write_mart`, which creates the
table from that declaration, refuses a table whose columns differ from it (as dbt's
``on_schema_change: fail``), and refuses rows that break the key before anything is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import duckdb
import yaml

from salesassess.engines.warehouse import replace_cycle_rows
from salesassess.platform.environment import SHIPPED_DBT_PROJECT

DOCS_FILE = SHIPPED_DBT_PROJECT / "models" / "marts" / "_marts__docs.yml"


class MartContractError(ValueError):
    """A Python-written mart's rows or table break its declared contract."""


@dataclass(frozen=True)
class MartContract:
    table: str  # marts.<name>
    columns: tuple[tuple[str, str], ...]  # (name, type), in order
    key: tuple[str, ...]
    not_null: tuple[str, ...]

    @property
    def ddl(self) -> str:
        return ", ".join(f"{name} {kind}" for name, kind in self.columns)


@cache
def contracts() -> dict[str, MartContract]:
    """Every Python-written mart's contract, by mart name."""
    # a file of the shipped dbt project, not one a user hands in: read with libyaml's parser
    # where PyYAML has it (a tenth of the pure-Python parser's time)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(DOCS_FILE.read_text(encoding="utf-8"), Loader=loader)
    found = {}
    for source in document.get("sources", []):
        for table in source.get("tables", []):
            meta = table.get("meta") or {}
            columns = tuple((c["name"], c["data_type"]) for c in table["columns"])
            names = {name for name, _ in columns}
            key, not_null = tuple(meta.get("key", ())), tuple(meta.get("not_null", ()))
            unknown = sorted(set(key + not_null) - names)
            if not key or unknown:
                raise MartContractError(
                    f"{DOCS_FILE}: {table['name']} needs meta.key of its own columns"
                    + (f" (unknown: {', '.join(unknown)})" if unknown else "")
                )
            found[table["name"]] = MartContract(
                f"{source['schema']}.{table['name']}", columns, key, not_null
            )
    return found


def key_violations(contract: MartContract, rows: Sequence[tuple]) -> list[str]:
    """What in ``rows`` breaks the contract's key: nulls where none may be, repeated keys."""
    position = {name: i for i, (name, _) in enumerate(contract.columns)}
    problems = []
    for row in rows:
        if len(row) != len(contract.columns):
            return [f"a row has {len(row)} values, the contract {len(contract.columns)} columns"]
    for name in contract.not_null:
        nulls = sum(row[position[name]] is None for row in rows)
        if nulls:
            problems.append(f"{nulls} row(s) with {name} null")
    keys = Counter(tuple(row[position[name]] for name in contract.key) for row in rows)
    repeated = sorted((k for k, n in keys.items() if n > 1), key=repr)
    if repeated:
        problems.append(
            f"{len(repeated)} key(s) ({', '.join(contract.key)}) repeated, e.g. {repeated[0]}"
        )
    return problems


def write_mart(
    con: duckdb.DuckDBPyConnection, mart: str, cycle: str, rows: Sequence[tuple]
) -> None:
    """Replace ``mart``'s rows of ``cycle`` after checking them and the table against the
    contract; nothing is written when either breaks it."""
    contract = contracts()[mart]
    problems = key_violations(contract, rows)
    if problems:
        raise MartContractError(f"{contract.table} of {cycle}: " + "; ".join(problems))
    schema, name = contract.table.split(".")
    existing = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = $s and table_name = $t order by ordinal_position",
        {"s": schema, "t": name},
    ).fetchall()
    declared = [column for column, _ in contract.columns]
    have = [column for (column,) in existing]
    if have and have != declared[: len(have)]:
        raise MartContractError(
            f"{contract.table} has columns {have}, its contract {declared}: the table was "
            "made by another version; drop it and rerun the cycles"
        )
    for column, kind in contract.columns[len(have) :] if have else ():
        # columns the contract added at its end since the table was made
        con.execute(f"alter table {contract.table} add column {column} {kind}")
    con.execute(f"create schema if not exists {schema}")
    replace_cycle_rows(con, contract.table, contract.ddl, cycle, rows)
