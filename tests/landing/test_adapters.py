"""Source adapters on the vendor-shaped fixtures in tests/fixtures/adapters.

Two layers: each adapter's translation (the canonical rows, computed by hand from the
fixture files), and the translation read by the real ingestion (`ingest_kind` on a DuckDB
file) through a sources.yaml, where the rows an adapter could not translate land in
raw.quarantine with file, row and rule, and every other row is accepted.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from salesassess.landing.adapters import gong, hubspot, persuasion, salesforce, transcripts
from salesassess.landing.adapters.__main__ import main as adapters_cli
from salesassess.landing.adapters.base import AdapterError
from salesassess.landing.adapters.salesforce import id18
from salesassess.landing.adapters.sources import adapted_files, load_sources
from salesassess.landing.files import landing_files
from salesassess.landing.ingest import ingest_kind, store_rubrics
from salesassess.method.rubric import load_rubric_file, load_rubrics
from salesassess.scoring.scorer_spec import load_scorer
from tests.helpers import FIXTURES, ROOT, SMALL_LANDING, pick, source

ADAPTERS = FIXTURES / "adapters"
GONG = ADAPTERS / "gong"
ANA, BEN, MARIA = "234599484848423", "234599484848424", "563515258458745"
CALL1, CALL2, CALL3 = "7782342274025937895", "7782342274025937896", "7782342274025937897"
Q3 = {
    "cycle": "2026-Q3",
    "start": datetime(2026, 7, 1, tzinfo=UTC),
    "end": datetime(2026, 10, 1, tzinfo=UTC),
}


# --- translation ------------------------------------------------------------------------
def test_gong_users_pages_are_read_as_one_and_a_refetched_page_is_kept():
    rows = list(gong.users(source("reps", "gong", GONG / "users")))
    # page 0, page 0 again (same currentPageNumber, next file), page 1
    assert pick(rows, "rep_id", "rep_name", "manager_id", "manager_name", "active") == [
        (ANA, "Ana Silva", MARIA, "Maria Jones", "true"),
        (BEN, "Ben Okafor", MARIA, "Maria Jones", "true"),
        (ANA, "Ana Silva", MARIA, "Maria Jones", "true"),
        (BEN, "Ben Okafor", MARIA, "Maria Jones", "true"),
        (MARIA, "Maria Jones", None, None, "true"),
    ]
    assert [Path(r["source_file"]).name for r in rows] == [
        "users_page0.json",
        "users_page0.json",
        "users_page0_refetched.json",
        "users_page0_refetched.json",
        "users_page1.json",
    ]
    assert rows[4]["adapter_note"].startswith("no managerId")
    top = list(gong.users(source("reps", "gong", GONG / "users", top_manager_id="ceo")))
    assert top[4]["manager_id"] == "ceo" and "adapter_note" not in top[4]


def test_gong_calls_keep_64_bit_ids_and_the_salesforce_opportunity():
    rows = list(gong.calls(source("calls", "gong", GONG / "calls")))
    assert pick(rows, "call_id", "rep_id", "started_at", "duration_s", "opportunity_id") == [
        (CALL1, ANA, "2026-07-02T10:00:00-07:00", "1800", "0065g00000Op001AAB"),
        (CALL2, BEN, "2026-08-10T09:00:00Z", "900.5", None),
        (CALL3, "999000111", "2026-09-01T12:00:00+02:00", "600", None),
    ]
    assert pick(rows, "source_record") == [("calls[0]",), ("calls[1]",), ("calls[0]",)]


def test_gong_transcripts_take_roles_from_the_parties():
    rows = list(
        gong.transcripts(
            source("utterances", "gong", GONG / "transcripts", calls=str(GONG / "calls"))
        )
    )
    assert pick(rows, "call_id", "seq", "start_ms", "end_ms", "speaker_role", "speaker_name") == [
        (CALL1, "1", "0", "4000", "rep", "Ana Silva"),
        (CALL1, "2", "4000", "9000", "rep", "Ana Silva"),
        (CALL1, "3", "9000", "15000", "prospect", "Jane Doe"),
        (CALL1, "4", "15000", "17000", None, "5555555555"),
        (CALL2, "1", "0", "3000", "rep", "Ben Okafor"),
        (CALL2, "2", "3000", "6000", "prospect", "Raj Patel"),
        (CALL2, "3", "6000", "8000", "other", "Dial-in user"),
    ]
    assert "no role for speakerId '5555555555'" in rows[3]["adapter_note"]
    assert rows[3]["source_record"] == "callTranscripts[0].transcript[2].sentences[0]"
    mapped = list(
        gong.transcripts(
            source(
                "utterances",
                "gong",
                GONG / "transcripts",
                calls=str(GONG / "calls"),
                speaker_roles={5555555555: "other"},
            )
        )
    )
    assert mapped[3]["speaker_role"] == "other" and "adapter_note" not in mapped[3]


def test_gong_scorecards_map_questions_to_criteria():
    criteria = str(GONG / "question_criteria.yaml")
    rows = list(gong.scorecards(source("scores", "gong", GONG / "scorecards", criteria=criteria)))
    # 1003 (overall, mapped to null) and 1005 (not applicable) are not scores
    assert pick(rows, "call_id", "criterion_id", "score", "scorer_id", "scorer_kind", "note") == [
        (CALL1, "a", "4", MARIA, "human", None),
        (CALL1, "b", "3", MARIA, "human", "Good recap"),
        (CALL1, "gong_question:1004", "2", MARIA, "human", None),
    ]
    assert rows[2]["adapter_note"] == "questionId 1004 is not in the criteria mapping"
    with pytest.raises(AdapterError, match=r"test\.yaml: rule criteria_option"):
        list(gong.scorecards(source("scores", "gong", GONG / "scorecards")))


def test_salesforce_ids_are_written_in_their_18_character_form():
    # Salesforce's documented example: 001A0000006Vm9r is 001A0000006Vm9rIAC
    assert id18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert id18("0055g00000ABcDe") == "0055g00000ABcDeAAL"
    assert id18("0055g00000ABcDeAAL") == "0055g00000ABcDeAAL"


def test_salesforce_opportunities_and_users():
    rows = list(
        salesforce.opportunities(
            source("opportunities", "salesforce", ADAPTERS / "salesforce" / "Opportunity.csv")
        )
    )
    columns = ("opportunity_id", "owner_rep_id", "created_at", "close_date", "is_closed",
               "is_won", "amount", "account_id")  # fmt: skip
    assert pick(rows, *columns) == [
        ("0065g00000Op001AAB", "0055g00000ABcDeAAL", "2026-06-01", "2026-07-20", "true", "true",
         "12000.00", "0015g00000AcMe1AAF"),
        # 1/0 booleans, a 15-character owner and account, -05:00 late evening = next UTC day
        ("0065g00000Op002AAB", "0055g00000ABcDeAAL", "2026-06-16", "2026-08-01", "true", "false",
         "8000", "0015g00000AcMe1AAF"),
        ("0065g00000Op003AAB", "0055g00000BeNokAAF", "2026-07-01", "2026-09-30", "false", "true",
         "5000", None),
        ("0065g00000Op004AAB", "0055g00000ZZzzzAAD", "2026-07-02", "2026-08-15", "true", "false",
         "3000", None),
        ("0065g00000Op005AAB", "0055g00000BeNokAAF", "created yesterday", "2026-12-01", "false",
         "false", None, None),
    ]  # fmt: skip
    assert rows[4]["adapter_note"] == "not an ISO date or epoch milliseconds: 'created yesterday'"
    users = list(
        salesforce.users(source("reps", "salesforce", ADAPTERS / "salesforce" / "User.csv"))
    )
    assert pick(users, "rep_id", "manager_id", "manager_name", "email") == [
        ("0055g00000ABcDeAAL", "0055g00000MaRiaAAF", "Maria Jones", "ana.silva@example.com"),
        ("0055g00000BeNokAAF", "0055g00000MaRiaAAF", "Maria Jones", "ben.okafor@example.com"),
        ("0055g00000MaRiaAAF", None, None, "maria.jones@example.com"),
    ]


def test_hubspot_string_values_epoch_dates_and_pages():
    owners = str(ADAPTERS / "hubspot" / "owners.yaml")
    rows = list(
        hubspot.deals(source("opportunities", "hubspot", ADAPTERS / "hubspot", owners=owners))
    )
    columns = ("opportunity_id", "owner_rep_id", "created_at", "close_date", "is_closed",
               "is_won", "amount")  # fmt: skip
    assert pick(rows, *columns) == [
        # "1735689600000" is 2025-01-01T00:00Z; "1730000000000" is 2024-10-27T03:33:20Z
        ("101", "r1", "2024-11-15", "2025-01-01", "true", "true", "1500"),
        ("102", "r2", "2024-10-27", "2025-02-03", "true", "false", "800.50"),
        ("103", "r1", "2025-01-10", "2025-03-01", "false", "true", "2000"),
        ("104", "7777", "2025-01-02", "2025-01-20", "true", "false", "300"),
        ("105", "r2", "2025-01-03", "2025-01-25", "true", "false", "450"),
        # page 2 fetched twice: the same deals again, from the second file
        ("103", "r1", "2025-01-10", "2025-03-01", "false", "true", "2000"),
        ("104", "7777", "2025-01-02", "2025-01-20", "true", "false", "300"),
        ("105", "r2", "2025-01-03", "2025-01-25", "true", "false", "450"),
        # the CSV export: "2025-04-30 00:00", epoch 1740787200000 = 2025-03-01
        ("201", "r1", "2025-03-01", "2025-04-30", "true", "true", "1200"),
        ("202", "r2", "2025-03-01", "2025-05-15", "false", "maybe", None),
    ]  # fmt: skip
    assert rows[4]["adapter_note"] == "hs_is_closed empty: closed from dealstage 'closedlost'"
    assert rows[9]["adapter_note"] == "not a boolean: 'maybe'"
    assert [Path(r["source_file"]).name for r in rows[5:8]] == ["deals_page2_again.json"] * 3


def test_hubspot_csv_with_label_headers_is_read_through_a_column_mapping(tmp_path):
    export = tmp_path / "deals.csv"
    export.write_text(
        "Record ID,Close Date,Create Date,Deal owner,Is Closed Won,Is closed\n"
        "301,1735689600000,2024-12-01,9001,false,true\n"
    )
    columns = {
        "Record ID": "hs_object_id",
        "Close Date": "closedate",
        "Create Date": "createdate",
        "Deal owner": "hubspot_owner_id",
        "Is Closed Won": "hs_is_closed_won",
        "Is closed": "hs_is_closed",
    }
    rows = list(hubspot.deals(source("opportunities", "hubspot", export, columns=columns)))
    assert pick(rows, "opportunity_id", "owner_rep_id", "close_date", "is_closed", "is_won") == [
        ("301", "9001", "2025-01-01", "true", "false")
    ]
    with pytest.raises(AdapterError, match=r"deals\.csv: rule required_column: .*Record ID"):
        list(hubspot.deals(source("opportunities", "hubspot", export)))


TRANSCRIPT_ROLES = {
    "speaker_roles": {"Ana Silva": "rep", "Jane Doe": "prospect"},
    "call_speaker_roles": {"c2": {"A": "rep", "B": "prospect"}, "c4": {0: "rep", 1: "prospect"}},
}


def test_webvtt_voices_timings_and_missing_mapping():
    rows = list(
        transcripts.webvtt(
            source("utterances", "webvtt", ADAPTERS / "transcripts" / "webvtt", **TRANSCRIPT_ROLES)
        )
    )
    columns = ("call_id", "seq", "start_ms", "end_ms", "speaker_role", "speaker_name", "text")
    assert pick(rows, *columns) == [
        ("c1", "1", "0", "4000", "rep", "Ana Silva", "Hi Jane, thanks for joining."),
        ("c1", "2", "4000", "9500", "prospect", "Jane Doe", "Sure & thanks for having me."),
        ("c1", "3", "9500", "14000", "rep", "Ana Silva", "What does it cost you today?"),
        ("c1", "4", "9500", "14000", "prospect", "Jane Doe", "Too much."),
        ("c1", "5", "14000", "16000", None, "Bob", "Is this the standup?"),
        ("c1", "6", "16000", "18000", None, None, "[crosstalk]"),
        ("c1", "7", None, None, "rep", "Ana Silva", "Let me share my screen."),
    ]
    assert [r["source_record"] for r in rows] == [
        "line 6", "line 10", "line 15", "line 15", "line 19", "line 23", "line 27",
    ]  # fmt: skip
    assert rows[4]["adapter_note"] == "no speaker-role mapping for speaker 'Bob' of call 'c1'"
    assert rows[6]["adapter_note"] == "unreadable cue timing '00:00:18.000 -> 00:00:20.000'"


def test_assemblyai_and_deepgram_utterances():
    folder = ADAPTERS / "transcripts"
    assembly = list(
        transcripts.assemblyai(
            source("utterances", "assemblyai", folder / "assemblyai", **TRANSCRIPT_ROLES)
        )
    )
    assert pick(assembly, "call_id", "seq", "start_ms", "end_ms", "speaker_role", "text") == [
        ("c2", "1", "250", "1900", "rep", "Thanks for the time."),
        ("c2", "2", "2100", "3400", "prospect", "Happy to help."),
        ("c2", "3", "3600", "5200", None, "Who else is joining?"),
    ]
    deep = list(
        transcripts.deepgram(
            source("utterances", "deepgram", folder / "deepgram", **TRANSCRIPT_ROLES)
        )
    )
    # seconds -> milliseconds (4.2395 s rounds to 4240 ms); integer speakers
    assert pick(deep, "call_id", "seq", "start_ms", "end_ms", "speaker_role", "speaker_name") == [
        ("c4", "1", "80", "1520", "rep", "0"),
        ("c4", "2", "1600", "4240", "prospect", "1"),
        ("c4", "3", "4300", "9500", None, "2"),
    ]
    assert deep[2]["adapter_note"] == "no speaker-role mapping for speaker '2' of call 'c4'"


def test_persuasion_order_derived_times_managers_and_outcomes():
    dataset = ADAPTERS / "persuasion" / "dataset"
    spec = source("calls", "persuasion", dataset, managers=3)
    calls = list(persuasion.calls(spec))
    # collection order from the id (BAD_ ignored); 92 days / 3 = 30 days 16 hours apart
    assert pick(calls, "call_id", "rep_id", "started_at", "duration_s") == [
        ("20180527-123001_539_live", "user_1107", "2026-07-01T00:00:00+00:00", "30"),
        ("BAD_20180701-120000_1_live", "user_585", "2026-07-31T16:00:00+00:00", "30"),
        ("20180904-045349_715_live", "user_585", "2026-08-31T08:00:00+00:00", "90"),
    ]
    utterances = list(persuasion.utterances(spec))
    assert pick(utterances, "call_id", "seq", "start_ms", "end_ms", "speaker_role")[-6:] == [
        ("20180904-045349_715_live", str(seq), str((seq - 1) * 15000), str(seq * 15000), role)
        for seq, role in zip(range(1, 7), ["rep", "prospect"] * 3, strict=True)
    ]
    # crc32("user_1107") % 3 + 1 = 1, crc32("user_585") % 3 + 1 = 1
    reps = list(persuasion.reps(spec))
    assert pick(reps, "rep_id", "manager_id", "source_record") == [
        ("user_1107", "manager_1", "row 5"),
        ("user_585", "manager_1", "row 3"),
    ]
    opportunities = list(persuasion.opportunities(spec))
    assert pick(opportunities, "opportunity_id", "is_closed", "is_won", "amount", "close_date") == [
        ("20180527-123001_539_live", "true", "false", "0.0", "2026-07-01"),
        ("BAD_20180701-120000_1_live", "true", None, None, "2026-07-31"),
        ("20180904-045349_715_live", "true", "true", "0.5", "2026-08-31"),
    ]
    assert opportunities[1]["adapter_note"] == "no readable persuadee donation (B6='')"
    subset = list(persuasion.calls(source("calls", "persuasion", dataset, dialogues=1)))
    assert pick(subset, "call_id") == [("20180527-123001_539_live",)]


def test_persuasion_rubric_template_scores_every_criterion():
    template = ROOT / "rubrics" / "templates" / "persuasion.yaml"
    rubric = load_rubric_file(template)
    assert [(c.id, c.weight) for c in rubric.criteria] == [
        ("rapport_discovery", 15),
        ("credibility", 20),
        ("emotional_appeal", 15),
        ("donation_ask", 30),
        ("objection_handling", 20),
    ]
    assert all(len(c.anchors) == 5 and all(c.anchors.values()) for c in rubric.criteria)
    spec = load_scorer(template)
    assert not spec.unscored_criteria
    assert all(sorted(c.levels) == [2, 3, 4, 5] for c in spec.criteria)


# --- bad input: file, record and rule -----------------------------------------------------
def test_bad_exports_fail_naming_file_record_and_rule(tmp_path):
    broken = tmp_path / "calls"
    broken.mkdir()
    (broken / "page.json").write_text('{"calls": [\n  {"metaData": \n')
    with pytest.raises(AdapterError, match=r"page\.json: rule parsable_json: .* line 3"):
        list(gong.calls(source("calls", "gong", broken)))
    (broken / "page.json").write_text('{"records": {}, "calls": [{"metaData": {}}, 7]}')
    with pytest.raises(AdapterError, match=r"page\.json, record calls\[1\]: rule json_object_item"):
        list(gong.calls(source("calls", "gong", broken)))
    (broken / "page.json").write_text('{"requestId": "x", "users": []}')
    with pytest.raises(AdapterError, match=r"rule page_items: no 'calls' list"):
        list(gong.calls(source("calls", "gong", broken)))
    vtt = tmp_path / "c9.vtt"
    vtt.write_text("00:00.000 --> 00:01.000\n<v A>hi\n")
    with pytest.raises(AdapterError, match=r"c9\.vtt, record line 1: rule webvtt_header"):
        list(transcripts.webvtt(source("utterances", "webvtt", vtt)))
    deepgram = tmp_path / "c9.json"
    deepgram.write_text('{"results": {"channels": []}}')
    with pytest.raises(AdapterError, match=r"rule utterances_present: .*utterances=true"):
        list(transcripts.deepgram(source("utterances", "deepgram", deepgram)))
    with pytest.raises(AdapterError, match=r"rule speaker_role_value: .*'seller'"):
        list(transcripts.deepgram(source("utterances", "deepgram", deepgram,
                                         speaker_roles={0: "seller"})))  # fmt: skip
    users = tmp_path / "User.csv"
    users.write_text("Name,ManagerId\nAna,\n")
    with pytest.raises(AdapterError, match=r"User\.csv: rule required_column: .*column\(s\) Id "):
        list(salesforce.users(source("reps", "salesforce", users)))
    users.write_bytes(b"Id,Name,ManagerId\n005,Ana,\n006,\xffBen,\n")
    with pytest.raises(AdapterError, match=r"User\.csv, record line 3: rule text_encoding"):
        list(salesforce.users(source("reps", "salesforce", users, encoding="utf-8")))
    with pytest.raises(AdapterError, match=r"rule encoding_option: unknown encoding 'latin-9x'"):
        list(salesforce.users(source("reps", "salesforce", users, encoding="latin-9x")))
    with pytest.raises(AdapterError, match=r"rule export_present: no export at .*missing"):
        list(salesforce.users(source("reps", "salesforce", tmp_path / "missing")))


def test_sources_configuration_is_validated(tmp_path):
    config = tmp_path / "sources.yaml"
    config.write_text("calls: {adapter: hubspot, path: x}\n")
    with pytest.raises(AdapterError, match=r"record calls\[0\]: rule known_adapter: .*gong"):
        load_sources(config)
    config.write_text("deals: {adapter: hubspot, path: x}\n")
    with pytest.raises(AdapterError, match=r"rule known_kind: 'deals'"):
        load_sources(config)
    config.write_text("opportunities: [{adapter: hubspot}]\n")
    with pytest.raises(AdapterError, match=r"record opportunities\[0\]: rule required_field"):
        load_sources(config)


# --- through the real ingestion -------------------------------------------------------------
def ingest(landing: Path, warehouse: Path, kinds: tuple[str, ...]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(warehouse))
    store_rubrics(con, load_rubrics(landing), "2026-Q3")
    for kind in kinds:
        ingest_kind(con, kind, landing, **Q3)
    return con


def quarantine(con) -> list[tuple]:
    return con.execute(
        "select kind, regexp_extract(file, '[^/]+$'), row_number, rule, "
        "regexp_extract(raw_content ->> '$.source_file', '[^/]+$'), "
        "raw_content ->> '$.source_record' from raw.quarantine order by kind, file, row_number"
    ).fetchall()


def test_gong_salesforce_and_hubspot_exports_go_through_the_landing_rules(tmp_path, adapted_dir):
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(SMALL_LANDING / "rubric.yaml", landing / "rubric.yaml")
    sources = {
        "reps": {"adapter": "gong", "path": str(GONG / "users")},
        "calls": {"adapter": "gong", "path": str(GONG / "calls")},
        "utterances": {
            "adapter": "gong",
            "path": str(GONG / "transcripts"),
            "calls": str(GONG / "calls"),
        },
        "scores": {
            "adapter": "gong",
            "path": str(GONG / "scorecards"),
            "criteria": str(GONG / "question_criteria.yaml"),
        },
        "opportunities": [
            {
                "adapter": "hubspot",
                "path": str(ADAPTERS / "hubspot" / "deals_api"),
                "owners": {9001: ANA, 9002: BEN},
            },
            {
                "adapter": "salesforce",
                "path": str(ADAPTERS / "salesforce" / "Opportunity.csv"),
                "owners": {"0055g00000ABcDeAAL": ANA, "0055g00000BeNokAAF": BEN},
            },
        ],
    }
    (landing / "sources.yaml").write_text(yaml.safe_dump(sources))
    kinds = ("reps", "calls", "utterances", "scores", "opportunities")
    con = ingest(landing, tmp_path / "warehouse.duckdb", kinds)
    assert quarantine(con) == [
        ("calls", "01_gong.jsonl", 3, "unknown_rep", "calls_page1.json", "calls[0]"),
        ("opportunities", "01_hubspot.jsonl", 3, "won_but_not_closed", "deals_page2.json",
         "results[0]"),
        ("opportunities", "01_hubspot.jsonl", 4, "unknown_rep", "deals_page2.json", "results[1]"),
        ("opportunities", "01_hubspot.jsonl", 6, "won_but_not_closed",
         "deals_page2_again.json", "results[0]"),
        ("opportunities", "01_hubspot.jsonl", 7, "unknown_rep", "deals_page2_again.json",
         "results[1]"),
        ("opportunities", "01_hubspot.jsonl", 8, "duplicate_key", "deals_page2_again.json",
         "results[2]"),
        ("opportunities", "02_salesforce.jsonl", 3, "won_but_not_closed", "Opportunity.csv",
         "row 3"),
        ("opportunities", "02_salesforce.jsonl", 4, "unknown_rep", "Opportunity.csv", "row 4"),
        ("opportunities", "02_salesforce.jsonl", 5, "invalid_date:created_at", "Opportunity.csv",
         "row 5"),
        ("reps", "01_gong.jsonl", 3, "duplicate_key", "users_page0_refetched.json", "users[0]"),
        ("reps", "01_gong.jsonl", 4, "duplicate_key", "users_page0_refetched.json", "users[1]"),
        ("reps", "01_gong.jsonl", 5, "missing_value:manager_id", "users_page1.json", "users[0]"),
        ("scores", "01_gong.jsonl", 3, "unknown_criterion", "scorecards_page0.json",
         "answeredScorecards[0].answers[3]"),
        ("utterances", "01_gong.jsonl", 4, "missing_value:speaker_role",
         "transcripts_page0.json", "callTranscripts[0].transcript[2].sentences[0]"),
    ]  # fmt: skip
    assert con.execute(
        "select kind, regexp_extract(file, '[^/]+$'), rows_read, rows_accepted, "
        "rows_quarantined, rows_other_partition from raw.load_log order by kind, file"
    ).fetchall() == [
        ("calls", "01_gong.jsonl", 3, 2, 1, 0),
        ("opportunities", "01_hubspot.jsonl", 8, 3, 5, 0),
        ("opportunities", "02_salesforce.jsonl", 5, 2, 3, 0),
        ("reps", "01_gong.jsonl", 5, 2, 3, 0),
        ("scores", "01_gong.jsonl", 3, 2, 1, 0),
        ("utterances", "01_gong.jsonl", 7, 6, 1, 0),
    ]
    # the accepted rows: Gong's call starts (offsets kept) and the CRM outcomes
    assert con.execute(
        "select call_id, rep_id, started_at, opportunity_id from raw.calls order by call_id"
    ).fetchall() == [
        (CALL1, ANA, datetime(2026, 7, 2, 17, tzinfo=UTC), "0065g00000Op001AAB"),
        (CALL2, BEN, datetime(2026, 8, 10, 9, tzinfo=UTC), None),
    ]
    assert con.execute(
        "select opportunity_id, owner_rep_id, is_closed, is_won, cast(close_date as varchar) "
        "from raw.opportunities order by opportunity_id"
    ).fetchall() == [
        ("0065g00000Op001AAB", ANA, True, True, "2026-07-20"),
        ("0065g00000Op002AAB", ANA, True, False, "2026-08-01"),
        ("101", ANA, True, True, "2025-01-01"),
        ("102", BEN, True, False, "2025-02-03"),
        ("105", BEN, True, False, "2025-01-25"),
    ]
    assert con.execute(
        "select criterion_id, score, scorer_kind, extra ->> '$.source_record' from raw.scores "
        "order by criterion_id"
    ).fetchall() == [
        ("a", 4.0, "human", "answeredScorecards[0].answers[0]"),
        ("b", 3.0, "human", "answeredScorecards[0].answers[1]"),
    ]


def test_transcript_files_beside_canonical_calls(tmp_path, adapted_dir):
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(SMALL_LANDING / "rubric.yaml", landing / "rubric.yaml")
    (landing / "reps.csv").write_text("rep_id,rep_name,manager_id\nr1,Ana Silva,m1\n")
    (landing / "calls.csv").write_text(
        "call_id,rep_id,started_at,duration_s\n"
        "c1,r1,2026-07-02T10:00:00+00:00,20\n"
        "c2,r1,2026-07-03T10:00:00+00:00,6\n"
        "c4,r1,2026-07-04T10:00:00+00:00,10\n"
    )
    folder = ADAPTERS / "transcripts"
    sources = {
        "utterances": [
            {"adapter": "webvtt", "path": str(folder / "webvtt" / "*.vtt"), **TRANSCRIPT_ROLES},
            {"adapter": "assemblyai", "path": str(folder / "assemblyai"), **TRANSCRIPT_ROLES},
            {"adapter": "deepgram", "path": str(folder / "deepgram"), **TRANSCRIPT_ROLES},
        ]
    }
    (landing / "sources.yaml").write_text(yaml.safe_dump(sources))
    con = ingest(landing, tmp_path / "warehouse.duckdb", ("reps", "calls", "utterances"))
    assert quarantine(con) == [
        ("utterances", "01_webvtt.jsonl", 5, "missing_value:speaker_role", "c1.vtt", "line 19"),
        ("utterances", "01_webvtt.jsonl", 6, "missing_value:speaker_role", "c1.vtt", "line 23"),
        ("utterances", "01_webvtt.jsonl", 7, "missing_value:start_ms", "c1.vtt", "line 27"),
        ("utterances", "02_assemblyai.jsonl", 3, "missing_value:speaker_role", "c2.json",
         "utterances[2]"),
        ("utterances", "03_deepgram.jsonl", 3, "missing_value:speaker_role", "c4.json",
         "results.utterances[2]"),
    ]  # fmt: skip
    assert con.execute(
        "select call_id, count(*), min(start_ms), max(end_ms) from raw.utterances "
        "group by 1 order by 1"
    ).fetchall() == [("c1", 4, 0, 14000), ("c2", 2, 250, 3400), ("c4", 2, 80, 4240)]
    # reps and calls are not in sources.yaml: read from the landing folder as before
    assert [p.name for p in landing_files(landing, "calls")] == ["calls.csv"]


def test_translation_is_cached_until_an_export_changes(tmp_path, adapted_dir):
    export = tmp_path / "User.csv"
    shutil.copy(ADAPTERS / "salesforce" / "User.csv", export)
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "sources.yaml").write_text(f"reps: {{adapter: salesforce, path: {export}}}\n")
    first = adapted_files(landing, "reps")
    assert first == adapted_files(landing, "reps")
    assert adapted_files(landing, "calls") is None
    lines = first[0].read_text().splitlines()
    assert [json.loads(line)["rep_id"] for line in lines] == [
        "0055g00000ABcDeAAL",
        "0055g00000BeNokAAF",
        "0055g00000MaRiaAAF",
    ]
    export.write_text(export.read_text() + '"0055g00000NeWreAAB","Nia West","","",""\n')
    second = adapted_files(landing, "reps")
    assert second != first and len(second[0].read_text().splitlines()) == 4


def test_cli_writes_a_canonical_landing_folder(tmp_path, capsys):
    config = tmp_path / "sources.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "reps": {
                    "adapter": "salesforce",
                    "path": str(ADAPTERS / "salesforce" / "User.csv"),
                },
                "opportunities": {
                    "adapter": "hubspot",
                    "path": str(ADAPTERS / "hubspot" / "deals_api"),
                },
            }
        )
    )
    assert adapters_cli(["--config", str(config), "--out", str(tmp_path / "out")]) == 0
    pages = ADAPTERS / "hubspot" / "deals_api"
    # a line per export file (outside the configuration's folder: its full path), a total
    assert capsys.readouterr().out.splitlines() == [
        f"{pages / 'deals_page1.json'}: 2 read, 2 written, 0 skipped",
        f"{pages / 'deals_page2.json'}: 3 read, 3 written, 0 skipped",
        f"{pages / 'deals_page2_again.json'}: 3 read, 3 written, 0 skipped",
        f"{ADAPTERS / 'salesforce' / 'User.csv'}: 3 read, 3 written, 0 skipped (utf-8)",
        "total: 4 files, 11 read, 11 written, 0 skipped, 0 refused",
    ]
    assert sorted(
        p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.jsonl")
    ) == [
        "opportunities/01_hubspot.jsonl",
        "reps/01_salesforce.jsonl",
    ]
    config.write_text("calls: {adapter: persuasion}\n")
    assert adapters_cli(["--config", str(config), "--out", str(tmp_path / "out")]) == 1
    assert "rule required_field" in capsys.readouterr().err
