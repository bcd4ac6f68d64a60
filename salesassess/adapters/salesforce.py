"""Salesforce CSV exports (Data Loader, Data Export): User and Opportunity objects.

Fields (Salesforce Object Reference, https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_user.htm
and .../sforce_api_objects_opportunity.htm):

* ``User``: ``Id``, ``Name`` (a Data Export has none: ``FirstName`` + ``LastName``),
  ``Email``, ``ManagerId`` (optional ``IsActive``) -> reps; ``manager_name`` is the
  manager's name when the manager is in the same export.
* ``Opportunity``: ``Id``, ``OwnerId``, ``StageName``, ``IsClosed``, ``IsWon``,
  ``CloseDate``, ``Amount``, ``CreatedDate``, ``AccountId`` -> opportunities.

Awkward cases: booleans come as ``true``/``false`` (Data Loader) or ``1``/``0`` (Data
Export); ``CreatedDate`` is a UTC timestamp (``2026-06-01T10:00:00.000Z``) and becomes its
date; ids are 15-character case-sensitive or 18-character case-safe (reports export the
former, the API the latter), so every id is written in its 18-character form and an owner
exported with a 15-character id still finds its rep. An ``OwnerId`` with no user is kept
(``unknown_rep`` in quarantine) unless ``owners`` (inline or a YAML file) maps Salesforce
user ids to the rep ids of another reps source (e.g. Gong); ``IsWon`` true with ``IsClosed``
false is kept (``won_but_not_closed``).

Empty ``IsClosed``/``IsWon`` (real Data Exports leave them blank) are unknown, not false:
they are derived from ``StageName`` (the standard stages; the option ``stages`` maps
others to ``won``, ``lost`` or ``open``), else from ``ForecastCategory`` (``Closed`` = won;
``Pipeline``, ``BestCase``, ``Commit`` = open), with an ``adapter_note`` saying so; a stage
neither tells stays empty (``missing_value:is_closed``) with a note naming it.

The export may be a CSV file (any encoding, see :func:`base.decode_export`), Parquet or
a synced table (:mod:`salesassess.adapters.tables`: ``preset: fivetran`` reads Fivetran's
``user``/``opportunity`` tables, ``preset: airbyte`` Airbyte's ``User``/``Opportunity``
streams; rows deleted in Salesforce or the sync are skipped and counted).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from salesassess.adapters import tables
from salesassess.adapters.base import (
    AdapterError,
    Source,
    boolean,
    date_value,
    mapping_option,
    notes,
    row,
    text,
)

_ID15 = re.compile(r"^[a-zA-Z0-9]{15}$")
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
STAGE_OUTCOMES = ("won", "lost", "open")
# the standard sales process's stages (Salesforce Help, "Opportunity Stage" picklist)
STANDARD_STAGES = {
    "closed won": "won",
    "closed lost": "lost",
    "prospecting": "open",
    "qualification": "open",
    "needs analysis": "open",
    "value proposition": "open",
    "id. decision makers": "open",
    "perception analysis": "open",
    "proposal/price quote": "open",
    "negotiation/review": "open",
}
# ForecastCategory API values (and ForecastCategoryName labels without spaces); Omitted
# is left out: admins use it for open opportunities kept out of the forecast too
FORECAST_CATEGORIES = {
    "closed": "won",
    "pipeline": "open",
    "bestcase": "open",
    "commit": "open",
    "forecast": "open",
    "mostlikely": "open",
}


def id18(value: str | None) -> str | None:
    """Salesforce's case-safe 18-character id of a 15-character one (others unchanged):
    per 5-character chunk, a bit per upper-case letter, read as an index into A-Z0-5."""
    if value is None or not _ID15.match(value.strip()):
        return value
    value = value.strip()
    suffix = ""
    for chunk in range(3):
        bits = sum(
            1 << i for i, char in enumerate(value[chunk * 5 : chunk * 5 + 5]) if "A" <= char <= "Z"
        )
        suffix += _SUFFIX[bits]
    return value + suffix


def _name(record: dict) -> tuple[str | None, str | None]:
    """``Name``, else ``FirstName LastName`` (a Data Export has no ``Name``)."""
    name = text(record.get("Name"))
    if name:
        return name, None
    parts = [text(record.get(part)) for part in ("FirstName", "LastName")]
    name = " ".join(part for part in parts if part)
    if name:
        return name, None
    return None, "no Name, FirstName or LastName"


def users(source: Source) -> Iterator[dict]:
    for path in tables.files(source):
        records = list(tables.records(source, path, ("Id", "ManagerId")))
        if records and not {"Name", "FirstName", "LastName"} & set(records[0][1]):
            raise AdapterError(
                path, "required_column", "missing column(s) Name, or FirstName and LastName"
            )
        names = {id18(text(record["Id"])): _name(record)[0] for _, record in records}
        for number, record in records:
            active, active_note = boolean(record.get("IsActive"))
            name, name_note = _name(record)
            manager = id18(text(record["ManagerId"]))
            yield row(
                "reps",
                path,
                number,
                notes(name_note, active_note),
                rep_id=id18(text(record["Id"])),
                rep_name=name,
                manager_id=manager,
                manager_name=names.get(manager),
                email=record.get("Email"),
                active=active,
            )


def _stage_option(source: Source) -> dict[str, str]:
    value = source.options.get("stages") or {}
    if not isinstance(value, dict) or any(v not in STAGE_OUTCOMES for v in value.values()):
        raise AdapterError(
            source.config_file,
            "stages_option",
            f"stages maps StageName -> one of {', '.join(STAGE_OUTCOMES)}",
        )
    return {str(stage).strip().lower(): outcome for stage, outcome in value.items()}


def outcome(record: dict, stages: dict[str, str]) -> tuple[str | None, str]:
    """(won | lost | open, the field that says so) from ``StageName``, else
    ``ForecastCategory``/``ForecastCategoryName``; (None, "") when neither tells."""
    stage = (text(record.get("StageName")) or "").strip().lower()
    if stage in stages:
        return stages[stage], f"StageName {record.get('StageName')!r} (option stages)"
    if stage in STANDARD_STAGES:
        return STANDARD_STAGES[stage], f"StageName {record.get('StageName')!r}"
    for column in ("ForecastCategory", "ForecastCategoryName"):
        category = (text(record.get(column)) or "").replace(" ", "").lower()
        if category in FORECAST_CATEGORIES:
            return FORECAST_CATEGORIES[category], f"{column} {record.get(column)!r}"
    return None, ""


def _derived(record: dict, stages: dict[str, str]) -> tuple[str | None, str | None, str | None]:
    """(IsClosed, IsWon, note) with empty values derived from the stage."""
    closed, closed_note = boolean(record.get("IsClosed"))
    won, won_note = boolean(record.get("IsWon"))
    if (closed is None and closed_note is None) or (won is None and won_note is None):
        said, by = outcome(record, stages)
        empty = [n for n, v, e in (("IsClosed", closed, closed_note), ("IsWon", won, won_note))
                 if v is None and e is None]  # fmt: skip
        if said is None:
            derived = (
                f"{' and '.join(empty)} empty and StageName {record.get('StageName')!r} is no "
                "known stage (map it with the option stages: won, lost or open)"
            )
        else:
            if closed is None and closed_note is None:
                closed = "false" if said == "open" else "true"
            if won is None and won_note is None:
                won = "true" if said == "won" else "false"
            derived = f"{' and '.join(empty)} empty: derived from {by} ({said})"
        return closed, won, notes(closed_note, won_note, derived)
    return closed, won, notes(closed_note, won_note)


def opportunities(source: Source) -> Iterator[dict]:
    required = ("Id", "OwnerId", "IsClosed", "IsWon", "CloseDate", "CreatedDate")
    owners = {id18(owner): rep for owner, rep in mapping_option(source, "owners").items()}
    stages = _stage_option(source)
    for path in tables.files(source):
        for number, record in tables.records(source, path, required):
            closed, won, outcome_note = _derived(record, stages)
            created, created_note = date_value(record["CreatedDate"])
            close, close_note = date_value(record["CloseDate"])
            owner = id18(text(record["OwnerId"]))
            yield row(
                "opportunities",
                path,
                number,
                notes(outcome_note, created_note, close_note),
                opportunity_id=id18(text(record["Id"])),
                owner_rep_id=owners.get(owner, owner),
                created_at=created,
                close_date=close,
                is_closed=closed,
                is_won=won,
                stage=record.get("StageName"),
                amount=record.get("Amount"),
                account_id=id18(text(record.get("AccountId"))),
            )


KINDS = {"reps": users, "opportunities": opportunities}
