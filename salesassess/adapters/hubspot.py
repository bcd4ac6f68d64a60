"""HubSpot deals: CRM API JSON pages and CSV exports -> opportunities.

The CRM v3 objects API (https://developers.hubspot.com/docs/api/crm/deals) returns pages
``{"results": [{"id", "properties": {...}, "createdAt", "archived"}], "paging": {"next":
{"after"}}}``; every property value is a string. Read: ``hs_is_closed_won``,
``hs_is_closed``, ``closedate``, ``createdate``, ``hubspot_owner_id``, ``amount``,
``dealstage`` (and ``hs_object_id`` in a CSV export, whose columns are the properties'
internal names; a ``columns`` option maps other headers, e.g. ``{"Record ID":
hs_object_id}``).

Awkward cases: booleans are strings (``"true"``, ``"false"``); dates are ISO dates, ISO
timestamps or epoch milliseconds (``"1735689600000"`` = 2025-01-01, UTC); an empty
``hs_is_closed`` (portals created before it existed) is derived from ``dealstage``
``closedwon``/``closedlost`` of the default pipeline, with a note. ``owners`` (inline or
a YAML file) maps HubSpot owner ids to rep ids; an owner mapped to no rep keeps its
HubSpot id and is quarantined as ``unknown_rep`` unless a rep has that id. A deal won but
not closed is kept for ``won_but_not_closed``. Pages fetched twice give their deals twice
(``duplicate_key``).
"""

from __future__ import annotations

from collections.abc import Iterator

from salesassess.adapters.base import (
    AdapterError,
    Source,
    boolean,
    csv_records,
    date_value,
    json_pages,
    mapping_option,
    notes,
    row,
)

CLOSED_STAGES = {"closedwon": True, "closedlost": False}


def _deal(source: Source, path, record: str, deal_id, props: dict, owners) -> dict:
    won, won_note = boolean(props.get("hs_is_closed_won"))
    closed, closed_note = boolean(props.get("hs_is_closed"))
    stage = props.get("dealstage")
    derived = None
    if closed is None and closed_note is None and stage in CLOSED_STAGES:
        closed = "true"
        derived = f"hs_is_closed empty: closed from dealstage {stage!r}"
        if won is None and won_note is None:
            won = "true" if CLOSED_STAGES[stage] else "false"
    created, created_note = date_value(props.get("createdate"))
    close, close_note = date_value(props.get("closedate"))
    owner = props.get("hubspot_owner_id")
    owner = str(owner) if owner not in (None, "") else None
    return row(
        "opportunities",
        path,
        record,
        notes(won_note, closed_note, derived, created_note, close_note),
        opportunity_id=deal_id,
        owner_rep_id=owners.get(owner, owner) if owner else None,
        created_at=created,
        close_date=close,
        is_closed=closed,
        is_won=won,
        stage=stage,
        amount=props.get("amount"),
    )


def deals(source: Source) -> Iterator[dict]:
    owners = mapping_option(source, "owners")
    files = source.files(".json", ".csv")
    pages = [path for path in files if path.suffix.lower() == ".json"]
    for path, record, deal in json_pages(pages, "results"):
        props = deal.get("properties")
        if not isinstance(props, dict):
            raise AdapterError(path, "deal_properties", "a deal has no properties object", record)
        yield _deal(
            source, path, record, deal.get("id") or props.get("hs_object_id"), props, owners
        )
    renames = {str(k): str(v) for k, v in (source.options.get("columns") or {}).items()}
    for path in (p for p in files if p.suffix.lower() == ".csv"):
        needed = ("hs_object_id", "hs_is_closed_won", "closedate", "createdate", "hubspot_owner_id")
        headers = {internal: header for header, internal in renames.items()}
        required = [headers.get(name, name) for name in needed]
        for number, record in csv_records(path, required):
            props = {renames.get(key, key): value for key, value in record.items()}
            yield _deal(source, path, number, props.get("hs_object_id"), props, owners)


KINDS = {"opportunities": deals}
