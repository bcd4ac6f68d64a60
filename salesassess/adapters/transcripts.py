"""Transcript files -> utterances: WebVTT, AssemblyAI and Deepgram utterance JSON.

One file per call; the call id is the file name without its extension
(``c1.vtt`` -> ``c1``). Speakers become roles through a mapping: ``speaker_roles`` (for
every file; inline or a YAML file) and ``call_speaker_roles`` (``{call_id: {speaker:
role}}``, which wins for that call), roles ``rep``, ``prospect`` or ``other``. A speaker
the mapping does not name is kept with an empty role and a note, so the landing
quarantines the sentence as ``missing_value:speaker_role`` (file, line, rule) and the rest
of the transcript loads.

* **WebVTT** (W3C, https://www.w3.org/TR/webvtt1/): a ``WEBVTT`` header, then cues
  ``[id]`` / ``[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt [settings]`` / payload lines (Microsoft
  Teams writes them unpadded, ``0:0:5.320``; a fraction is decimal, ``0:0:6.1`` = 6,100
  ms); a line containing ``-->`` ends the cue before it even without a blank line; the
  speaker is the voice span ``<v Speaker>`` (``<v.loud Speaker>`` too; character
  references decoded, ``Far&#237;as`` = ``Farías``), other tags are removed and
  entities decoded; a cue with several voices gives one sentence per voice. ``NOTE``,
  ``STYLE`` and ``REGION`` blocks are skipped. A cue whose timing cannot be read keeps its
  text with an empty start (``missing_value:start_ms``).
* **AssemblyAI** (https://www.assemblyai.com/docs/speech-to-text/speaker-diarization):
  ``utterances[]`` with ``speaker`` (``"A"``), ``start``/``end`` in milliseconds, ``text``.
* **Deepgram** (https://developers.deepgram.com/docs/utterances,
  https://developers.deepgram.com/docs/diarization): ``results.utterances[]`` with
  ``speaker`` (an integer), ``start``/``end`` in seconds, ``transcript``. Transcribed
  without diarization an utterance has no ``speaker``: with ``multichannel=true`` each
  party has a channel and ``channel_roles`` (``{0: rep, 1: prospect}``) gives the role
  (speaker name ``channel 0``); ``default_speaker_role`` gives the role of a one-speaker
  recording; otherwise the role stays empty with a note saying how to get speakers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from salesassess.adapters.base import ROLES, AdapterError, Source, read_json, row

# [hours:]minutes:seconds.fraction; Teams writes them unpadded (0:0:5.320, 0:0:6.1)
_STAMP = r"(?:[0-9]+:)?[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]{1,3})?"
_TIMING = re.compile(rf"^\s*({_STAMP})\s+-->\s+({_STAMP})(?:\s|$)")
_CLOCK = re.compile(r"[0-9]+:[0-9]{2}")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]*)>")
_TAG = re.compile(r"</?[^>]*>")


class SpeakerRoles:
    """Speaker label -> role, for every call or for one call."""

    def __init__(self, source: Source):
        self.source = source
        self.every = self._mapping(source.options.get("speaker_roles"), "speaker_roles")
        calls = source.options.get("call_speaker_roles") or {}
        if isinstance(calls, str):
            calls = self._load(source.option_path("call_speaker_roles"))
        if not isinstance(calls, dict):
            raise AdapterError(
                source.config_file,
                "speaker_roles_option",
                "call_speaker_roles maps call id -> {speaker: role}",
            )
        self.per_call = {
            str(call): self._mapping(roles, f"call_speaker_roles.{call}")
            for call, roles in calls.items()
        }
        self.default = _role_option(
            source, "default_speaker_role", source.options.get("default_speaker_role")
        )

    def _load(self, path: Path | None) -> object:
        try:
            return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise AdapterError(path, "speaker_roles_file", str(error)) from None

    def _mapping(self, value: object, name: str) -> dict[str, str]:
        if isinstance(value, str):
            value = self._load(self.source.option_path(name.split(".")[0]))
        value = value or {}
        if not isinstance(value, dict):
            raise AdapterError(
                self.source.config_file, "speaker_roles_option", f"{name} maps speaker -> role"
            )
        for speaker, role in value.items():
            if role not in ROLES:
                raise AdapterError(
                    self.source.config_file,
                    "speaker_role_value",
                    f"{name}: speaker {speaker!r} has role {role!r}, not one of {', '.join(ROLES)}",
                )
        return {str(speaker): role for speaker, role in value.items()}

    def role(self, call_id: str, speaker: object) -> tuple[str | None, str | None]:
        label = "" if speaker is None else str(speaker)
        role = self.per_call.get(call_id, {}).get(label) or self.every.get(label) or self.default
        if role:
            return role, None
        return None, f"no speaker-role mapping for speaker {label!r} of call {call_id!r}"


def _utterance(call_id, path, record, seq, start, end, speaker, text, roles) -> dict:
    role, note = roles.role(call_id, speaker)
    return row(
        "utterances",
        path,
        record,
        note,
        call_id=call_id,
        seq=seq,
        start_ms=start,
        end_ms=end,
        speaker_role=role,
        text=text,
        speaker_name=speaker,
    )


def _vtt_ms(stamp: str) -> int:
    """Milliseconds of a cue timestamp; a fraction is decimal (``.1`` = 100 ms)."""
    parts = stamp.split(":")
    seconds, _, fraction = parts[-1].partition(".")
    hours = int(parts[0]) if len(parts) == 3 else 0
    millis = int(fraction.ljust(3, "0")) if fraction else 0
    return ((hours * 60 + int(parts[-2])) * 60 + int(seconds)) * 1000 + millis


def _voices(payload: str) -> list[tuple[str | None, str]]:
    """(speaker, text) per voice span of a cue payload (one unnamed span when none)."""
    spans = list(_VOICE.finditer(payload))
    if not spans:
        return [(None, payload)]
    pieces = []
    if payload[: spans[0].start()].strip():
        pieces.append((None, payload[: spans[0].start()]))
    for number, span in enumerate(spans):
        end = spans[number + 1].start() if number + 1 < len(spans) else len(payload)
        # a voice name's character references are text like the cue's (Far&#237;as)
        pieces.append((html.unescape(span.group(1)).strip(), payload[span.end() : end]))
    return pieces


def _cues(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """(index of the block's first line, block lines) per cue after the header: blocks end
    at a blank line, and a line containing ``-->`` after a cue's timing line starts the
    next cue (WebVTT: cue text never contains ``-->``; youtube-dl writes cues without a
    blank line between them). ``NOTE``, ``STYLE`` and ``REGION`` blocks are skipped."""
    number = 1
    while number < len(lines) and lines[number].strip():
        number += 1  # the header block (metadata lines under WEBVTT)
    while number < len(lines):
        if not lines[number].strip():
            number += 1
            continue
        start = number
        while number < len(lines) and lines[number].strip():
            number += 1
        block = lines[start:number]
        if re.match(r"^(NOTE|STYLE|REGION)([ \t]|$)", block[0]):
            continue
        timings = [i for i, line in enumerate(block) if "-->" in line]
        if len(timings) <= 1:
            yield start, block
            continue
        # the identifier lines before the first timing line belong to the first cue
        bounds = [0] + timings[1:] + [len(block)]
        for first, last in zip(bounds, bounds[1:], strict=False):
            yield start + first, block[first:last]


def webvtt(source: Source) -> Iterator[dict]:
    roles = SpeakerRoles(source)
    for path in source.files(".vtt"):
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        if not lines or not re.match(r"^WEBVTT([ \t].*)?$", lines[0]):
            raise AdapterError(path, "webvtt_header", "the first line must be WEBVTT", "line 1")
        call_id, seq = path.stem, 0
        for block_start, block in _cues(lines):
            source.read(path)
            timing_at = next((i for i, line in enumerate(block) if "-->" in line), None)
            if timing_at is None:  # a malformed timing line: the cue's text is kept
                timing_at = next((i for i, line in enumerate(block) if _CLOCK.search(line)), 0)
            timing = _TIMING.match(block[timing_at])
            start = _vtt_ms(timing.group(1)) if timing else None
            end = _vtt_ms(timing.group(2)) if timing else None
            payload = " ".join(line.strip() for line in block[timing_at + 1 :])
            record = f"line {block_start + timing_at + 1}"
            for speaker, words in _voices(payload):
                seq += 1
                item = _utterance(
                    call_id,
                    path,
                    record,
                    seq,
                    start,
                    end,
                    speaker,
                    html.unescape(_TAG.sub("", words)).strip(),
                    roles,
                )
                if timing is None:
                    item["adapter_note"] = f"unreadable cue timing {block[timing_at]!r}"
                yield item


def _json_utterances(source: Source, kind: str) -> Iterator[dict]:
    roles = SpeakerRoles(source)
    for path in source.files(".json"):
        document = read_json(path)
        if kind == "deepgram":
            utterances = ((document or {}).get("results") or {}).get("utterances")
            where = "results.utterances"
        else:
            utterances = (document or {}).get("utterances") if isinstance(document, dict) else None
            where = "utterances"
        if not isinstance(utterances, list):
            hint = (
                "request with utterances=true&diarize=true"
                if kind == "deepgram"
                else "request with speaker_labels: true"
            )
            raise AdapterError(path, "utterances_present", f"no {where} list ({hint})")
        for position, item in enumerate(utterances):
            record = f"{where}[{position}]"
            if not isinstance(item, dict):
                raise AdapterError(path, "json_object_item", "not a JSON object", record)
            if kind == "deepgram":
                start, end = (
                    round(value * 1000) if isinstance(value, int | float) else value
                    for value in (item.get("start"), item.get("end"))
                )
                text = item.get("transcript")
            else:
                start, end, text = item.get("start"), item.get("end"), item.get("text")
            source.read(path)
            if item.get("speaker") is None and kind == "deepgram":
                yield _undiarized(source, roles, path, record, position + 1, start, end, item, text)
                continue
            yield _utterance(
                path.stem, path, record, position + 1, start, end, item.get("speaker"), text, roles
            )


NO_SPEAKER = (
    "no speaker on the utterance (transcribed without diarization): request diarize=true, "
    "or multichannel=true with the option channel_roles {channel: role}, or set "
    "default_speaker_role for a one-speaker recording"
)


def _role_option(source: Source, name: str, value: object) -> str | None:
    if value in (None, ""):
        return None
    if value not in ROLES:
        raise AdapterError(
            source.config_file,
            "speaker_role_value",
            f"{name}: role {value!r} is not one of {', '.join(ROLES)}",
        )
    return str(value)


def _undiarized(source, roles, path, record, seq, start, end, item, text) -> dict:
    """A Deepgram utterance without ``speaker``: its ``channel``'s role (multichannel
    audio, one party per channel: option ``channel_roles``), else ``default_speaker_role``,
    else no role with a note saying how to get speakers."""
    channels = source.options.get("channel_roles") or {}
    if not isinstance(channels, dict):
        raise AdapterError(
            source.config_file, "speaker_roles_option", "channel_roles maps channel -> role"
        )
    channel = item.get("channel")
    role = _role_option(
        source, f"channel_roles.{channel}", channels.get(channel, channels.get(str(channel)))
    )
    name = f"channel {channel}" if role and channel is not None else None
    role = role or roles.default
    return row(
        "utterances",
        path,
        record,
        None if role else NO_SPEAKER,
        call_id=path.stem,
        seq=seq,
        start_ms=start,
        end_ms=end,
        speaker_role=role,
        text=text,
        speaker_name=name,
    )


def assemblyai(source: Source) -> Iterator[dict]:
    return _json_utterances(source, "assemblyai")


def deepgram(source: Source) -> Iterator[dict]:
    return _json_utterances(source, "deepgram")
