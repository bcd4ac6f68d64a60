"""The marts written in Python: one contract (dbt's marts source), key checked before writing."""

import duckdb
import pytest

from salesassess.publishing.python_marts import MartContractError, contracts, write_mart

PYTHON_MARTS = {
    "fct_criterion_win_correlation",
    "fct_weight_calibration",
    "fct_rubric_reliability",
    "fct_followup_significance",
    "fct_coaching_effect",
}


def test_every_python_mart_declares_types_and_a_key():
    assert set(contracts()) == PYTHON_MARTS
    significance = contracts()["fct_followup_significance"]
    assert significance.table == "marts.fct_followup_significance"
    assert significance.key == ("cycle",)
    assert significance.columns[:3] == (
        ("cycle", "varchar"),
        ("n", "bigint"),
        ("mean_delta", "double"),
    )


def row(cycle, n):
    return (cycle, n, 0.5, None, None, None, None, None, 0)


def test_rows_are_written_from_the_contract(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        write_mart(con, "fct_followup_significance", "2026-Q3", [row("2026-Q3", 4)])
        assert con.execute("select cycle, n from marts.fct_followup_significance").fetchall() == [
            ("2026-Q3", 4)
        ]
        types = con.execute(
            "select data_type from information_schema.columns "
            "where table_name = 'fct_followup_significance' order by ordinal_position"
        ).fetchall()
        assert types[:3] == [("VARCHAR",), ("BIGINT",), ("DOUBLE",)]


def test_a_repeated_or_null_key_writes_nothing(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        write_mart(con, "fct_followup_significance", "2026-Q3", [row("2026-Q3", 4)])
        with pytest.raises(MartContractError, match=r"1 key\(s\) \(cycle\) repeated"):
            write_mart(
                con, "fct_followup_significance", "2026-Q3", [row("2026-Q3", 1), row("2026-Q3", 2)]
            )
        with pytest.raises(MartContractError, match="1 row\\(s\\) with cycle null"):
            write_mart(con, "fct_followup_significance", "2026-Q3", [row(None, 1)])
        # the cycle's earlier rows are untouched
        assert con.execute("select n from marts.fct_followup_significance").fetchall() == [(4,)]


def test_a_team_and_its_managers_are_distinct_keys(tmp_path):
    effect = contracts()["fct_coaching_effect"]
    width = len(effect.columns)
    team = ("2026-Q3", "team", None) + (None,) * (width - 3)
    manager = ("2026-Q3", "manager", "m1") + (None,) * (width - 3)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        write_mart(con, "fct_coaching_effect", "2026-Q3", [team, manager])
        with pytest.raises(MartContractError, match="repeated"):
            write_mart(con, "fct_coaching_effect", "2026-Q3", [team, team])


def test_a_table_of_another_shape_is_refused_and_new_end_columns_are_added(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_followup_significance (n bigint, cycle varchar)")
        with pytest.raises(MartContractError, match="made by another version"):
            write_mart(con, "fct_followup_significance", "2026-Q3", [row("2026-Q3", 4)])
        con.execute("drop table marts.fct_followup_significance")
        # a table made before the contract's last column was added
        con.execute(
            "create table marts.fct_followup_significance (cycle varchar, n bigint, "
            "mean_delta double, t_statistic double, t_p_value double, wilcoxon_statistic double, "
            "wilcoxon_p_value double, note varchar)"
        )
        write_mart(con, "fct_followup_significance", "2026-Q3", [row("2026-Q3", 4)])
        assert con.execute(
            "select n, n_provisional from marts.fct_followup_significance"
        ).fetchall() == [(4, 0)]
