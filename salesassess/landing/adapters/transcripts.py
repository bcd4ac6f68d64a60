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
  ms); a line containing ``-->`` ends the cue before it even without a blank line; other
  tags are removed and entities decoded. ``NOTE``, ``STYLE`` and ``REGION`` blocks are
  skipped. A cue whose timing cannot be read keeps its text with an empty start
  (``missing_value:start_ms``). A cue's speaker, in this order:

  1. its voice span ``<v Speaker>`` (Teams; ``<v.loud Speaker>`` too; character
     references decoded, ``Far&#237;as`` = ``Farías``); a cue with several voices gives
     one sentence per voice;
  2. else Zoom's ``Speaker: text`` prefix, taken off the text, when the prefix is a name
     the speaker-role mapping gives for the call, or looks like a name (1-5 words of
     letters, digits, ``'``, ``.``, ``-``, ``_``, the first starting with a letter, an
     optional ``(suffix)``, at most 60 characters) and begins at least two cues of the
     file. So ``mary: Oh.`` and ``jb_ad: Yeah.`` are speakers, and a sentence with a colon
     (``So the answer is: yes``, ``Note: the price is 5``) keeps its text unless that
     prefix recurs or is mapped. Option ``speaker_prefix: off`` (``false``) never takes a
     prefix. Zoom names the speaker in every cue it attributes, so a cue without a prefix
     is not given the previous cue's speaker;
  3. else option ``default_speaker``: a name for every file (a one-speaker recording, a
     caption file without names) or ``{call_id: name}`` per file;
  4. else none: the sentence is quarantined (``missing_value:speaker_role``).
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
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import yaml

from salesassess.landing.adapters.base import ROLES, AdapterError, Source, read_json, row

# [hours:]minutes:seconds.fraction; Teams writes them unpadded (0:0:5.320, 0:0:6.1)
_STAMP = r"(?:[0-9]+:)?[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]{1,3})?"
_TIMING = re.compile(rf"^\s*({_STAMP})\s+-->\s+({_STAMP})(?:\s|$)")
_CLOCK = re.compile(r"[0-9]+:[0-9]{2}")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]*)>")
_TAG = re.compile(r"</?[^>]*>")
# Zoom's ``Speaker: text``: the text before the first colon that a space or the end follows
_PREFIX = re.compile(r"^([^:]{1,60}):(?:\s+|$)")
# a display name: 1-5 words, the first starting with a letter, an optional (suffix)
_NAME = re.compile(r"[^\W\d_][\w'’.-]*(?: [\w'’.-]+){0,4}(?: \([^():]{1,30}\))?")
PREFIX_REPEATS = 2  # cues a prefix must begin to name a speaker, unless the mapping names it


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

    def names(self, call_id: str) -> set[str]:
        """The speakers the mapping gives a role in call ``call_id``."""
        return set(self.every) | set(self.per_call.get(call_id, {}))

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


class CueSpeakers:
    """Who speaks a WebVTT cue without a voice span: Zoom's ``Speaker: `` prefix (option
    ``speaker_prefix``: ``auto``, ``off``) or the file's ``default_speaker`` (see the
    module doc)."""

    def __init__(self, source: Source, roles: SpeakerRoles):
        mode = source.options.get("speaker_prefix", "auto")
        if mode not in ("auto", "off", True, False, None):  # YAML reads a bare off as false
            raise AdapterError(
                source.config_file,
                "speaker_prefix_option",
                f"speaker_prefix is auto or off, not {mode!r}",
            )
        self.take_prefixes = mode not in ("off", False)
        default = source.options.get("default_speaker")
        if not isinstance(default, str | dict | None):
            raise AdapterError(
                source.config_file,
                "default_speaker_option",
                "default_speaker is a speaker name or maps call id -> speaker name",
            )
        self.default = default if isinstance(default, str) and default else None
        self.per_call = (
            {str(call): str(name) for call, name in default.items() if name not in (None, "")}
            if isinstance(default, dict)
            else {}
        )
        self.roles = roles

    def prefixes(self, call_id: str, texts: list[str]) -> set[str]:
        """The prefixes of a file's unvoiced cue ``texts`` that name their speaker: one the
        mapping names, or one shaped like a name that begins ``PREFIX_REPEATS`` cues."""
        if not self.take_prefixes:
            return set()
        counts = Counter(match.group(1) for text in texts if (match := _PREFIX.match(text)))
        mapped = self.roles.names(call_id)
        return {
            prefix
            for prefix, count in counts.items()
            if prefix in mapped or (count >= PREFIX_REPEATS and _NAME.fullmatch(prefix))
        }

    def speaker(
        self, call_id: str, voice: str | None, text: str, prefixes: set[str]
    ) -> tuple[str | None, str]:
        """(speaker, text) of a cue's sentence: its voice, else its prefix (taken off the
        text) when ``prefixes`` holds it, else the default speaker."""
        if voice is not None:
            return voice, text
        if (match := _PREFIX.match(text)) and match.group(1) in prefixes:
            return match.group(1), text[match.end() :]
        return self.per_call.get(call_id, self.default), text


class _Cue(NamedTuple):
    record: str  # the timing line: "line 4"
    start: int | None
    end: int | None
    unreadable: str | None  # the timing line when it cannot be read
    voices: list[tuple[str | None, str]]  # (voice name, text without tags)


def _cue(block_start: int, block: list[str]) -> _Cue:
    timing_at = next((i for i, line in enumerate(block) if "-->" in line), None)
    if timing_at is None:  # a malformed timing line: the cue's text is kept
        timing_at = next((i for i, line in enumerate(block) if _CLOCK.search(line)), 0)
    timing = _TIMING.match(block[timing_at])
    payload = " ".join(line.strip() for line in block[timing_at + 1 :])
    return _Cue(
        f"line {block_start + timing_at + 1}",
        _vtt_ms(timing.group(1)) if timing else None,
        _vtt_ms(timing.group(2)) if timing else None,
        None if timing else block[timing_at],
        [(voice, html.unescape(_TAG.sub("", words)).strip()) for voice, words in _voices(payload)],
    )


def webvtt(source: Source) -> Iterator[dict]:
    roles = SpeakerRoles(source)
    speakers = CueSpeakers(source, roles)
    for path in source.files(".vtt"):
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        if not lines or not re.match(r"^WEBVTT([ \t].*)?$", lines[0]):
            raise AdapterError(path, "webvtt_header", "the first line must be WEBVTT", "line 1")
        call_id, seq = path.stem, 0
        cues = [_cue(block_start, block) for block_start, block in _cues(lines)]
        unvoiced = [text for cue in cues for voice, text in cue.voices if voice is None]
        prefixes = speakers.prefixes(call_id, unvoiced)
        for cue in cues:
            source.read(path)
            for voice, words in cue.voices:
                seq += 1
                speaker, text = speakers.speaker(call_id, voice, words, prefixes)
                item = _utterance(
                    call_id, path, cue.record, seq, cue.start, cue.end, speaker, text, roles
                )
                if cue.unreadable is not None:
                    item["adapter_note"] = f"unreadable cue timing {cue.unreadable!r}"
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
