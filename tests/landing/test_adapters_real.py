"""Source adapters on exports of the shapes real systems write (tests/fixtures/adapters/real,
each file's origin in its README): encodings, Data Export and synced-table layouts, Teams
and youtube-dl WebVTT, Gong's and HubSpot's documented examples, Deepgram without
diarization. Expected values are read off the fixture files by hand; translations
reconcile per export file (records read = written + skipped), and through the real
ingestion every row lands in raw.<kind> or raw.quarantine.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from salesassess.landing.adapters import gong, hubspot, salesforce, transcripts
from salesassess.landing.adapters.__main__ import main as adapters_cli
from salesassess.landing.adapters.base import AdapterError, Source
from salesassess.landing.adapters.sources import translation_log
from salesassess.landing.adapters.transcripts import NO_SPEAKER
from salesassess.landing.ingest import ingest_kind, store_rubrics
from salesassess.method.rubric import load_rubrics
from tests.helpers import FIXTURES, SMALL_LANDING, pick, source

REAL = FIXTURES / "adapters" / "real"
EXPORT = REAL / "salesforce_data_export"
ANA, BEN, MARIA = "234599484848423", "234599484848424", "563515258458745"
CALL1, CALL2 = "7782342274025937895", "7782342274025937896"


def log_of(spec: Source, rows: list[dict]) -> list[tuple]:
    return [
        (Path(e["source_file"]).name, e["encoding"], e["records_read"], e["records_skipped"],
         e["records_written"], e["rows_written"])
        for e in translation_log(spec, rows)
    ]  # fmt: skip


# --- 1, 2, 3: a Salesforce Data Export in ISO-8859-1, no Name, blank IsClosed/IsWon ----------
def test_salesforce_data_export_in_latin1_builds_names_and_outcomes():
    # the bytes are ISO-8859-1: "Far\xedas", "Maga\xf1a" are single bytes
    assert b"Far\xedas" in (EXPORT / "User.csv").read_bytes()
    spec = source("reps", "salesforce", EXPORT / "User.csv")
    users = list(salesforce.users(spec))
    assert pick(users, "rep_id", "rep_name", "manager_id", "manager_name", "active") == [
        ("0055g00000CaRl0AAB", "Carlos Farías", "0055g00000MaGa1AAB", "Lucía Magaña", "true"),
        ("0055g00000MaGa1AAB", "Lucía Magaña", None, None, "true"),
        ("0055g00000NoNaMAAB", None, None, None, "false"),
    ]
    assert users[2]["adapter_note"] == (
        "no Name, FirstName or LastName; ManagerId empty: no manager (set top_manager_id for "
        "the top of the hierarchy)"
    )
    # detected: Windows-1252 (the ISO-8859-1 superset) wins the detector's tie
    assert log_of(spec, users) == [("User.csv", "cp1252", 3, {}, 3, 3)]
    named = source("reps", "salesforce", EXPORT / "User.csv", encoding="latin-1")
    assert pick(list(salesforce.users(named)), "rep_name")[:2] == [
        ("Carlos Farías",),
        ("Lucía Magaña",),
    ]
    assert named.log[str(EXPORT / "User.csv")]["encoding"] == "iso8859-1"

    spec = source("opportunities", "salesforce", EXPORT / "Opportunity.csv")
    rows = list(salesforce.opportunities(spec))
    assert pick(rows, "opportunity_id", "is_closed", "is_won", "stage", "adapter_note") == [
        ("0065g00000DeX01AAB", "true", "true", "Closed Won",
         "IsClosed and IsWon empty: derived from StageName 'Closed Won' (won)"),
        ("0065g00000DeX02AAB", "true", "false", "Closed Lost",
         "IsClosed and IsWon empty: derived from StageName 'Closed Lost' (lost)"),
        ("0065g00000DeX03AAB", "false", "false", "Prospecting",
         "IsClosed and IsWon empty: derived from StageName 'Prospecting' (open)"),
        ("0065g00000DeX04AAB", "true", "true", "Contrato firmado",
         "IsClosed and IsWon empty: derived from ForecastCategory 'Closed' (won)"),
        ("0065g00000DeX05AAB", None, None, "En pausa",
         "IsClosed and IsWon empty and StageName 'En pausa' is no known stage (map it with "
         "the option stages: won, lost or open)"),
        ("0065g00000DeX06AAB", "true", "true", "Closed Won", None),
    ]  # fmt: skip
    # row 7 has IsDeleted = 1 (in the recycle bin): skipped and counted
    assert log_of(spec, rows) == [("Opportunity.csv", "cp1252", 7, {"deleted": 1}, 6, 6)]
    mapped = source(
        "opportunities", "salesforce", EXPORT / "Opportunity.csv", stages={"En pausa": "open"}
    )
    assert pick(list(salesforce.opportunities(mapped))[4:5], "is_closed", "is_won") == [
        ("false", "false")
    ]
    with pytest.raises(AdapterError, match=r"rule stages_option"):
        list(salesforce.opportunities(source("o", "salesforce", EXPORT, stages={"x": "maybe"})))


# --- 4: synced tables: Fivetran's seeds as CSV, Parquet and a DuckDB table --------------------
def _as_parquet_and_duckdb(csv_file: Path, folder: Path, table: str) -> tuple[Path, Path]:
    parquet, database = folder / f"{csv_file.stem}.parquet", folder / "warehouse.duckdb"
    con = duckdb.connect(str(database))
    schema = table.split(".")[0]
    con.execute(f"create schema if not exists {schema}")
    con.execute(f"create table {table} as select * from read_csv($f)", {"f": str(csv_file)})
    con.execute(f"copy {table} to '{parquet}' (format parquet)")
    con.close()
    return parquet, database


def test_fivetran_salesforce_tables_skip_deleted_rows(tmp_path):
    users_csv = REAL / "fivetran_salesforce" / "sf_user_data.csv"
    parquet, database = _as_parquet_and_duckdb(users_csv, tmp_path, "salesforce.user")
    expected = [
        ("0051G00000600MlQAI", "Brandon Zinn", "tfjEwBIFrT7IKUXp/ObBNA==", "true"),
        ("0051G000005Mx8dQAC", "Eric Welsh", "TLZtnkcZltX8lijWYSQqRg==", "true"),
        ("00555000003F3Q6AAK", "Saurabh Kapadia", "TLZtnkcZltX8lijWYSQqRg==", "true"),
        ("00537000004jJQPAA2", "Nomadmktg Nomadmktg", "TLZtnkcZltX8lijWYSQqRg==", "true"),
    ]
    for path, options in (
        (users_csv, {}),
        (parquet, {}),
        (database, {"table": "salesforce.user"}),
    ):
        spec = source("reps", "salesforce", path, preset="fivetran", **options)
        rows = list(salesforce.users(spec))
        assert pick(rows, "rep_id", "rep_name", "manager_id", "active") == expected, path
        # the last 5 of the 10 users have _fivetran_deleted = true; Jodie Navarre's row is
        # a superseded version of Fivetran's history mode (_fivetran_active = false)
        assert log_of(spec, rows)[0][2:] == (10, {"deleted": 5, "history_inactive": 1}, 4, 4)
    opportunities = REAL / "fivetran_salesforce" / "sf_opportunity_data.csv"
    spec = source("opportunities", "salesforce", opportunities, preset="fivetran")
    # every opportunity of the seed has is_deleted = true
    assert list(salesforce.opportunities(spec)) == []
    assert log_of(spec, [])[0][2:] == (10, {"deleted": 10}, 0, 0)
    with pytest.raises(AdapterError, match=r"rule required_column: .*'columns', or set 'preset'"):
        list(salesforce.users(source("reps", "salesforce", users_csv)))
    with pytest.raises(AdapterError, match=r"rule table_option"):
        list(salesforce.users(source("reps", "salesforce", database, preset="fivetran")))
    with pytest.raises(AdapterError, match=r"rule preset_option: .*'stitch'"):
        list(salesforce.users(source("reps", "salesforce", users_csv, preset="stitch")))


def test_fivetran_hubspot_deal_table_and_a_single_deal_object():
    deals = REAL / "fivetran_hubspot" / "deal_data.csv"
    spec = source("opportunities", "hubspot", deals, preset="fivetran")
    rows = list(hubspot.deals(spec))
    assert pick(
        rows, "opportunity_id", "owner_rep_id", "created_at", "close_date", "is_closed"
    ) == [
        ("1244495215", None, "2019-12-04", None, None),
        ("1075671446", None, "2019-10-07", None, None),
        ("1077598754", None, "2019-10-08", None, None),
        ("1077836456", None, "2019-10-08", None, None),
        ("1077659220", None, "2019-10-08", None, None),
        ("1076737030", None, "2019-10-08", None, None),
    ]
    assert log_of(spec, rows)[0][2:] == (6, {}, 6, 6)
    # HubSpot's documented "retrieve a deal" response: one object, no results page
    single = REAL / "hubspot" / "deal_512.json"
    spec = source("opportunities", "hubspot", single)
    rows = list(hubspot.deals(spec))
    assert pick(rows, "opportunity_id", "owner_rep_id", "created_at", "close_date", "is_closed",
                "is_won", "amount", "source_record") == [
        ("512", "910901", "2019-10-30", "2019-12-07", "false", "false", "1500.00", "object")
    ]  # fmt: skip
    assert (
        rows[0]["adapter_note"] == "hs_is_closed empty: open from dealstage 'presentationscheduled'"
    )
    assert log_of(spec, rows) == [("deal_512.json", None, 1, {}, 1, 1)]


# --- 5, 6: WebVTT as Teams and youtube-dl write it --------------------------------------------
ROLES = {
    "speaker_roles": {
        "Yuri Bakulin": "rep",
        "Adrian Petrescu": "prospect",
        "User Name": "rep",
        "Carlos Farías": "rep",
        "Jane Doe": "prospect",
    }
}


def test_webvtt_teams_timings_voice_references_and_cue_boundaries():
    spec = source("utterances", "webvtt", REAL / "webvtt", **ROLES)
    rows = list(transcripts.webvtt(spec))
    columns = ("call_id", "seq", "start_ms", "end_ms", "speaker_role", "speaker_name", "text",
               "source_record")  # fmt: skip
    assert pick(rows, *columns) == [
        # Microsoft Graph's documented callTranscript content
        ("graph_calltranscript", "1", "0", "5320", "rep", "User Name",
         "This is a transcript test.", "line 3"),
        # Teams' cue ids and a voice name with a character reference (Far&#237;as)
        ("teams_names", "1", "5485", "5725", "rep", "Carlos Farías", "No.", "line 4"),
        ("teams_names", "2", "7165", "8845", "rep", "Carlos Farías", "Ya la voy a presentar.",
         "line 8"),
        ("teams_names", "3", "45645", "49300", "prospect", "Jane Doe",
         "It shows, but not projected.", "line 12"),
        # webvtt-py's Teams timings: 0:0:0.210 is 210 ms
        ("teams_timeframe", "1", "0", "570", "rep", "Yuri Bakulin", "There you go.", "line 3"),
        ("teams_timeframe", "2", "210", "1130", "prospect", "Adrian Petrescu",
         "Why hello there, Yuri.", "line 6"),
        # youtube-dl: the third cue follows the second without a blank line; no voices
        ("youtube_dl", "1", "286070", "286470", None, None, "yeah", "line 12"),
        ("youtube_dl", "2", "286470", "304080", None, None, "yeah what", "line 16"),
        ("youtube_dl", "3", "304080", "305069", None, None, "this will happen is I'm telling",
         "line 19"),
        ("youtube_dl", "4", "305069", "305400", None, None, "this will happen is I'm telling",
         "line 22"),
    ]  # fmt: skip
    # cues read (4 timing lines in youtube_dl.vtt) = cues written
    assert log_of(spec, rows) == [
        ("graph_calltranscript.vtt", None, 1, {}, 1, 1),
        ("teams_names.vtt", None, 3, {}, 3, 3),
        ("teams_timeframe.vtt", None, 2, {}, 2, 2),
        ("youtube_dl.vtt", None, 4, {}, 4, 4),
    ]
    youtube = source("utterances", "webvtt", REAL / "webvtt" / "youtube_dl.vtt",
                     default_speaker_role="other")  # fmt: skip
    assert {r["speaker_role"] for r in transcripts.webvtt(youtube)} == {"other"}


def test_a_translation_that_loses_records_fails(tmp_path):
    spec = source("utterances", "webvtt", REAL / "webvtt" / "youtube_dl.vtt")
    rows = list(transcripts.webvtt(spec))
    with pytest.raises(AdapterError, match=r"youtube_dl\.vtt: rule translation_reconciles: 4 rec"):
        translation_log(spec, rows[:3])


# --- 7, 10: Gong's documented epoch starts and text-only scorecard answers ----------------------
def test_gong_epoch_starts_and_text_answers():
    rows = list(gong.calls(source("calls", "gong", REAL / "gong" / "calls_epoch.json")))
    # 1518863400 s and 1518867000000 ms
    assert pick(rows, "call_id", "rep_id", "started_at", "duration_s") == [
        (CALL1, ANA, "2018-02-17T10:30:00+00:00", "460"),
        (CALL2, ANA, "2018-02-17T11:30:00+00:00", "300"),
    ]
    criteria = str(REAL / "gong" / "question_criteria.yaml")
    spec = source("scores", "gong", REAL / "gong" / "scorecards_text.json", criteria=criteria)
    scores = list(gong.scorecards(spec))
    assert pick(scores, "criterion_id", "score", "note", "scorer_id") == [
        ("discovery", "4", "Good", BEN),  # shared answers: Good = 4
        ("next_step", "1", " poor ", BEN),  # the question's own answers: Poor = 1
        ("next_step", None, "Excellent", BEN),
        ("rapport", "3", "Good", BEN),  # a score wins over the text
    ]
    assert scores[2]["adapter_note"] == (
        "answerText 'Excellent' of questionId 2002 has no score and no level in the criteria's "
        "answers mapping"
    )
    # 2004 (the overall question) is mapped to null: read and skipped
    assert log_of(spec, scores) == [("scorecards_text.json", None, 5, {"not_a_criterion": 1}, 4, 4)]


# --- 8: Deepgram without diarization ---------------------------------------------------------
def test_deepgram_without_speakers_uses_channels_or_a_default():
    path = REAL / "deepgram"
    columns = ("seq", "start_ms", "end_ms", "speaker_role", "speaker_name")
    spec = source("utterances", "deepgram", path, channel_roles={0: "rep", 1: "prospect"})
    rows = list(transcripts.deepgram(spec))
    assert pick(rows, *columns) == [
        ("1", "320", "2800", "rep", "channel 0"),
        ("2", "3100", "5240", "prospect", "channel 1"),
        ("3", "5500", "7500", None, None),  # channel 2 is not mapped
    ]
    assert rows[2]["adapter_note"] == NO_SPEAKER
    assert "diarize=true" in NO_SPEAKER and "channel_roles" in NO_SPEAKER
    single = list(transcripts.deepgram(source("u", "deepgram", path, default_speaker_role="rep")))
    assert pick(single, "speaker_role", "speaker_name") == [("rep", None)] * 3
    bare = list(transcripts.deepgram(source("u", "deepgram", path)))
    assert [r["adapter_note"] for r in bare] == [NO_SPEAKER] * 3


# --- through the real ingestion: a Fivetran Gong sync in a DuckDB file, 2018-Q1 ----------------
Q1_2018 = {
    "cycle": "2018-Q1",
    "start": datetime(2018, 1, 1, tzinfo=UTC),
    "end": datetime(2018, 4, 1, tzinfo=UTC),
}


def test_a_fivetran_gong_sync_before_2022_reconciles_through_the_landing(tmp_path, adapted_dir):
    sync = tmp_path / "fivetran.duckdb"
    con = duckdb.connect(str(sync))
    con.execute("create schema gong")
    for table in ("users", "call", "transcript"):
        csv_file = str(REAL / "fivetran_gong" / f"{table}.csv")
        con.execute(f"create table gong.{table} as select * from read_csv($f)", {"f": csv_file})
    con.close()
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(SMALL_LANDING / "rubric.yaml", landing / "rubric.yaml")
    common = {"adapter": "gong", "path": str(sync), "preset": "fivetran"}
    (landing / "sources.yaml").write_text(
        yaml.safe_dump(
            {
                "reps": {**common, "table": "gong.users"},
                "calls": {**common, "table": "gong.call"},
                "utterances": {
                    **common,
                    "table": "gong.transcript",
                    "speaker_roles": {1111: "rep", 2222: "prospect"},
                },
            }
        )
    )
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    store_rubrics(con, load_rubrics(landing), "2018-Q1")
    for kind in ("reps", "calls", "utterances"):
        ingest_kind(con, kind, landing, **Q1_2018)
    assert con.execute(
        "select kind, rows_read, rows_accepted, rows_quarantined, rows_other_partition "
        "from raw.load_log order by kind"
    ).fetchall() == [("calls", 2, 2, 0, 0), ("reps", 3, 2, 1, 0), ("utterances", 4, 3, 1, 0)]
    assert con.execute(
        "select kind, adapter, source_table, records_read, records_skipped, skipped_reasons, "
        "records_written, rows_written from raw.adapter_log order by kind"
    ).fetchall() == [
        ("calls", "gong", "gong.call", 3, 1, '{"deleted": 1}', 2, 2),
        ("reps", "gong", "gong.users", 4, 1, '{"deleted": 1}', 3, 3),
        ("utterances", "gong", "gong.transcript", 4, 0, None, 4, 4),
    ]
    assert con.execute(
        "select kind, rule, raw_content ->> '$.source_record' from raw.quarantine order by kind"
    ).fetchall() == [
        ("reps", "missing_value:manager_id", "gong.users row 3"),
        ("utterances", "missing_value:speaker_role", "gong.transcript row 4"),
    ]
    assert con.execute(
        "select call_id, rep_id, started_at from raw.calls order by call_id"
    ).fetchall() == [
        (CALL1, ANA, datetime(2018, 2, 17, 10, 30, tzinfo=UTC)),
        (CALL2, BEN, datetime(2018, 3, 1, 15, tzinfo=UTC)),
    ]
    # sentences in start order, whatever the table's row order
    assert con.execute(
        "select seq, start_ms, speaker_role, text from raw.utterances order by call_id, seq"
    ).fetchall() == [
        (1, 0, "rep", "Thanks for joining."),
        (2, 4000, "rep", "What does it cost you today?"),
        (3, 9000, "prospect", "Too much."),
    ]


def test_webvtt_cues_reconcile_through_the_landing(tmp_path, adapted_dir):
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(SMALL_LANDING / "rubric.yaml", landing / "rubric.yaml")
    (landing / "reps.csv").write_text("rep_id,rep_name,manager_id\nr1,Ana Silva,m1\n")
    stems = ("graph_calltranscript", "teams_names", "teams_timeframe", "youtube_dl")
    (landing / "calls.csv").write_text(
        "call_id,rep_id,started_at,duration_s\n"
        + "".join(f"{stem},r1,2026-07-0{n}T10:00:00+00:00,600\n" for n, stem in enumerate(stems, 1))
    )
    (landing / "sources.yaml").write_text(
        yaml.safe_dump({"utterances": {"adapter": "webvtt", "path": str(REAL / "webvtt"), **ROLES}})
    )
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    store_rubrics(con, load_rubrics(landing), "2026-Q3")
    window = {"start": datetime(2026, 7, 1, tzinfo=UTC), "end": datetime(2026, 10, 1, tzinfo=UTC)}
    for kind in ("reps", "calls", "utterances"):
        ingest_kind(con, kind, landing, cycle="2026-Q3", **window)
    # cues read (adapter_log) = rows written = accepted + quarantined (load_log)
    assert con.execute(
        "select regexp_extract(source_file, '[^/]+$'), records_read, records_written "
        "from raw.adapter_log order by source_file"
    ).fetchall() == [
        ("graph_calltranscript.vtt", 1, 1),
        ("teams_names.vtt", 3, 3),
        ("teams_timeframe.vtt", 2, 2),
        ("youtube_dl.vtt", 4, 4),
    ]
    assert con.execute(
        "select rows_read, rows_accepted, rows_quarantined from raw.load_log "
        "where kind = 'utterances'"
    ).fetchall() == [(10, 6, 4)]
    assert con.execute(
        "select rule, raw_content ->> '$.source_record' from raw.quarantine order by row_number"
    ).fetchall() == [("missing_value:speaker_role", f"line {n}") for n in (12, 16, 19, 22)]


def test_cli_translates_the_real_shapes_without_hand_edits(tmp_path, capsys):
    config = tmp_path / "sources.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "reps": {"adapter": "salesforce", "path": str(EXPORT / "User.csv")},
                "opportunities": [
                    {"adapter": "salesforce", "path": str(EXPORT / "Opportunity.csv")},
                    {"adapter": "hubspot", "path": str(REAL / "hubspot")},
                    {
                        "adapter": "hubspot",
                        "path": str(REAL / "fivetran_hubspot"),
                        "preset": "fivetran",
                    },
                ],
                "calls": {"adapter": "gong", "path": str(REAL / "gong" / "calls_epoch.json")},
                "utterances": {"adapter": "webvtt", "path": str(REAL / "webvtt"), **ROLES},
            }
        )
    )
    out = tmp_path / "out"
    assert adapters_cli(["--config", str(config), "--out", str(out)]) == 0
    # a line per export file, the kinds in the YAML file's order (safe_dump sorts them)
    assert capsys.readouterr().out.splitlines() == [
        f"{REAL / 'gong' / 'calls_epoch.json'}: 2 read, 2 written, 0 skipped",
        f"{EXPORT / 'Opportunity.csv'}: 7 read, 6 written, 1 skipped: 1 deleted (cp1252)",
        f"{REAL / 'hubspot' / 'deal_512.json'}: 1 read, 1 written, 0 skipped",
        f"{REAL / 'fivetran_hubspot' / 'deal_data.csv'}: 6 read, 6 written, 0 skipped (utf-8)",
        f"{EXPORT / 'User.csv'}: 3 read, 3 written, 0 skipped (cp1252)",
        f"{REAL / 'webvtt' / 'graph_calltranscript.vtt'}: 1 read, 1 written, 0 skipped",
        f"{REAL / 'webvtt' / 'teams_names.vtt'}: 3 read, 3 written, 0 skipped",
        f"{REAL / 'webvtt' / 'teams_timeframe.vtt'}: 2 read, 2 written, 0 skipped",
        f"{REAL / 'webvtt' / 'youtube_dl.vtt'}: 4 read, 4 written, 0 skipped",
        "total: 9 files, 29 read, 28 written, 1 skipped, 0 refused",
    ]
    log = json.loads((out / "opportunities" / "01_salesforce.log.json").read_text())
    assert log["files"][0]["encoding"] == "cp1252"
    assert log["files"][0]["records_skipped"] == {"deleted": 1}
    # the landing files stay UTF-8: the adapters translated
    text = (out / "reps" / "01_salesforce.jsonl").read_bytes().decode("utf-8")
    assert "Carlos Farías" in text


def test_airbyte_streams_hubspot_deals_and_gong_extensive_calls(tmp_path):
    # Airbyte's HubSpot deals stream flattens properties as properties_<name>; archived
    # deals are deleted ones
    deals = tmp_path / "deals.parquet"
    duckdb.execute(
        "copy (select * from (values "
        "('11', '1735689600000', '2024-12-01', '9001', 'closedwon', false), "
        "('12', '1735689600000', '2024-12-02', '9002', 'closedlost', true)"
        ") t(id, properties_closedate, properties_createdate, properties_hubspot_owner_id, "
        f"properties_dealstage, archived)) to '{deals}' (format parquet)"
    )
    spec = source("opportunities", "hubspot", deals, preset="airbyte")
    rows = list(hubspot.deals(spec))
    assert pick(rows, "opportunity_id", "owner_rep_id", "close_date", "is_closed", "is_won") == [
        ("11", "9001", "2025-01-01", "true", "true")
    ]
    assert log_of(spec, rows)[0][2:] == (2, {"deleted": 1}, 1, 1)
    # Airbyte's Gong extensiveCalls stream in a DuckDB file: nested fields as JSON text
    database = tmp_path / "airbyte.duckdb"
    con = duckdb.connect(str(database))
    con.execute("create schema gong")
    con.execute("create table gong.extensive_calls (metaData json, parties json)")
    con.execute(
        "insert into gong.extensive_calls values (?, ?)",
        [
            json.dumps({"id": CALL1, "started": 1518863400, "primaryUserId": ANA, "duration": 460}),
            json.dumps([{"speakerId": "1111", "affiliation": "Internal", "name": "Ana Silva"}]),
        ],
    )
    con.close()
    spec = source("calls", "gong", database, table="gong.extensive_calls", preset="airbyte")
    assert pick(list(gong.calls(spec)), "call_id", "rep_id", "started_at", "source_record") == [
        (CALL1, ANA, "2018-02-17T10:30:00+00:00", "gong.extensive_calls row 1")
    ]
