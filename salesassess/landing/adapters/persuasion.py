"""PersuasionForGood: 1,017 real typed persuasion dialogues with their real outcome.

Wang et al., "Persuasion for Good: Towards a Personalized Persuasive Dialogue System for
Social Good", ACL 2019 (https://arxiv.org/abs/1906.06725), data/FullData, Apache License
2.0. Two crowd workers chat: the persuader (role 0) asks the persuadee (role 1) to give
part of the task payment to Save the Children; ``full_info.csv`` records the donation each
made after the chat (column B6).

The adapter reads the dataset folder (``full_dialog.csv``: B2 dialogue, B4 role, Turn,
Unit = one sentence; ``full_info.csv``: B2, B3 user, B4 role, B6 donation) and maps it onto
the landing contract:

* **reps**: every persuader (``B3`` of role 0) is a rep (``rep_id`` = the user id). Their
  manager is assigned deterministically by hashing the user id:
  ``manager_id = "manager_" + str(crc32(rep_id) % managers + 1)`` (option ``managers``,
  default 8), so a rep keeps their manager whatever subset is read.
* **calls**: a dialogue is a call (``call_id`` = ``opportunity_id`` = the dialogue id),
  led by its persuader. The dialogues carry no usable time, so they are spread
  deterministically over one quarter (option ``quarter``, default ``2026-Q3``): ordered by
  the collection time written in their id (``20180904-045349_...``, a ``BAD_`` prefix
  ignored; ties by id), the dialogue of rank ``k`` (0-based) of ``n`` starts at
  ``quarter start + floor(k * quarter seconds / n)`` seconds, UTC.
* **utterances**: one per sentence (``Unit``), in file order within the dialogue (which
  follows ``Turn``); ``seq`` = 1, 2, ... The chats have no timestamps, so monotonic ones
  are derived from turn order: sentence ``seq`` starts at ``(seq - 1) * ms_per_sentence``
  and ends at ``seq * ms_per_sentence`` (option ``ms_per_sentence``, default 15,000 ms);
  the call lasts ``sentences * ms_per_sentence`` ms. Role 0 is ``rep``, role 1
  ``prospect``; ``speaker_name`` is the user id.
* **opportunities**: one per dialogue, owned by its persuader, created and closed on the
  call's date; ``is_won`` = the persuadee's donation > 0, ``amount`` = that donation.

Option ``dialogues: N`` reads the first N dialogues of that order (a deterministic subset).
"""

from __future__ import annotations

import csv
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from salesassess.landing.adapters.base import AdapterError, Source, row

DIALOG_FILE = "full_dialog.csv"
INFO_FILE = "full_info.csv"
ROLES = {"0": "rep", "1": "prospect"}
DEFAULTS = {"quarter": "2026-Q3", "managers": 8, "ms_per_sentence": 15_000}
_COLLECTED = re.compile(r"^(?:BAD_)?([0-9]{8}-[0-9]{6})")


@dataclass(frozen=True)
class Sentence:
    record: str
    role: str
    text: str


@dataclass
class Dialogue:
    dialogue_id: str
    sentences: list[Sentence]
    persuader: str | None = None
    persuadee: str | None = None
    donation: str | None = None  # the persuadee's, as written in full_info.csv
    info_record: str = ""  # the persuadee's row of full_info.csv
    persuader_record: str = ""  # the persuader's row of full_info.csv
    started_at: datetime | None = None


def quarter_window(quarter: str, file: str) -> tuple[datetime, datetime]:
    match = re.fullmatch(r"([0-9]{4})-Q([1-4])", str(quarter))
    if not match:
        raise AdapterError(file, "quarter_option", f"quarter must look like 2026-Q3: {quarter!r}")
    year, number = int(match.group(1)), int(match.group(2))
    start = datetime(year, 3 * number - 2, 1, tzinfo=UTC)
    end = datetime(year + (number == 4), 1 if number == 4 else 3 * number + 1, 1, tzinfo=UTC)
    return start, end


def manager_of(rep_id: str, managers: int) -> str:
    return f"manager_{zlib.crc32(rep_id.encode('utf-8')) % managers + 1}"


def _order_key(dialogue_id: str) -> tuple[str, str]:
    match = _COLLECTED.match(dialogue_id)
    return (match.group(1) if match else dialogue_id, dialogue_id)


def _csv(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise AdapterError(path, "export_present", "missing from the dataset folder")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in required if name not in (reader.fieldnames or [])]
        if missing:
            raise AdapterError(path, "required_column", f"missing column(s) {', '.join(missing)}")
        yield from enumerate(reader, start=1)


def _option_int(source: Source, name: str) -> int:
    value = source.options.get(name, DEFAULTS.get(name))
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AdapterError(
            source.config_file,
            f"{name}_option",
            f"{name} must be a whole number >= 1, got {value!r}",
        )
    return value


def load(source: Source) -> list[Dialogue]:
    """The dialogues in start order, each with its sentences, people and donation."""
    folder = source.path
    dialog_file, info_file = folder / DIALOG_FILE, folder / INFO_FILE
    dialogues: dict[str, Dialogue] = {}
    for number, record in _csv(dialog_file, ("Unit", "Turn", "B4", "B2")):
        dialogue = dialogues.setdefault(record["B2"], Dialogue(record["B2"], []))
        dialogue.sentences.append(Sentence(f"row {number}", record["B4"], record["Unit"]))
    for number, record in _csv(info_file, ("B2", "B3", "B4", "B6")):
        dialogue = dialogues.get(record["B2"])
        if dialogue is None:
            continue  # a participant without a dialogue: no call to attach it to
        if record["B4"] == "0":
            dialogue.persuader = record["B3"]
            dialogue.persuader_record = f"row {number}"
        elif record["B4"] == "1":
            dialogue.persuadee = record["B3"]
            dialogue.donation = record["B6"]
            dialogue.info_record = f"row {number}"
    ordered = sorted(dialogues.values(), key=lambda d: _order_key(d.dialogue_id))
    if "dialogues" in source.options:
        ordered = ordered[: _option_int(source, "dialogues")]
    start, end = quarter_window(
        source.options.get("quarter", DEFAULTS["quarter"]), source.config_file
    )
    span = int((end - start).total_seconds())
    for rank, dialogue in enumerate(ordered):
        dialogue.started_at = start + timedelta(seconds=rank * span // len(ordered))
    return ordered


def reps(source: Source) -> Iterator[dict]:
    managers = _option_int(source, "managers")
    info = source.path / INFO_FILE
    seen: set[str] = set()
    for dialogue in load(source):
        rep_id = dialogue.persuader
        if rep_id is None or rep_id in seen:
            continue
        seen.add(rep_id)
        yield row(
            "reps",
            info,
            dialogue.persuader_record,
            rep_id=rep_id,
            rep_name=f"Persuader {rep_id}",
            manager_id=manager_of(rep_id, managers),
        )


def calls(source: Source) -> Iterator[dict]:
    step = _option_int(source, "ms_per_sentence")
    for dialogue in load(source):
        yield row(
            "calls",
            source.path / DIALOG_FILE,
            f"dialogue {dialogue.dialogue_id}",
            None if dialogue.persuader else "no persuader (role 0) in full_info.csv",
            call_id=dialogue.dialogue_id,
            rep_id=dialogue.persuader,
            started_at=dialogue.started_at.isoformat(),
            duration_s=len(dialogue.sentences) * step / 1000,
            opportunity_id=dialogue.dialogue_id,
            title="Save the Children donation chat",
            direction="outbound",
        )


def utterances(source: Source) -> Iterator[dict]:
    step = _option_int(source, "ms_per_sentence")
    dialog_file = source.path / DIALOG_FILE
    for dialogue in load(source):
        names = {"0": dialogue.persuader, "1": dialogue.persuadee}
        for seq, sentence in enumerate(dialogue.sentences, start=1):
            role = ROLES.get(sentence.role)
            yield row(
                "utterances",
                dialog_file,
                sentence.record,
                None if role else f"role B4={sentence.role!r} is neither 0 nor 1",
                call_id=dialogue.dialogue_id,
                seq=seq,
                start_ms=(seq - 1) * step,
                end_ms=seq * step,
                speaker_role=role,
                text=sentence.text,
                speaker_name=names.get(sentence.role),
            )


def opportunities(source: Source) -> Iterator[dict]:
    for dialogue in load(source):
        day: date = dialogue.started_at.date()
        try:
            donation = float(dialogue.donation) if dialogue.donation else None
        except ValueError:
            donation = None
        note = None
        if donation is None:
            note = f"no readable persuadee donation (B6={dialogue.donation!r})"
        yield row(
            "opportunities",
            source.path / INFO_FILE,
            dialogue.info_record or f"dialogue {dialogue.dialogue_id}",
            note,
            opportunity_id=dialogue.dialogue_id,
            owner_rep_id=dialogue.persuader,
            created_at=day.isoformat(),
            close_date=day.isoformat(),
            is_closed=True,
            is_won=None if donation is None else donation > 0,
            stage=None if donation is None else ("donated" if donation > 0 else "declined"),
            amount=dialogue.donation,
            account_id=dialogue.persuadee,
        )


KINDS = {"reps": reps, "calls": calls, "utterances": utterances, "opportunities": opportunities}
