"""Salesforce CSV exports (Data Loader, Data Export): User and Opportunity objects.

Fields (Salesforce Object Reference, https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_user.htm
and .../sforce_api_objects_opportunity.htm):

* ``User``: ``Id``, ``Name``, ``Email``, ``ManagerId`` (optional ``IsActive``) -> reps;
  ``manager_name`` is the manager's ``Name`` when the manager is in the same export.
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
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from salesassess.adapters.base import (
    Source,
    boolean,
    csv_records,
    date_value,
    mapping_option,
    notes,
    row,
)

_ID15 = re.compile(r"^[a-zA-Z0-9]{15}$")
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


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


def users(source: Source) -> Iterator[dict]:
    for path in source.files(".csv"):
        records = list(csv_records(path, ("Id", "Name", "ManagerId")))
        names = {id18(record["Id"]): record["Name"] for _, record in records}
        for number, record in records:
            active, active_note = boolean(record.get("IsActive"))
            manager = id18(record["ManagerId"] or None)
            yield row(
                "reps",
                path,
                number,
                active_note,
                rep_id=id18(record["Id"]),
                rep_name=record["Name"],
                manager_id=manager,
                manager_name=names.get(manager),
                email=record.get("Email"),
                active=active,
            )


def opportunities(source: Source) -> Iterator[dict]:
    required = ("Id", "OwnerId", "IsClosed", "IsWon", "CloseDate", "CreatedDate")
    owners = {id18(owner): rep for owner, rep in mapping_option(source, "owners").items()}
    for path in source.files(".csv"):
        for number, record in csv_records(path, required):
            closed, closed_note = boolean(record["IsClosed"])
            won, won_note = boolean(record["IsWon"])
            created, created_note = date_value(record["CreatedDate"])
            close, close_note = date_value(record["CloseDate"])
            yield row(
                "opportunities",
                path,
                number,
                notes(closed_note, won_note, created_note, close_note),
                opportunity_id=id18(record["Id"]),
                owner_rep_id=owners.get(id18(record["OwnerId"]), id18(record["OwnerId"])),
                created_at=created,
                close_date=close,
                is_closed=closed,
                is_won=won,
                stage=record.get("StageName"),
                amount=record.get("Amount"),
                account_id=id18(record.get("AccountId")),
            )


KINDS = {"reps": users, "opportunities": opportunities}
