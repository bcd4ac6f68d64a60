"""CRM exports with columns left out, Salesforce's null ids, one-object API reads and a
refused file beside good ones (tests/fixtures/adapters/real, each file's origin in its
README). Expected values are read off the fixture files by hand; the sources run through
the real adapters, the command line and the landing's ingestion.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from assets.ingest import _counts_metadata
from assets.mart_metadata import SLICE_STATUS
from salesassess.landing.adapters import gong, hubspot, salesforce
from salesassess.landing.adapters.__main__ import main as adapters_cli
from salesassess.landing.adapters.base import AdapterError, Source
from salesassess.landing.adapters.salesforce import id18
from salesassess.landing.adapters.sources import adapted_files, translation_log
from salesassess.landing.ingest import ingest_kind
from tests.helpers import FIXTURES, pick, source
from tests.landing.test_adapters import Q3

REAL = FIXTURES / "adapters" / "real"
OPTIONAL = REAL / "salesforce_optional"
NULL_IDS = REAL / "salesforce_null_ids"
ANA, BEN, AUTO = "005Ak00000RpA01AAB", "005Ak00000RpB02AAB", "005Ak00000AuToPAAB"
MARTA, CARLA, DIEGO = "0058a00000MgR01AAB", "0058a00000RpC01AAB", "0058a00000RpD01AAB"
AUTOPROC, ELENA = "0058a00000AuToPAAB", "0058a00000RpE01AAB"
NO_MANAGER = ": no manager (set top_manager_id for the top of the hierarchy)"


def log_of(spec: Source, rows: list[dict]) -> list[tuple]:
    return [
        (Path(e["source_file"]).name, e["encoding"], e["records_read"], e["records_written"])
        for e in translation_log(spec, rows)
    ]


# --- Salesforce: ManagerId, IsClosed/IsWon and CreatedDate left out -----------------------
def test_a_user_export_without_manager_id_gives_empty_managers_with_a_note():
    spec = source("reps", "salesforce", OPTIONAL / "User.csv")
    users = list(salesforce.users(spec))
    assert pick(users, "rep_id", "rep_name", "manager_id", "manager_name", "active") == [
        (ANA, "Ana Silva", None, None, "true"),
        (BEN, "Ben Okafor", None, None, "true"),
        (AUTO, "Automated Process", None, None, "true"),
    ]
    assert [row["adapter_note"] for row in users] == ["no ManagerId column" + NO_MANAGER] * 3
    assert log_of(spec, users) == [("User.csv", "utf-8", 3, 3)]
    # top_manager_id names whom they report to: no note
    top = list(salesforce.users(source("reps", "salesforce", OPTIONAL / "User.csv",
                                       top_manager_id="board")))  # fmt: skip
    assert pick(top, "manager_id", "adapter_note") == [("board", None)] * 3


def test_opportunities_without_is_closed_is_won_and_created_date_read_the_stage():
    spec = source("opportunities", "salesforce", OPTIONAL / "Opportunity.csv")
    rows = list(salesforce.opportunities(spec))
    created = "no CreatedDate column: created_at is the CloseDate"
    assert pick(rows, "opportunity_id", "owner_rep_id", "created_at", "close_date",
                "is_closed", "is_won", "stage", "amount", "account_id", "adapter_note") == [
        ("006Ak00000OpA01AAB", ANA, "2026-07-20", "2026-07-20", "true", "true", "Closed Won",
         "12000", "001Ak00000AcA01AAB",
         "IsClosed and IsWon not in the export: derived from StageName 'Closed Won' (won); "
         + created),
        ("006Ak00000OpA02AAB", ANA, "2026-08-01", "2026-08-01", "true", "false", "Closed Lost",
         "8000", "001Ak00000AcB01AAB",
         "IsClosed and IsWon not in the export: derived from StageName 'Closed Lost' (lost); "
         + created),
        ("006Ak00000OpA03AAB", BEN, "2026-09-30", "2026-09-30", "false", "false",
         "Negotiation/Review", "5000", None,
         "IsClosed and IsWon not in the export: derived from StageName 'Negotiation/Review' "
         "(open); " + created),
        ("006Ak00000OpA04AAB", BEN, "2026-08-15", "2026-08-15", None, None, "Signed", "3000",
         "001Ak00000AcB01AAB",
         "IsClosed and IsWon not in the export and StageName 'Signed' is no known stage (map "
         "it with the option stages: won, lost or open); " + created),
        ("006Ak00000OpA05AAB", BEN, "2026-12-01", "2026-12-01", None, None, "On hold", None,
         None,
         "IsClosed and IsWon not in the export and StageName 'On hold' is no known stage (map "
         "it with the option stages: won, lost or open); " + created),
    ]  # fmt: skip
    # Excel's "CSV UTF-8" starts with a byte-order mark
    assert log_of(spec, rows) == [("Opportunity.csv", "utf-8-sig", 5, 5)]

    # the stage map: custom stages, and a standard stage overridden
    stages = {"Signed": "won", "On hold": "open", "Negotiation/Review": "lost"}
    mapped = list(salesforce.opportunities(source(
        "opportunities", "salesforce", OPTIONAL / "Opportunity.csv", stages=stages)))  # fmt: skip
    assert pick(mapped, "is_closed", "is_won") == [
        ("true", "true"),
        ("true", "false"),
        ("true", "false"),
        ("true", "true"),
        ("false", "false"),
    ]
    assert mapped[3]["adapter_note"] == (
        "IsClosed and IsWon not in the export: derived from StageName 'Signed' (option "
        "stages) (won); " + created
    )


def test_is_closed_stays_required_without_a_stage(tmp_path):
    export = tmp_path / "Opportunity.csv"
    export.write_text("Id,OwnerId,CloseDate,IsWon\n006A,005A,2026-07-01,true\n")
    with pytest.raises(AdapterError) as caught:
        list(salesforce.opportunities(source("opportunities", "salesforce", export)))
    assert caught.value.rule == "required_column"
    assert caught.value.message == (
        "missing column(s) IsClosed or StageName (found: Id, OwnerId, CloseDate, IsWon; map "
        "yours with the option 'columns', or set 'preset')"
    )


# --- Salesforce's null id ------------------------------------------------------------------
def test_salesforce_null_ids_read_as_empty(tmp_path):
    assert [id18(v) for v in ("000000000000000AAA", "000000000000000", " ", "", None)] == [None] * 5
    spec = source("reps", "salesforce", NULL_IDS / "User.csv")
    users = list(salesforce.users(spec))
    assert pick(users, "rep_id", "rep_name", "manager_id", "manager_name", "active") == [
        (MARTA, "Marta Ruiz", None, None, "true"),
        (CARLA, "Carla Diaz", MARTA, "Marta Ruiz", "true"),
        (DIEGO, "Diego Paz", MARTA, "Marta Ruiz", "true"),
        (AUTOPROC, "Automated Process", None, None, "true"),
        (ELENA, "Elena Soto", None, None, "false"),
    ]
    null_18 = "ManagerId '000000000000000AAA' is Salesforce's null id" + NO_MANAGER
    null_15 = "ManagerId '000000000000000' is Salesforce's null id" + NO_MANAGER
    assert [row.get("adapter_note") for row in users] == [null_18, None, None, null_18, null_15]

    opportunities = list(salesforce.opportunities(
        source("opportunities", "salesforce", NULL_IDS / "Opportunity.csv")))  # fmt: skip
    assert pick(opportunities, "opportunity_id", "owner_rep_id", "created_at", "close_date",
                "is_closed", "is_won", "amount", "account_id", "adapter_note") == [
        ("0068a00001OpN01AAB", CARLA, "2023-02-07", "2023-05-11", "true", "true", "9225.225",
         "0018a000020AcN1AAB", None),
        ("0068a00001OpN02AAB", DIEGO, "2023-02-08", "2023-03-22", "true", "false", "100", None,
         None),
    ]  # fmt: skip
    # an owner that is the null id is empty too (the landing's missing_value:owner_rep_id)
    export = tmp_path / "Opportunity.csv"
    export.write_text(
        "Id,OwnerId,StageName,CloseDate,CreatedDate\n"
        "006A,000000000000000AAA,Closed Won,2026-07-01,2026-06-01\n"
    )
    [row] = list(salesforce.opportunities(source("opportunities", "salesforce", export)))
    assert (row["owner_rep_id"], row["adapter_note"]) == (
        None,
        "IsClosed and IsWon not in the export: derived from StageName 'Closed Won' (won); "
        "OwnerId '000000000000000AAA' is Salesforce's null id: read as empty",
    )


def landing_with(tmp_path: Path, sources_yaml: str, exports: dict[str, Path]) -> Path:
    landing = tmp_path / "landing"
    for target, origin in exports.items():
        (landing / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(origin, landing / target)
    (landing / "sources.yaml").write_text(sources_yaml)
    return landing


def test_no_manager_is_named_after_the_null_id_in_the_landing(tmp_path, adapted_dir):
    landing = landing_with(
        tmp_path,
        "reps: {adapter: salesforce, path: exports/User.csv}\n",
        {"exports/User.csv": NULL_IDS / "User.csv"},
    )
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ingest_kind(con, "reps", landing, **Q3)
    assert con.execute("select rep_id, manager_id from raw.reps order by rep_id").fetchall() == [
        (CARLA, MARTA),
        (DIEGO, MARTA),
    ]
    assert con.execute(
        "select rule, raw_content ->> '$.source_record' from raw.quarantine order by row_number"
    ).fetchall() == [("missing_value:manager_id", f"row {n}") for n in (1, 4, 5)]
    # the top of the hierarchy reports to whom top_manager_id names
    (landing / "sources.yaml").write_text(
        "reps: {adapter: salesforce, path: exports/User.csv, top_manager_id: board}\n"
    )
    ingest_kind(con, "reps", landing, **Q3)
    assert con.execute(
        "select manager_id, count(*) from raw.reps group by manager_id order by manager_id"
    ).fetchall() == [(MARTA, 2), ("board", 3)]


# --- Gong's one-object reads, HubSpot's deals without a stage ------------------------------
def test_gong_single_object_responses_are_one_item_pages():
    spec = source("reps", "gong", REAL / "gong_single" / "user.json")
    users = list(gong.users(spec))
    assert pick(users, "rep_id", "rep_name", "manager_id", "manager_name", "email", "active",
                "source_record", "adapter_note") == [
        ("234599484848423", "Jon Snow", "563515258458745", None, "test@test.com", "true",
         "user", None)
    ]  # fmt: skip
    assert log_of(spec, users) == [("user.json", None, 1, 1)]
    spec = source("calls", "gong", REAL / "gong_single" / "call.json")
    calls = list(gong.calls(spec))
    assert pick(calls, "call_id", "rep_id", "started_at", "duration_s", "opportunity_id",
                "title", "direction", "source_record") == [
        ("7782342274025937895", "234599484848423", "2018-02-17T10:30:00+00:00", "460", None,
         "Example call", "Inbound", "call")
    ]  # fmt: skip
    assert log_of(spec, calls) == [("call.json", None, 1, 1)]


def test_hubspot_deals_without_a_default_pipeline_stage_get_a_note():
    spec = source("opportunities", "hubspot", REAL / "hubspot_null_stage" / "deals.json")
    rows = list(hubspot.deals(spec))
    assert pick(rows, "opportunity_id", "owner_rep_id", "created_at", "close_date",
                "is_closed", "is_won", "stage", "amount", "adapter_note") == [
        ("169292458101", "910901", "2025-08-07", None, None, None, None, "10729.2",
         "hs_is_closed and dealstage empty: is_closed unknown"),
        ("169292458102", "910901", "2025-08-11", "2025-09-30", None, None, "1178253", "4200",
         "hs_is_closed empty and dealstage '1178253' is no stage of the default pipeline: "
         "is_closed unknown"),
        ("169292458103", "910902", "2025-08-20", "2025-09-12", "true", "true", "closedwon",
         "1500", "hs_is_closed empty: closed from dealstage 'closedwon'"),
    ]  # fmt: skip


# --- each file its own verdict ---------------------------------------------------------------
SOURCES = """\
reps: {adapter: salesforce, path: exports/User.csv, top_manager_id: board}
opportunities:
  - {adapter: salesforce, path: exports/crm, stages: {Signed: won, On hold: open}}
calls: {adapter: gong, path: exports/gong}
scores: {adapter: gong, path: exports/gong}
"""
BAD_OPPORTUNITIES = (
    "Id,Name,StageName,CloseDate\n006Ak00000OpZ01AAB,Old deal,Closed Won,2025-01-01\n"
)


def refused_beside_good(tmp_path: Path) -> Path:
    landing = landing_with(
        tmp_path,
        SOURCES,
        {
            "exports/User.csv": OPTIONAL / "User.csv",
            "exports/crm/Opportunity.csv": OPTIONAL / "Opportunity.csv",
            "exports/gong/call.json": REAL / "gong_single" / "call.json",
        },
    )
    (landing / "exports" / "crm" / "Opportunity_2025.csv").write_text(BAD_OPPORTUNITIES)
    (landing / "exports" / "gong" / "broken.json").write_text('{"requestId": "x", "calls": [')
    return landing


def test_the_cli_writes_the_good_files_and_names_each_refused_one(tmp_path, capsys):
    landing = refused_beside_good(tmp_path)
    out = tmp_path / "out"
    config = landing / "sources.yaml"
    assert adapters_cli(["--config", str(config), "--out", str(out)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "exports/User.csv: 3 read, 3 written, 0 skipped (utf-8)",
        "exports/crm/Opportunity.csv: 5 read, 5 written, 0 skipped (utf-8-sig)",
        "exports/crm/Opportunity_2025.csv: refused, rule required_column: missing column(s) "
        "OwnerId (found: Id, Name, StageName, CloseDate; map yours with the option 'columns', "
        "or set 'preset')",
        "exports/gong/call.json: 1 read, 1 written, 0 skipped",
        "exports/gong/broken.json: refused, rule parsable_json: Expecting value at line 1 "
        "column 30",
        f"scores[0] (gong): refused, {config}: rule criteria_option: scores from Gong need "
        "'criteria': a mapping (or YAML file) questionId -> criterion",
        "total: 5 files, 9 read, 9 written, 0 skipped, 3 refused",
    ]
    written = {
        p.relative_to(out).as_posix(): len(p.read_text().splitlines()) for p in out.rglob("*.jsonl")
    }
    assert written == {
        "reps/01_salesforce.jsonl": 3,
        "opportunities/01_salesforce.jsonl": 5,
        "calls/01_gong.jsonl": 1,
    }
    log = json.loads((out / "opportunities" / "01_salesforce.log.json").read_text())
    assert [(Path(e["source_file"]).name, e["records_written"], e["refused"]) for e in
            log["files"]] == [
        ("Opportunity.csv", 5, None),
        ("Opportunity_2025.csv", 0, {
            "rule": "required_column",
            "record": None,
            "message": "missing column(s) OwnerId (found: Id, Name, StageName, CloseDate; map "
                       "yours with the option 'columns', or set 'preset')",
        }),
    ]  # fmt: skip


def test_the_landing_loads_the_readable_files_and_logs_the_refused_one(tmp_path, adapted_dir):
    landing = refused_beside_good(tmp_path)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ingest_kind(con, "reps", landing, **Q3)
    counts = ingest_kind(con, "opportunities", landing, **Q3)
    # the ingestion step's line and metadata say a file was refused
    metadata = _counts_metadata(con, "opportunities", "2026-Q3", counts)
    assert metadata[SLICE_STATUS].value == "1 export file refused (see exports)"
    assert metadata["exports_refused"].value == 1
    assert con.execute(
        "select opportunity_id, is_closed, is_won from raw.opportunities order by 1"
    ).fetchall() == [
        ("006Ak00000OpA01AAB", True, True),
        ("006Ak00000OpA02AAB", True, False),
        ("006Ak00000OpA03AAB", False, False),
        ("006Ak00000OpA04AAB", True, True),
        ("006Ak00000OpA05AAB", False, False),
    ]
    bad = landing / "exports" / "crm" / "Opportunity_2025.csv"
    assert con.execute(
        "select regexp_extract(source_file, '[^/]+$'), records_read, records_written, refused "
        "from raw.adapter_log where kind = 'opportunities' order by source_file"
    ).fetchall() == [
        ("Opportunity.csv", 5, 5, None),
        ("Opportunity_2025.csv", None, 0,
         f"{bad}: rule required_column: missing column(s) OwnerId (found: Id, Name, StageName, "
         "CloseDate; map yours with the option 'columns', or set 'preset')"),
    ]  # fmt: skip
    # a kind none of whose files can be read fails, naming the file and the rule
    (landing / "exports" / "gong" / "call.json").unlink()
    with pytest.raises(AdapterError) as caught:
        adapted_files(landing, "calls")
    assert (Path(caught.value.file).name, caught.value.rule) == ("broken.json", "parsable_json")
    # and so does a source whose configuration is wrong
    with pytest.raises(AdapterError, match=r"rule criteria_option"):
        adapted_files(landing, "scores")


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_an_export_with_a_header_and_no_row_reads_as_empty_not_refused(tmp_path, suffix):
    # a quarter with no closed deal: Salesforce writes the header alone
    header = tmp_path / "Opportunity.csv"
    header.write_text("Id,OwnerId,StageName,CloseDate,Amount\r\n", encoding="utf-8")
    path = header
    if suffix == "parquet":
        path = tmp_path / "Opportunity.parquet"
        duckdb.sql(f"copy (select * from read_csv('{header}', all_varchar = true)) to '{path}'")
    spec = source("opportunities", "salesforce", path)
    assert list(salesforce.opportunities(spec)) == []
    # and a header that lacks a required column is still refused, naming it
    header.write_text("Id,StageName,CloseDate\r\n", encoding="utf-8")
    with pytest.raises(AdapterError, match=r"missing column\(s\) OwnerId \(found: Id, Sta"):
        list(salesforce.opportunities(source("opportunities", "salesforce", header)))
