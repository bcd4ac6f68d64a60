"""Salesforce CSV exports (Data Loader, Data Export): User and Opportunity objects.

Fields (Salesforce Object Reference, https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_user.htm
and .../sforce_api_objects_opportunity.htm):

* ``User``: ``Id``, ``Name`` (a Data Export has none: ``FirstName`` + ``LastName``),
  ``Email``, ``ManagerId`` (optional, as ``IsActive``) -> reps; ``manager_name`` is the
  manager's name when the manager is in the same export.
* ``Opportunity``: ``Id``, ``OwnerId``, ``StageName``, ``IsClosed``, ``IsWon``,
  ``CloseDate``, ``Amount``, ``CreatedDate``, ``AccountId`` -> opportunities;
  ``IsClosed``/``IsWon`` may be left out of an export that has ``StageName``, and
  ``CreatedDate`` may be left out.

Awkward cases: booleans come as ``true``/``false`` (Data Loader) or ``1``/``0`` (Data
Export); ``CreatedDate`` is a UTC timestamp (``2026-06-01T10:00:00.000Z``) and becomes its
date; ids are 15-character case-sensitive or 18-character case-safe (reports export the
former, the API the latter), so every id is written in its 18-character form and an owner
exported with a 15-character id still finds its rep. An ``OwnerId`` with no user is kept
(``unknown_rep`` in quarantine) unless ``owners`` (inline or a YAML file) maps Salesforce
user ids to the rep ids of another reps source (e.g. Gong); ``IsWon`` true with ``IsClosed``
false is kept (``won_but_not_closed``).

Empty or absent ``IsClosed``/``IsWon`` (real Data Exports leave them blank, a query may
not select them) are unknown, not false: they are derived from ``StageName`` (the
standard stages; the option ``stages`` maps others to ``won``, ``lost`` or ``open`` and
overrides a standard one), else from ``ForecastCategory`` (``Closed`` = won;
``Pipeline``, ``BestCase``, ``Commit`` = open), with an ``adapter_note`` saying so; a stage
neither tells stays empty (``missing_value:is_closed``) with a note naming it.

Salesforce's null id (``000000000000000AAA``, or ``000000000000000``: a Data Export's
empty lookup) is read as empty, as a blank is. A user without a manager (no
``ManagerId`` column, a blank or the null id) has an empty ``manager_id`` with a note
(``missing_value:manager_id`` in quarantine) unless the option ``top_manager_id`` names
whom they report to. An empty or absent ``CreatedDate`` is the ``CloseDate`` (the
contract needs a creation date; nothing reads it beyond the staging model), with a note.

The export may be a CSV file (any encoding, see :func:`base.decode_export`), Parquet or
a synced table (:mod:`salesassess.landing.adapters.tables`: ``preset: fivetran`` reads Fivetran's
``user``/``opportunity`` tables, ``preset: airbyte`` Airbyte's ``User``/``Opportunity``
streams; rows deleted in Salesforce or the sync are skipped and counted).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from salesassess.landing.adapters import tables
from salesassess.landing.adapters.base import (
    STAGE_OUTCOMES,
    AdapterError,
    Source,
    boolean,
    date_value,
    manager_of,
    mapping_option,
    notes,
    outcome_flags,
    row,
    text,
)

_ID15 = re.compile(r"^[a-zA-Z0-9]{15}$")
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
# the id of no record: a Data Export writes it for an empty lookup (ManagerId, AccountId)
NULL_IDS = ("000000000000000", "000000000000000AAA")
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
    per 5-character chunk, a bit per upper-case letter, read as an index into A-Z0-5.
    A blank and Salesforce's null id (:data:`NULL_IDS`) are None."""
    value = value.strip() if value is not None else ""
    if value in ("", *NULL_IDS):
        return None
    if not _ID15.match(value):
        return value
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


def _missing(record: dict, column: str) -> str:
    """Why ``column`` gives no id: not exported, empty, or Salesforce's null id."""
    if column not in record:
        return f"no {column} column"
    value = text(record[column])
    if value is None or not value.strip():
        return f"{column} empty"
    return f"{column} {value.strip()!r} is Salesforce's null id"


def _null_id_note(record: dict, column: str) -> str | None:
    """A note when ``column`` holds Salesforce's null id (its value is not kept)."""
    value = (text(record.get(column)) or "").strip()
    if value not in NULL_IDS:
        return None
    return f"{column} {value!r} is Salesforce's null id: read as empty"


def users(source: Source) -> Iterator[dict]:
    required = ("Id", ("Name", "FirstName", "LastName"))
    for path in tables.files(source):
        records = list(tables.records(source, path, required))
        names = {id18(text(record["Id"])): _name(record)[0] for _, record in records}
        for number, record in records:
            active, active_note = boolean(record.get("IsActive"))
            name, name_note = _name(record)
            manager = id18(text(record.get("ManagerId")))
            why = "" if manager else _missing(record, "ManagerId")
            manager, manager_note = manager_of(source, manager, why)
            yield row(
                "reps",
                path,
                number,
                notes(name_note, active_note, manager_note),
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
    """(IsClosed, IsWon, note) with empty or absent values derived from the stage."""
    closed, closed_note = boolean(record.get("IsClosed"))
    won, won_note = boolean(record.get("IsWon"))
    unknown = [n for n, v, e in (("IsClosed", closed, closed_note), ("IsWon", won, won_note))
               if v is None and e is None]  # fmt: skip
    if not unknown:
        return closed, won, notes(closed_note, won_note)
    absent = all(name not in record for name in unknown)
    why = f"{' and '.join(unknown)} {'not in the export' if absent else 'empty'}"
    said, by = outcome(record, stages)
    if said is None:
        derived = (
            f"{why} and StageName {record.get('StageName')!r} is no known stage (map it "
            "with the option stages: won, lost or open)"
        )
    else:
        closed_said, won_said = outcome_flags(said)
        closed = closed_said if "IsClosed" in unknown else closed
        won = won_said if "IsWon" in unknown else won
        derived = f"{why}: derived from {by} ({said})"
    return closed, won, notes(closed_note, won_note, derived)


def opportunities(source: Source) -> Iterator[dict]:
    # IsClosed and IsWon can be derived from StageName; CreatedDate falls back to CloseDate
    required = ("Id", "OwnerId", "CloseDate", ("IsClosed", "StageName"), ("IsWon", "StageName"))
    owners = {id18(owner): rep for owner, rep in mapping_option(source, "owners").items()}
    stages = _stage_option(source)
    for path in tables.files(source):
        for number, record in tables.records(source, path, required):
            closed, won, outcome_note = _derived(record, stages)
            close, close_note = date_value(record["CloseDate"])
            created, created_note = date_value(record.get("CreatedDate"))
            if created is None and created_note is None and close and not close_note:
                created = close
                created_note = f"{_missing(record, 'CreatedDate')}: created_at is the CloseDate"
            owner = id18(text(record["OwnerId"]))
            yield row(
                "opportunities",
                path,
                number,
                notes(
                    outcome_note,
                    created_note,
                    close_note,
                    _null_id_note(record, "OwnerId"),
                ),
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
