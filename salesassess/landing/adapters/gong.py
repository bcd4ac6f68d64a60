"""Gong API JSON exports (https://gong.app.gong.io/settings/api/documentation).

Every endpoint answers in cursor pages ``{"requestId", "records": {"totalRecords",
"currentPageSize", "currentPageNumber", "cursor"}, <items>}``; the pages saved as files
(one per file, or a JSON array of pages) are read as one, in ``currentPageNumber`` order.
A read of one object (``GET /v2/users/{id}``: ``{"requestId", "user": {...}}``,
``GET /v2/calls/{id}``: ``{"requestId", "call": {...}}``) is read as a page of that object.

* ``/v2/users`` -> **reps**: ``users[]`` ``id``, ``firstName`` + ``lastName``,
  ``emailAddress``, ``managerId``, ``active``. A user without ``managerId`` (the top of the
  hierarchy) is quarantined as ``missing_value:manager_id`` unless the option
  ``top_manager_id`` names who they report to.
* ``/v2/calls/extensive`` -> **calls**: ``calls[].metaData`` ``id``, ``started`` (ISO-8601
  with offset, or epoch seconds or milliseconds as in Gong's documented example: written
  as UTC), ``duration`` (seconds), ``primaryUserId`` (the rep), ``title``,
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
  Gong filled automatically (``reviewMethod`` ``AUTOMATIC``) ``external``. An answer
  given as text only (``answerText: "Good"``, no ``score``) takes its level from the
  question's ``answers`` mapping (``1002: {criterion: b, answers: {Good: 4, Poor: 2}}``,
  or ``answers:`` beside ``questions:`` in the criteria file for every question); a text
  without a level is kept without score (``missing_value:score``) with a note.

Synced tables (:mod:`salesassess.landing.adapters.tables`, CSV, Parquet or a DuckDB table): one row
per user, call (flat, the ``/v2/calls`` fields) or transcript sentence (``callId``,
``speakerId``, ``text``, ``start``, ``end``; a call's sentences ordered by ``start``);
``preset: fivetran`` maps Fivetran's ``users``, ``call`` and ``transcript`` columns
(``first_name``, ``primary_user_id``, ``call_id``, ``speaker_id``, ``sentence``, ...).

Gong ids are 64-bit integers, sometimes written as JSON numbers: they are read exactly
(Python's JSON keeps every digit) and written as text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from salesassess.landing.adapters import tables
from salesassess.landing.adapters.base import (
    AdapterError,
    Source,
    json_pages,
    manager_of,
    notes,
    row,
    text,
    timestamp_value,
)
from salesassess.landing.adapters.salesforce import id18

AFFILIATION_ROLES = {"internal": "rep", "external": "prospect", "unknown": "other"}
# the endpoints that read one object: page items -> the response's key for the object
SINGLE_OBJECTS = {"users": "user", "calls": "call"}


def _single(items: str):
    """The reader of a one-object response for ``items`` (see :data:`SINGLE_OBJECTS`)."""
    key = SINGLE_OBJECTS.get(items)
    if key is None:
        return None

    def single(document: dict) -> tuple[str, dict] | None:
        return (key, document[key]) if isinstance(document.get(key), dict) else None

    return single


def _pages(source: Source, items: str, *, count: bool = True):
    """(file, record, item) of the JSON pages, then of the synced tables (each row one
    item, columns mapped to the API's field names: :mod:`salesassess.landing.adapters.tables`)."""
    files = tables.files(source, ".json")
    pages = [p for p in files if p.suffix == ".json"]
    for path, record, item in json_pages(pages, items, single=_single(items)):
        if count:
            source.read(path)
        yield path, record, item
    for path in (p for p in files if tables.is_table(p)):
        for record, item in tables.records(source, path):
            yield path, record, item


def users(source: Source) -> Iterator[dict]:
    people = list(_pages(source, "users"))
    names = {text(user.get("id")): _name(user) for _, _, user in people}
    for path, record, user in people:
        manager, manager_note = manager_of(source, text(user.get("managerId")), "no managerId")
        yield row(
            "reps",
            path,
            record,
            manager_note,
            rep_id=user.get("id"),
            rep_name=_name(user),
            manager_id=manager,
            manager_name=names.get(manager),
            email=user.get("emailAddress"),
            active=user.get("active"),
        )


def _nested(value: object) -> object:
    """A nested field; a synced table (Airbyte's ``extensiveCalls``) may hold it as JSON
    text."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _name(user: dict) -> str | None:
    name = " ".join(part for part in (user.get("firstName"), user.get("lastName")) if part)
    return name or None


def _opportunity(call: dict) -> str | None:
    for context in _nested(call.get("context")) or []:
        for item in (context or {}).get("objects") or []:
            if str((item or {}).get("objectType", "")).lower() == "opportunity":
                value = text(item.get("objectId"))
                return (
                    id18(value) if str(context.get("system", "")).lower() == "salesforce" else value
                )
    return None


def calls(source: Source) -> Iterator[dict]:
    for path, record, call in _pages(source, "calls"):
        # /v2/calls/extensive nests the call in metaData; /v2/calls and a table are flat
        meta = _nested(call.get("metaData", call if "id" in call else None))
        if not isinstance(meta, dict):
            raise AdapterError(path, "call_metadata", "a call has no metaData object", record)
        started, started_note = timestamp_value(meta.get("started"))
        yield row(
            "calls",
            path,
            record,
            started_note,
            call_id=meta.get("id"),
            rep_id=meta.get("primaryUserId"),
            started_at=started,
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
    for _, _, call in _pages(calls_source, "calls", count=False):
        call_id = text((call.get("metaData") or {}).get("id"))
        for party in _nested(call.get("parties")) or []:
            role = AFFILIATION_ROLES.get(str(party.get("affiliation", "")).lower())
            if party.get("speakerId") is not None and role:
                roles[(call_id, text(party["speakerId"]))] = (role, text(party.get("name")))
    return roles


def _monologues(source: Source) -> Iterator[tuple[Path, str, str | None, list]]:
    """(file, record, call id, [(record, speakerId, sentence)]) per transcript: the JSON
    pages' monologues, or a synced table's rows (one sentence each: ``callId``,
    ``speakerId``, ``text``, ``start``, ``end``) grouped by call in (start, row) order."""
    files = tables.files(source, ".json")
    pages = [p for p in files if p.suffix == ".json"]
    for path, record, transcript in json_pages(pages, "callTranscripts"):
        sentences = []
        for turn, monologue in enumerate(transcript.get("transcript") or []):
            speaker = text(monologue.get("speakerId"))
            for position, sentence in enumerate(monologue.get("sentences") or []):
                where = f"{record}.transcript[{turn}].sentences[{position}]"
                sentences.append((where, speaker, sentence))
        source.read(path, len(sentences))
        yield path, record, text(transcript.get("callId")), sentences
    for path in (p for p in files if tables.is_table(p)):
        calls: dict[str | None, list] = {}
        for position, (record, item) in enumerate(tables.records(source, path, ("callId",))):
            order = _number(item.get("start"))
            calls.setdefault(text(item.get("callId")), []).append(
                (order, position, record, text(item.get("speakerId")), item)
            )
        for call_id, items in calls.items():
            items.sort(key=lambda entry: entry[:2])
            yield (
                path,
                "",
                call_id,
                [(record, speaker, item) for _, _, record, speaker, item in items],
            )


def _number(value: object) -> float:
    """A sentence's start for ordering; one without a readable start goes last."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("inf")


def transcripts(source: Source) -> Iterator[dict]:
    parties = _party_roles(source)
    mapped = {str(k): v for k, v in (source.options.get("speaker_roles") or {}).items()}
    for path, _, call_id, sentences in _monologues(source):
        for seq, (record, speaker, sentence) in enumerate(sentences, start=1):
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
            yield row(
                "utterances",
                path,
                record,
                note,
                call_id=call_id,
                seq=seq,
                start_ms=sentence.get("start"),
                end_ms=sentence.get("end"),
                speaker_role=role,
                text=sentence.get("text"),
                speaker_name=name or speaker,
            )


@dataclass(frozen=True)
class Question:
    """A scorecard question's rubric criterion (None: not a criterion) and the levels of
    its text answers (``answerText`` -> score, matched without case and outer spaces)."""

    criterion: str | None
    answers: dict[str, str]


def _answers(value: object, where: str, config: str) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise AdapterError(config, "criteria_option", f"{where}: answers maps text -> level")
    return {str(answer).strip().lower(): text(level) for answer, level in value.items()}


def _criteria(source: Source) -> dict[str, Question]:
    """questionId -> :class:`Question`. The option maps a question to a criterion id,
    ``null``, or ``{criterion: id, answers: {text: level}}``; a criteria file may hold
    ``questions:`` and ``answers:`` (text levels shared by every question)."""
    value = source.options.get("criteria")
    shared: dict[str, str] = {}
    if isinstance(value, str):
        path = source.option_path("criteria")
        try:
            value = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise AdapterError(path, "criteria_file", str(error)) from None
        if isinstance(value, dict) and "questions" in value:
            shared = _answers(value.get("answers"), "answers", str(path))
            value = value["questions"]
    if not isinstance(value, dict) or not value:
        raise AdapterError(
            source.config_file,
            "criteria_option",
            "scores from Gong need 'criteria': a mapping (or YAML file) questionId -> criterion",
        )
    questions = {}
    for question, entry in value.items():
        if isinstance(entry, dict):
            criterion = entry.get("criterion")
            answers = {
                **shared,
                **_answers(entry.get("answers"), str(question), source.config_file),
            }
        else:
            criterion, answers = entry, shared
        questions[str(question)] = Question(None if criterion is None else str(criterion), answers)
    return questions


def _score(answer: dict, question: Question | None, question_id) -> tuple[str | None, str | None]:
    """The answer's ``score``, else its ``answerText``'s level, with a note when neither."""
    score = text(answer.get("score"))
    if score is not None:
        return score, None
    said = text(answer.get("answerText"))
    if said is None:
        return None, None
    level = (question.answers if question else {}).get(said.strip().lower())
    if level is not None:
        return level, None
    return None, (
        f"answerText {said!r} of questionId {question_id} has no score and no level in the "
        "criteria's answers mapping"
    )


def scorecards(source: Source) -> Iterator[dict]:
    criteria = _criteria(source)
    for path, record, card in _pages(source, "answeredScorecards", count=False):
        automatic = str(card.get("reviewMethod", "")).upper() == "AUTOMATIC"
        for position, answer in enumerate(card.get("answers") or []):
            source.read(path)
            question_id = text(answer.get("questionId"))
            question = criteria.get(question_id)
            if question is not None and question.criterion is None:
                source.skip(path, "not_a_criterion")
                continue  # mapped to null: deliberately not a rubric criterion
            if answer.get("notApplicable") is True:
                source.skip(path, "not_applicable")
                continue  # not applicable: no score was given
            score, score_note = _score(answer, question, question_id)
            unknown = (
                None if question else f"questionId {question_id} is not in the criteria mapping"
            )
            yield row(
                "scores",
                path,
                f"{record}.answers[{position}]",
                notes(unknown, score_note),
                call_id=card.get("callId"),
                criterion_id=question.criterion if question else f"gong_question:{question_id}",
                score=score,
                scorer_id=card.get("reviewerUserId"),
                scorer_kind="external" if automatic else "human",
                scored_at=card.get("reviewTime"),
                note=answer.get("answerText"),
            )


KINDS = {"reps": users, "calls": calls, "utterances": transcripts, "scores": scorecards}
