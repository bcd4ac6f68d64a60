"""HubSpot deals: CRM API JSON pages and CSV exports -> opportunities.

The CRM v3 objects API (https://developers.hubspot.com/docs/api/crm/deals) returns pages
``{"results": [{"id", "properties": {...}, "createdAt", "archived"}], "paging": {"next":
{"after"}}}``; every property value is a string. Read: ``hs_is_closed_won``,
``hs_is_closed``, ``closedate``, ``createdate``, ``hubspot_owner_id``, ``amount``,
``dealstage`` (and ``hs_object_id`` in a CSV export, whose columns are the properties'
internal names; a ``columns`` option maps other headers, e.g. ``{"Record ID":
hs_object_id}``). A file holding one deal (the response of a read or create call,
``{"id", "properties"}``) is read as that deal. Synced tables (``preset: fivetran``:
the ``deal`` table, ``deal_id``, ``owner_id``, ``deal_pipeline_stage_id``,
``property_*``; ``preset: airbyte``: the ``deals`` stream, ``id``, ``properties_*``) are
read as Parquet, CSV or a DuckDB table (:mod:`salesassess.landing.adapters.tables`); deleted deals
(``is_deleted``, ``archived``) are skipped and counted.

Awkward cases: booleans are strings (``"true"``, ``"false"``); dates are ISO dates, ISO
timestamps or epoch milliseconds (``"1735689600000"`` = 2025-01-01, UTC); an empty
``hs_is_closed`` (portals created before it existed, a read response or a synced table
without it) is derived from a ``dealstage`` of the default pipeline (``closedwon``,
``closedlost``, or an open stage such as ``presentationscheduled``), with a note; when
``dealstage`` is empty (``null`` in a read response) or a stage of another pipeline, the
deal keeps an empty ``is_closed`` (``missing_value:is_closed``) with a note saying why.
``owners`` (inline or a YAML file) maps HubSpot owner ids to rep ids; an owner mapped to
no rep keeps its
HubSpot id and is quarantined as ``unknown_rep`` unless a rep has that id. A deal won but
not closed is kept for ``won_but_not_closed``. Pages fetched twice give their deals twice
(``duplicate_key``).
"""

from __future__ import annotations

from collections.abc import Iterator

from salesassess.landing.adapters import tables
from salesassess.landing.adapters.base import (
    AdapterError,
    Source,
    boolean,
    date_value,
    json_pages,
    mapping_option,
    notes,
    outcome_flags,
    row,
    text,
)

# the default pipeline's stages (HubSpot: "Set up and customize pipelines"): won, lost, open
DEFAULT_STAGES = {
    "closedwon": "won",
    "closedlost": "lost",
    "appointmentscheduled": "open",
    "qualifiedtobuy": "open",
    "presentationscheduled": "open",
    "decisionmakerboughtin": "open",
    "contractsent": "open",
}


def _deal(source: Source, path, record: str, deal_id, props: dict, owners) -> dict:
    won, won_note = boolean(props.get("hs_is_closed_won"))
    closed, closed_note = boolean(props.get("hs_is_closed"))
    stage = text(props.get("dealstage"))
    derived = None
    said = DEFAULT_STAGES.get(stage) if stage is not None else None
    if closed is None and closed_note is None and said:
        closed, won_said = outcome_flags(said)
        derived = (
            f"hs_is_closed empty: {'open' if said == 'open' else 'closed'} from dealstage {stage!r}"
        )
        if won is None and won_note is None:
            won = won_said
    elif closed is None and closed_note is None:
        derived = (
            "hs_is_closed and dealstage empty: is_closed unknown"
            if stage is None
            else f"hs_is_closed empty and dealstage {stage!r} is no stage of the default "
            "pipeline: is_closed unknown"
        )
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


def _single_deal(document: dict) -> tuple[str, dict] | None:
    """A read or create response: one deal object, not a ``results`` page."""
    return ("object", document) if isinstance(document.get("properties"), dict) else None


def deals(source: Source) -> Iterator[dict]:
    owners = mapping_option(source, "owners")
    files = tables.files(source, ".json")
    pages = [path for path in files if path.suffix.lower() == ".json"]
    for path, record, deal in json_pages(pages, "results", single=_single_deal):
        source.read(path)
        props = deal.get("properties")
        if not isinstance(props, dict):
            raise AdapterError(path, "deal_properties", "a deal has no properties object", record)
        if deal.get("archived") is True:
            source.skip(path, "deleted")
            continue
        yield _deal(
            source, path, record, deal.get("id") or props.get("hs_object_id"), props, owners
        )
    needed = ("hs_object_id", "hs_is_closed_won", "closedate", "createdate", "hubspot_owner_id")
    for path in (p for p in files if tables.is_table(p)):
        # a synced table may lack the flags a CSV export has: they are derived from dealstage
        required = (
            needed
            if path.suffix.lower() == ".csv" and not source.options.get("preset")
            else ("hs_object_id",)
        )
        for number, props in tables.records(source, path, required):
            yield _deal(source, path, number, props.get("hs_object_id"), props, owners)


KINDS = {"opportunities": deals}
