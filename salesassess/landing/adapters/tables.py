"""Tabular exports and synced tables: CSV, Parquet or a table of a DuckDB file, with a
column mapping.

Analytics engineers often have no vendor export but the tables Fivetran or Airbyte
synced into a warehouse (Salesforce ``opportunity`` with ``id, owner_id, is_closed``,
HubSpot ``deal`` with ``deal_id`` and ``property_*`` columns). Every tabular adapter reads
them through :func:`records`:

* the export is a ``.csv`` file (encoding detected, see :func:`base.decode_export`), a
  ``.parquet`` file, or a DuckDB file (``.duckdb``/``.db``) with the option ``table``
  (``salesforce.opportunity``);
* the option ``preset`` (``fivetran`` or ``airbyte``) names the column mapping of that
  connector's schema (:data:`PRESETS`), and ``columns`` maps further source columns to the
  vendor field they hold (``{Record ID: hs_object_id}``), overriding the preset; a key
  ``prefix_*`` maps every column with that prefix to the rest of its name (``property_*:
  "*"``);
* a row a sync marks deleted is skipped and counted (reason ``deleted``): a true
  ``_fivetran_deleted``, ``is_deleted``/``IsDeleted`` or ``archived``, or a set
  ``_ab_cdc_deleted_at``; so is a superseded version of Fivetran's history mode
  (``_fivetran_active`` false, reason ``history_inactive``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb

from salesassess.landing.adapters.base import (
    AdapterError,
    Source,
    boolean,
    csv_table,
    header_names,
    text,
)

TABLE_SUFFIXES = (".csv", ".parquet", ".duckdb", ".db")
DELETED_FLAGS = ("_fivetran_deleted", "is_deleted", "isdeleted", "archived")
DELETED_AT = ("_ab_cdc_deleted_at",)
HISTORY_ACTIVE = "_fivetran_active"
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){0,2}$")

# adapter -> preset -> {synced column: vendor field}. Airbyte's Salesforce and Gong
# streams keep the API's field names, so their presets only name the deletion markers.
PRESETS: dict[str, dict[str, dict[str, str]]] = {
    "salesforce": {
        # Fivetran's Salesforce schema: the API names in snake case
        # (https://fivetran.com/docs/connectors/applications/salesforce)
        "fivetran": {
            "id": "Id",
            "name": "Name",
            "first_name": "FirstName",
            "last_name": "LastName",
            "username": "Username",
            "email": "Email",
            "manager_id": "ManagerId",
            "is_active": "IsActive",
            "owner_id": "OwnerId",
            "stage_name": "StageName",
            "forecast_category": "ForecastCategory",
            "forecast_category_name": "ForecastCategoryName",
            "is_closed": "IsClosed",
            "is_won": "IsWon",
            "close_date": "CloseDate",
            "created_date": "CreatedDate",
            "amount": "Amount",
            "account_id": "AccountId",
        },
        "airbyte": {},
    },
    "hubspot": {
        # Fivetran's HubSpot ``deal`` table (https://fivetran.com/docs/connectors/applications/hubspot)
        "fivetran": {
            "deal_id": "hs_object_id",
            "owner_id": "hubspot_owner_id",
            "deal_pipeline_stage_id": "dealstage",
            "property_*": "*",
        },
        # Airbyte's HubSpot ``deals`` stream flattens the properties as properties_<name>
        "airbyte": {"id": "hs_object_id", "properties_*": "*"},
    },
    "gong": {
        # Fivetran's Gong tables ``users``, ``call`` and ``transcript``
        "fivetran": {
            "id": "id",
            "first_name": "firstName",
            "last_name": "lastName",
            "email_address": "emailAddress",
            "manager_id": "managerId",
            "primary_user_id": "primaryUserId",
            "call_id": "callId",
            "speaker_id": "speakerId",
            "sentence": "text",
        },
        "airbyte": {},
    },
}


def mapping(source: Source) -> dict[str, str]:
    """The source's column mapping: its ``preset``'s, then its ``columns`` on top."""
    preset = source.options.get("preset")
    result: dict[str, str] = {}
    if preset not in (None, ""):
        presets = PRESETS.get(source.adapter, {})
        if preset not in presets:
            raise AdapterError(
                source.config_file,
                "preset_option",
                f"adapter {source.adapter!r} has no preset {preset!r} "
                f"(presets: {', '.join(sorted(presets)) or 'none'})",
            )
        result.update(presets[preset])
    columns = source.options.get("columns") or {}
    if not isinstance(columns, dict):
        raise AdapterError(
            source.config_file, "columns_option", "columns maps source column -> vendor field"
        )
    result.update({str(key): str(value) for key, value in columns.items()})
    return result


def rename(row: dict[str, object], renames: dict[str, str]) -> dict[str, object]:
    """``row`` with its columns renamed to vendor fields; a column no rule names keeps its
    name. An exact rule wins over a prefix rule, and a value wins over an empty one."""
    prefixes = [(key[:-1], value) for key, value in renames.items() if key.endswith("*")]
    result: dict[str, object] = {}
    for column, value in row.items():
        target = renames.get(column)
        if target is None:
            for prefix, pattern in prefixes:
                if column.startswith(prefix):
                    target = pattern.replace("*", column[len(prefix) :])
                    break
        target = target or column
        if target not in result or result[target] in (None, ""):
            result[target] = value
    return result


def deleted(row: dict[str, object]) -> str | None:
    """Why a synced row is not a live record (``deleted``, ``history_inactive``), or None."""
    lowered = {str(key).lower(): value for key, value in row.items()}
    for flag in DELETED_FLAGS:
        if boolean(lowered.get(flag))[0] == "true":
            return "deleted"
    if any(text(lowered.get(column)) for column in DELETED_AT):
        return "deleted"
    if boolean(lowered.get(HISTORY_ACTIVE))[0] == "false":
        return "history_inactive"
    return None


def files(source: Source, *suffixes: str) -> list[Path]:
    return source.files(*suffixes, *TABLE_SUFFIXES)


def is_table(path: Path) -> bool:
    return path.suffix.lower() in TABLE_SUFFIXES


def records(
    source: Source, path: Path, required: Iterable[str | tuple[str, ...]] = ()
) -> Iterator[tuple[str, dict[str, object]]]:
    """(record, row) of one tabular export, columns renamed to vendor fields, deleted rows
    skipped (counted in the source's log). A vendor field in ``required`` that no column
    gives fails the file, naming the columns found and the mapping to set; a tuple in
    ``required`` is satisfied by any one of its fields (``("IsClosed", "StageName")``)."""
    renames = mapping(source)
    header, rows = _raw_rows(source, path)
    fields = set(rename(dict.fromkeys(header), renames))
    alternatives = [(name,) if isinstance(name, str) else tuple(name) for name in required]
    missing = [" or ".join(names) for names in alternatives if not fields & set(names)]
    if missing:
        raise AdapterError(
            path,
            "required_column",
            f"missing column(s) {', '.join(missing)} ({header_names(header)}; "
            "map yours with the option 'columns', or set 'preset')",
        )
    for record, row in rows:
        reason = deleted(row)
        if reason:
            source.skip(path, reason)
            continue
        yield record, rename(row, renames)


def _raw_rows(
    source: Source, path: Path
) -> tuple[list[str], Iterator[tuple[str, dict[str, object]]]]:
    """The export's column names (a header with no row under it included) and its rows."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return csv_table(path, source)
    if suffix == ".parquet":
        return _duckdb_rows(source, path, None)
    if suffix in (".duckdb", ".db"):
        table = source.options.get("table")
        if not table or not _TABLE_NAME.match(str(table)):
            raise AdapterError(
                source.config_file,
                "table_option",
                f"a DuckDB file needs the option 'table' (schema.table), got {table!r}",
            )
        return _duckdb_rows(source, path, str(table))
    raise AdapterError(path, "table_format", f"not a CSV, Parquet or DuckDB file: {path.name}")


def _duckdb_rows(
    source: Source, path: Path, table: str | None
) -> tuple[list[str], Iterator[tuple[str, dict[str, object]]]]:
    try:
        if table is None:
            con = duckdb.connect()
            relation = "read_parquet($path)"
        else:
            con = duckdb.connect(str(path), read_only=True)
            relation = ".".join(f'"{part}"' for part in table.split("."))
    except duckdb.Error as error:
        raise AdapterError(path, "readable_table", str(error).splitlines()[0]) from None
    try:
        cursor = con.execute(
            f"select * from {relation}", {"path": str(path)} if table is None else {}
        )
    except duckdb.Error as error:
        con.close()
        raise AdapterError(path, "readable_table", str(error).splitlines()[0]) from None
    source.describe(path, **({"table": table} if table else {}))
    names = [column[0] for column in cursor.description]
    label = f"{table} row" if table else "row"

    def rows():
        try:
            number = 0
            while batch := cursor.fetchmany(10_000):
                for values in batch:
                    number += 1
                    source.read(path)
                    yield f"{label} {number}", dict(zip(names, values, strict=True))
        finally:
            con.close()

    return names, rows()
