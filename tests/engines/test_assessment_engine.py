"""The engine resource's DuckDB-side steps, without Spark: which raw Parquet files a run
writes, and how rows collected from Spark land in the warehouse (the Spark steps
themselves run in tests/engines/test_spark.py)."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.assessment_engine import engine_name, load_collected
from salesassess.engines.spark import export_raw_tables


def test_engine_name(monkeypatch):
    monkeypatch.delenv("ASSESSMENT_ENGINE", raising=False)
    assert engine_name() == "duckdb"
    monkeypatch.setenv("ASSESSMENT_ENGINE", "Spark")
    assert engine_name() == "spark"
    assert engine_name("duckdb") == "duckdb"
    with pytest.raises(ValueError, match="ASSESSMENT_ENGINE='snowflake'"):
        engine_name("snowflake")


def _rows(file) -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute(f"select * from '{file}' order by all").fetchall()


def test_a_run_writes_its_labels_and_the_missing_ones(tmp_path):
    out = tmp_path / "raw"
    with duckdb.connect() as con:
        con.execute("create schema raw")
        con.execute("create table raw.calls (cycle varchar, call_id varchar)")
        con.execute("insert into raw.calls values ('2026-Q1', 'a'), ('2026-Q2', 'b')")
        con.execute("create table raw.settings (name varchar)")
        con.execute("insert into raw.settings values ('x')")
        assert export_raw_tables(con, out) == {"calls": 2, "settings": 1}
        assert sorted(p.name for p in (out / "calls").iterdir()) == [
            "2026-Q1.parquet",
            "2026-Q2.parquet",
        ]
        # 2026-Q2 re-ingested, 2026-Q3 new: a run of 2026-Q2 writes both, keeps 2026-Q1
        con.execute("delete from raw.calls where cycle = '2026-Q2'")
        con.execute("insert into raw.calls values ('2026-Q2', 'c'), ('2026-Q3', 'd')")
        con.execute("update raw.calls set call_id = 'z' where cycle = '2026-Q1'")
        assert export_raw_tables(con, out, labels={"2026-Q2"}, tables={"calls"}) == {"calls": 2}
        assert _rows(out / "calls" / "2026-Q1.parquet") == [("2026-Q1", "a")]
        assert _rows(out / "calls" / "2026-Q2.parquet") == [("2026-Q2", "c")]
        assert _rows(out / "calls" / "2026-Q3.parquet") == [("2026-Q3", "d")]
        # a label of the run without rows left: its file goes
        con.execute("delete from raw.calls where cycle = '2026-Q3'")
        export_raw_tables(con, out, labels={"2026-Q3"}, tables={"calls"})
        assert not (out / "calls" / "2026-Q3.parquet").exists()
        assert (out / "calls" / "2026-Q1.parquet").exists()


def test_collected_rows_replace_the_partition(tmp_path):
    folder = tmp_path / "collected"
    folder.mkdir()
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * from (values ('2026-Q2', 'r1', 2.5), ('2026-Q2', 'r2', 3.0)) "
            f"t(cycle, rep_id, score)) to '{folder}/marts.fct_x.parquet' (format parquet)"
        )
        con.execute(
            f"copy (select 7 as n) to '{folder}/intermediate.int_y.parquet' (format parquet)"
        )
        con.execute("create schema marts")
        con.execute("create table marts.fct_x (cycle varchar, rep_id varchar, score double)")
        con.execute("insert into marts.fct_x values ('2026-Q1', 'r1', 1.0), ('2026-Q2', 'old', 9)")
        con.execute("create schema intermediate")
        con.execute("create view intermediate.int_y as select 1 as n")
        tables = {"marts.fct_x": "cycle=2026-Q2", "intermediate.int_y": ""}
        load_collected(con, folder, tables, "cycle", "2026-Q2")
        assert con.execute("select * from marts.fct_x order by all").fetchall() == [
            ("2026-Q1", "r1", 1.0),
            ("2026-Q2", "r1", 2.5),
            ("2026-Q2", "r2", 3.0),
        ]
        assert con.execute("select * from intermediate.int_y").fetchall() == [(7,)]
        assert con.execute(
            "select table_type from information_schema.tables where table_name = 'int_y'"
        ).fetchall() == [("BASE TABLE",)]
