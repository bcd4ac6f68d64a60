"""WebVTT speakers: Teams' voice spans, Zoom's ``Name: text`` prefixes, a per-file default.

Real exports (tests/fixtures/adapters/real, origin in its README): a Zoom cloud-recording
transcript (the first 20 cues of ahenshaw/zoom-transcript's sample), Microsoft Graph's
documented Teams transcript and webvtt-py's Teams and youtube-dl files. The cases a real
file does not hold (a sentence with a colon, a recurring label) are written in the test.
Expected values are read off the files by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from salesassess.landing.adapters import transcripts
from salesassess.landing.adapters.base import AdapterError, Source
from salesassess.landing.adapters.sources import translation_log
from salesassess.landing.ingest import ingest_kind, store_rubrics
from salesassess.method.rubric import load_rubrics
from tests.helpers import FIXTURES, SMALL_LANDING, pick, source

REAL = FIXTURES / "adapters" / "real"
ZOOM = REAL / "zoom" / "board_meeting.vtt"
ZOOM_ROLES = {
    "Scott Thompson": "rep",
    "Andrew Henshaw": "prospect",
    "mary": "prospect",
    "Scott Smith": "prospect",
}
COLUMNS = ("seq", "start_ms", "end_ms", "speaker_role", "speaker_name", "text", "source_record")


def webvtt(path: Path, **options) -> Source:
    return source("utterances", "webvtt", path, **options)


def zoom_shaped(folder: Path, name: str, *texts: str) -> Path:
    """A file in Zoom's layout (cue number, timing, ``text``): cue n runs n-1 to n seconds."""
    cues = "".join(
        f"{n}\n00:00:{n - 1:02d}.000 --> 00:00:{n:02d}.000\n{text}\n\n"
        for n, text in enumerate(texts, 1)
    )
    path = folder / name
    path.write_text(f"WEBVTT\n\n{cues}", encoding="utf-8")
    return path


# --- Zoom: "Name: text" in every cue Zoom attributes ---------------------------------------
def test_zoom_prefixes_name_every_attributed_cue_of_a_real_export():
    spec = webvtt(ZOOM, speaker_roles=ZOOM_ROLES)
    rows = list(transcripts.webvtt(spec))
    assert pick(rows, *COLUMNS) == [
        ("1", "1520", "7540", "rep", "Scott Thompson",
         "Alright. Okay, so it is recording. But I'm gonna go upstairs and see if I can dump "
         "the other stuff.", "line 4"),
        ("2", "8740", "17519", "rep", "Scott Thompson",
         "He'll be out in a minute, and he just he just took a phone call. What time it is "
         "he's got 5\u00a0min. So we're good. Alright, I will let you know. I'll text you.",
         "line 8"),
        ("3", "18100", "19280", "prospect", "Andrew Henshaw", "Thank you.", "line 12"),
        ("4", "30820", "31710", "prospect", "Andrew Henshaw", "Okay.", "line 16"),
        ("5", "70370", "71110", "rep", "Scott Thompson", "yeah.", "line 20"),
        ("6", "75400", "77080", "rep", "Scott Thompson", "okay, we are working.", "line 24"),
        ("7", "103190", "104090", "rep", "Scott Thompson", "They're not.", "line 28"),
        # a display name in lower case, said once: taken because speaker_roles names it
        ("8", "119270", "120180", "prospect", "mary", "Oh.", "line 32"),
        ("9", "125150", "125830", "rep", "Scott Thompson", "oh.", "line 36"),
        # Zoom attributed this cue to no one: it is not given the previous cue's speaker
        ("10", "136760", "137540", None, None, "about.", "line 40"),
        ("11", "157680", "159490", "rep", "Scott Thompson", "think we got a full house? No.",
         "line 44"),
        ("12", "162270", "163330", "prospect", "Andrew Henshaw", "let's see", "line 48"),
        ("13", "164760", "169559", "prospect", "Andrew Henshaw",
         "1, 2, 3, 4, 5, 6. Yeah, that's right.", "line 52"),
        ("14", "169750", "171529", "rep", "Scott Thompson", "So we're gonna get today.",
         "line 56"),
        ("15", "174260", "178610", "rep", "Scott Thompson",
         "Let me know when you all want to get started. We have right on the number.",
         "line 60"),
        ("16", "179520", "181659", "prospect", "Andrew Henshaw",
         "because all 6 people I'm ready.", "line 64"),
        ("17", "181930", "184469", "rep", "Scott Thompson",
         "Alright. This meeting is called to order.", "line 68"),
        # two spaces after the colon in the export
        ("18", "186610", "195599", "rep", "Scott Thompson",
         "we did. We got a roll call. So do we want to approve the November minutes. That was "
         "the last one that has not been approved yet. Right?", "line 72"),
        ("19", "196280", "197040", "prospect", "Andrew Henshaw", "Right?", "line 76"),
        ("20", "199180", "201560", "prospect", "Scott Smith", "We have a second. I read Urban",
         "line 80"),
    ]  # fmt: skip
    assert (
        rows[9]["adapter_note"] == "no speaker-role mapping for speaker '' of call 'board_meeting'"
    )
    assert all(r["call_id"] == "board_meeting" for r in rows)
    log = translation_log(spec, rows)
    assert [(e["records_read"], e["records_written"], e["rows_written"]) for e in log] == [
        (20, 20, 20)
    ]


def test_an_unmapped_prefix_names_a_speaker_only_when_it_recurs():
    rows = list(transcripts.webvtt(webvtt(ZOOM)))
    named = {(r["speaker_name"], r["text"]) for r in rows}
    # 11 cues begin "Scott Thompson: " (1, 2, 5-7, 9, 11, 14, 15, 17, 18), 6 "Andrew Henshaw: "
    assert sum(r["speaker_name"] == "Scott Thompson" for r in rows) == 11
    assert sum(r["speaker_name"] == "Andrew Henshaw" for r in rows) == 6
    # "mary: " and "Scott Smith: " begin one cue each: their text is kept whole
    assert (None, "mary: Oh.") in named
    assert (None, "Scott Smith: We have a second. I read Urban") in named
    assert sum(r["speaker_name"] is None for r in rows) == 3
    assert {r["speaker_role"] for r in rows} == {None}


# --- Teams: the voice span -------------------------------------------------------------------
def test_teams_voice_spans_name_the_speaker_and_a_colon_after_them_is_text(tmp_path):
    teams = [REAL / "webvtt" / "graph_calltranscript.vtt", REAL / "webvtt" / "teams_timeframe.vtt"]
    rows = [row for path in teams for row in transcripts.webvtt(webvtt(path))]
    assert pick(rows, "call_id", "start_ms", "end_ms", "speaker_name", "text") == [
        ("graph_calltranscript", "0", "5320", "User Name", "This is a transcript test."),
        ("teams_timeframe", "0", "570", "Yuri Bakulin", "There you go."),
        ("teams_timeframe", "210", "1130", "Adrian Petrescu", "Why hello there, Yuri."),
    ]
    voiced = tmp_path / "v1.vtt"
    voiced.write_text(
        "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Ana Silva>Note: the price is 5</v>\n\n"
        "00:01.000 --> 00:02.000\n<v Ana Silva>Note: and the term is 12 months</v>\n"
    )
    assert pick(list(transcripts.webvtt(webvtt(voiced))), "speaker_name", "text") == [
        ("Ana Silva", "Note: the price is 5"),
        ("Ana Silva", "Note: and the term is 12 months"),
    ]


# --- sentences with a colon ------------------------------------------------------------------
def test_a_sentence_with_a_colon_is_not_split(tmp_path):
    path = zoom_shaped(
        tmp_path,
        "c7.vtt",
        "Ana Silva: Thanks for joining.",
        "So the answer is: yes",
        "Note: the price is 5",
        "Time: 10:30 works for us",
        "Jane Doe (Acme): Price: 5 per seat, right?",
        "Ana Silva: Right: 5 per seat.",
        "Jane Doe (Acme): Good.",
        "see https://example.com/pricing",
        "10:30 Meeting: the next one",
    )
    rows = list(transcripts.webvtt(webvtt(path)))
    assert pick(rows, "seq", "start_ms", "end_ms", "speaker_name", "text") == [
        ("1", "0", "1000", "Ana Silva", "Thanks for joining."),
        ("2", "1000", "2000", None, "So the answer is: yes"),
        ("3", "2000", "3000", None, "Note: the price is 5"),
        ("4", "3000", "4000", None, "Time: 10:30 works for us"),
        # only the first colon can end a speaker label
        ("5", "4000", "5000", "Jane Doe (Acme)", "Price: 5 per seat, right?"),
        ("6", "5000", "6000", "Ana Silva", "Right: 5 per seat."),
        ("7", "6000", "7000", "Jane Doe (Acme)", "Good."),
        ("8", "7000", "8000", None, "see https://example.com/pricing"),
        ("9", "8000", "9000", None, "10:30 Meeting: the next one"),
    ]
    # a label that recurs but is no name (a digit first, more than five words) stays text;
    # a user name as Zoom shows it (jb_ad) is a name
    labels = zoom_shaped(
        tmp_path,
        "c8.vtt",
        "2 options: A",
        "2 options: B",
        "and then what we said in the call: yes",
        "and then what we said in the call: no",
        "jb_ad: Yeah.",
        "jb_ad: Okay.",
    )
    assert pick(list(transcripts.webvtt(webvtt(labels))), "speaker_name", "text") == [
        (None, "2 options: A"),
        (None, "2 options: B"),
        (None, "and then what we said in the call: yes"),
        (None, "and then what we said in the call: no"),
        ("jb_ad", "Yeah."),
        ("jb_ad", "Okay."),
    ]
    # the mapping names a label said once
    mapped = list(transcripts.webvtt(webvtt(path, speaker_roles={"Note": "other"})))
    assert pick(mapped, "speaker_role", "speaker_name", "text")[2] == (
        "other",
        "Note",
        "the price is 5",
    )
    # call_speaker_roles names it for the call
    per_call = webvtt(path, call_speaker_roles={"c7": {"Time": "other"}})
    assert pick(list(transcripts.webvtt(per_call)), "speaker_name", "text")[3] == (
        "Time",
        "10:30 works for us",
    )


def test_speaker_prefix_off_keeps_every_cue_text_whole():
    # `speaker_prefix: off` in a sources.yaml reads as false; "off" is the same
    for off in (False, "off"):
        rows = list(transcripts.webvtt(webvtt(ZOOM, speaker_roles=ZOOM_ROLES, speaker_prefix=off)))
        assert len(rows) == 20
        assert {r["speaker_name"] for r in rows} == {None}
        assert rows[0]["text"] == (
            "Scott Thompson: Alright. Okay, so it is recording. But I'm gonna go upstairs and "
            "see if I can dump the other stuff."
        )
        assert rows[7]["text"] == "mary: Oh."
    auto = list(transcripts.webvtt(webvtt(ZOOM, speaker_roles=ZOOM_ROLES, speaker_prefix="auto")))
    assert sum(r["speaker_name"] is not None for r in auto) == 19
    with pytest.raises(AdapterError, match=r"rule speaker_prefix_option: speaker_prefix is auto"):
        list(transcripts.webvtt(webvtt(ZOOM, speaker_prefix="always")))


# --- the per-file default ----------------------------------------------------------------
def test_default_speaker_names_the_cues_no_voice_or_prefix_names():
    youtube = REAL / "webvtt" / "youtube_dl.vtt"  # captions without speakers
    spec = webvtt(youtube, default_speaker="Ana Silva", speaker_roles={"Ana Silva": "rep"})
    rows = list(transcripts.webvtt(spec))
    assert pick(rows, "start_ms", "speaker_role", "speaker_name", "text") == [
        ("286070", "rep", "Ana Silva", "yeah"),
        ("286470", "rep", "Ana Silva", "yeah what"),
        ("304080", "rep", "Ana Silva", "this will happen is I'm telling"),
        ("305069", "rep", "Ana Silva", "this will happen is I'm telling"),
    ]
    # per file: {call id: name}; a file it does not list keeps no speaker; prefixes still win
    per_file = {"board_meeting": "Scott Thompson", "other_call": "Ana Silva"}
    rows = list(
        transcripts.webvtt(webvtt(ZOOM, speaker_roles=ZOOM_ROLES, default_speaker=per_file))
    )
    assert pick(rows, "speaker_role", "speaker_name", "text")[9] == (
        "rep",
        "Scott Thompson",
        "about.",
    )
    assert pick(rows, "speaker_name")[7:9] == [("mary",), ("Scott Thompson",)]
    unlisted = webvtt(youtube, default_speaker={"board_meeting": "Scott Thompson"})
    assert {r["speaker_name"] for r in transcripts.webvtt(unlisted)} == {None}
    with pytest.raises(AdapterError, match=r"rule default_speaker_option"):
        list(transcripts.webvtt(webvtt(youtube, default_speaker=["Ana Silva"])))


# --- end to end: a Zoom export through sources.yaml and the landing -------------------------
def test_a_zoom_export_lands_with_rep_and_prospect_roles(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESSMENT_ADAPTED_DIR", str(tmp_path / "adapted"))
    monkeypatch.delenv("ASSESSMENT_SOURCES", raising=False)
    landing = tmp_path / "landing"
    (landing / "exports" / "zoom").mkdir(parents=True)
    (landing / "exports" / "zoom" / ZOOM.name).write_bytes(ZOOM.read_bytes())
    (landing / "rubric.yaml").write_bytes((SMALL_LANDING / "rubric.yaml").read_bytes())
    (landing / "reps.csv").write_text("rep_id,rep_name,manager_id\nr1,Scott Thompson,m1\n")
    (landing / "calls.csv").write_text(
        "call_id,rep_id,started_at,duration_s\nboard_meeting,r1,2026-07-02T10:00:00+00:00,600\n"
    )
    (landing / "sources.yaml").write_text(
        yaml.safe_dump(
            {
                "utterances": {
                    "adapter": "webvtt",
                    "path": "exports/zoom/*.vtt",
                    "speaker_roles": ZOOM_ROLES,
                }
            }
        )
    )
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    store_rubrics(con, load_rubrics(landing), "2026-Q3")
    window = {"start": datetime(2026, 7, 1, tzinfo=UTC), "end": datetime(2026, 10, 1, tzinfo=UTC)}
    for kind in ("reps", "calls", "utterances"):
        ingest_kind(con, kind, landing, cycle="2026-Q3", **window)
    assert con.execute(
        "select rows_read, rows_accepted, rows_quarantined from raw.load_log "
        "where kind = 'utterances'"
    ).fetchall() == [(20, 19, 1)]
    assert con.execute(
        "select speaker_role, count(*) from raw.utterances group by 1 order by 1"
    ).fetchall() == [("prospect", 8), ("rep", 11)]
    # the one sentence quarantined is the cue Zoom attributed to no one
    assert con.execute(
        "select rule, raw_content ->> '$.source_record', raw_content ->> '$.text' "
        "from raw.quarantine"
    ).fetchall() == [("missing_value:speaker_role", "line 40", "about.")]
