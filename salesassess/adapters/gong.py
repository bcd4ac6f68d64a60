"""Gong API JSON exports (https://gong.app.gong.io/settings/api/documentation).

Every endpoint answers in cursor pages ``{"requestId", "records": {"totalRecords",
"currentPageSize", "currentPageNumber", "cursor"}, <items>}``; the pages saved as files
(one per file, or a JSON array of pages) are read as one, in ``currentPageNumber`` order.

* ``/v2/users`` -> **reps**: ``users[]`` ``id``, ``firstName`` + ``lastName``,
  ``emailAddress``, ``managerId``, ``active``. A user without ``managerId`` (the top of the
  hierarchy) is quarantined as ``missing_value:manager_id`` unless the option
  ``top_manager_id`` names who they report to.
* ``/v2/calls/extensive`` -> **calls**: ``calls[].metaData`` ``id``, ``started`` (ISO-8601
  with offset), ``duration`` (seconds), ``primaryUserId`` (the rep), ``title``,
  ``direction``; the opportunity is the first ``context[].objects[]`` with ``objectType``
  ``Opportunity`` (its ``objectId``; Salesforce ids are written in their 18-character
  form, so they join a Salesforce Opportunity export).
* ``/v2/calls/transcript`` -> **utterances**: ``callTranscripts[]`` ``callId``,
  ``transcript[]`` (a monologue: ``speakerId``, ``sentences[]`` with ``start``/``end`` in
  ms and ``text``); ``seq`` counts the call's sentences in order; ``speaker_name`` is the
  party's name (else the ``speakerId``). The role comes from the
  speaker's party in the calls export (option ``calls``: ``parties[]`` ``speakerId``,
  ``affiliation`` ``Internal`` -> rep, ``External`` -> prospect, ``Unknown`` -> other)
  unless ``speaker_roles`` maps the ``speakerId``; a speaker in neither is kept with an
  empty role (``missing_value:speaker_role``).
* ``/v2/stats/activity/scorecards`` -> **scores**: ``answeredScorecards[]`` ``callId``,
  ``reviewerUserId``, ``reviewTime``, ``answers[]`` ``questionId``, ``score``,
  ``answerText``. The option ``criteria`` (a YAML file or inline) maps question ids to rubric
  criteria; a question mapped to ``null`` is deliberately not a criterion (e.g. the overall
  question) and is not written; an unmapped question is written as criterion
  ``gong_question:<id>`` and quarantined as ``unknown_criterion``; a ``notApplicable``
  answer has no score and is not written. Manual reviews are ``human`` scores, scorecards
  Gong filled automatically (``reviewMethod`` ``AUTOMATIC``) ``external``.

Gong ids are 64-bit integers, sometimes written as JSON numbers: they are read exactly
(Python's JSON keeps every digit) and written as text.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from salesassess.adapters.base import AdapterError, Source, json_pages, row, text
from salesassess.adapters.salesforce import id18

AFFILIATION_ROLES = {"internal": "rep", "external": "prospect", "unknown": "other"}


def _pages(source: Source, items: str):
    return json_pages(source.files(".json"), items)


def users(source: Source) -> Iterator[dict]:
    top = source.options.get("top_manager_id")
    people = list(_pages(source, "users"))
    names = {text(user.get("id")): _name(user) for _, _, user in people}
    for path, record, user in people:
        manager = text(user.get("managerId")) or (text(top) if top else None)
        yield row(
            "reps",
            path,
            record,
            None if manager else "no managerId (set top_manager_id for the top of the hierarchy)",
            rep_id=user.get("id"),
            rep_name=_name(user),
            manager_id=manager,
            manager_name=names.get(manager),
            email=user.get("emailAddress"),
            active=user.get("active"),
        )


def _name(user: dict) -> str | None:
    name = " ".join(part for part in (user.get("firstName"), user.get("lastName")) if part)
    return name or None


def _opportunity(call: dict) -> str | None:
    for context in call.get("context") or []:
        for item in (context or {}).get("objects") or []:
            if str((item or {}).get("objectType", "")).lower() == "opportunity":
                value = text(item.get("objectId"))
                return (
                    id18(value) if str(context.get("system", "")).lower() == "salesforce" else value
                )
    return None


def calls(source: Source) -> Iterator[dict]:
    for path, record, call in _pages(source, "calls"):
        meta = call.get("metaData")
        if not isinstance(meta, dict):
            raise AdapterError(path, "call_metadata", "a call has no metaData object", record)
        yield row(
            "calls",
            path,
            record,
            call_id=meta.get("id"),
            rep_id=meta.get("primaryUserId"),
            started_at=meta.get("started"),
            duration_s=meta.get("duration"),
            opportunity_id=_opportunity(call),
            title=meta.get("title"),
            direction=meta.get("direction"),
        )


def _party_roles(source: Source) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(call id, speakerId) -> (role, name) from the calls export's parties."""
    folder = source.option_path("calls")
    if folder is None:
        return {}
    roles = {}
    calls_source = Source("calls", "gong", folder, config_file=source.config_file)
    for _, _, call in _pages(calls_source, "calls"):
        call_id = text((call.get("metaData") or {}).get("id"))
        for party in call.get("parties") or []:
            role = AFFILIATION_ROLES.get(str(party.get("affiliation", "")).lower())
            if party.get("speakerId") is not None and role:
                roles[(call_id, text(party["speakerId"]))] = (role, text(party.get("name")))
    return roles


def transcripts(source: Source) -> Iterator[dict]:
    parties = _party_roles(source)
    mapped = {str(k): v for k, v in (source.options.get("speaker_roles") or {}).items()}
    for path, record, transcript in _pages(source, "callTranscripts"):
        call_id = text(transcript.get("callId"))
        seq = 0
        for turn, monologue in enumerate(transcript.get("transcript") or []):
            speaker = text(monologue.get("speakerId"))
            role, name = parties.get((call_id, speaker), (None, None))
            role = mapped.get(speaker or "") or role
            note = (
                None
                if role
                else (
                    f"no role for speakerId {speaker!r}: not a party of call {call_id!r} in the "
                    "calls export and not in speaker_roles"
                )
            )
            for position, sentence in enumerate(monologue.get("sentences") or []):
                seq += 1
                yield row(
                    "utterances",
                    path,
                    f"{record}.transcript[{turn}].sentences[{position}]",
                    note,
                    call_id=call_id,
                    seq=seq,
                    start_ms=sentence.get("start"),
                    end_ms=sentence.get("end"),
                    speaker_role=role,
                    text=sentence.get("text"),
                    speaker_name=name or speaker,
                )


def _criteria(source: Source) -> dict[str, str | None]:
    value = source.options.get("criteria")
    if isinstance(value, str):
        path = source.option_path("criteria")
        try:
            value = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise AdapterError(path, "criteria_file", str(error)) from None
        if isinstance(value, dict) and "questions" in value:
            value = value["questions"]
    if not isinstance(value, dict) or not value:
        raise AdapterError(
            source.config_file,
            "criteria_option",
            "scores from Gong need 'criteria': a mapping (or YAML file) questionId -> criterion",
        )
    return {str(question): (None if c is None else str(c)) for question, c in value.items()}


def scorecards(source: Source) -> Iterator[dict]:
    criteria = _criteria(source)
    for path, record, card in _pages(source, "answeredScorecards"):
        automatic = str(card.get("reviewMethod", "")).upper() == "AUTOMATIC"
        for position, answer in enumerate(card.get("answers") or []):
            question = text(answer.get("questionId"))
            if question in criteria and criteria[question] is None:
                continue  # mapped to null: deliberately not a rubric criterion
            if answer.get("notApplicable") is True:
                continue  # not applicable: no score was given
            known = question in criteria
            yield row(
                "scores",
                path,
                f"{record}.answers[{position}]",
                None if known else f"questionId {question} is not in the criteria mapping",
                call_id=card.get("callId"),
                criterion_id=criteria[question] if known else f"gong_question:{question}",
                score=answer.get("score"),
                scorer_id=card.get("reviewerUserId"),
                scorer_kind="external" if automatic else "human",
                scored_at=card.get("reviewTime"),
                note=answer.get("answerText"),
            )


KINDS = {"reps": users, "calls": calls, "utterances": transcripts, "scores": scorecards}
