"""Every public dbt mart (schema marts) has an enforced contract, a type and a description
for every column, and its key tested: unique together, each key column not null."""

import json

from tests.helpers import ROOT

DBT_MARTS = {
    "dim_criteria",
    "dim_criterion_anchors",
    "dim_managers",
    "dim_reps",
    "fct_calibration_review",
    "fct_call_criterion_scores",
    "fct_call_scores",
    "fct_coaching_evidence",
    "fct_coaching_priorities",
    "fct_manager_effectiveness",
    "fct_monthly_checkins",
    "fct_practice_scenarios",
    "fct_rep_criterion_scores",
    "fct_rep_scorecards",
    "fct_rescore_deltas",
    "fct_review_queue",
    "fct_scoring_coverage",
    "fct_top_bottom_gaps",
}


def manifest() -> dict:
    return json.loads((ROOT / "dbt_project" / "target" / "manifest.json").read_text())


def marts(nodes: dict) -> dict[str, dict]:
    return {
        node["name"]: node
        for node in nodes.values()
        if node["resource_type"] == "model" and node["schema"].endswith("marts")
    }


def test_every_mart_has_an_enforced_contract_with_typed_and_documented_columns():
    models = marts(manifest()["nodes"])
    assert set(models) == DBT_MARTS
    assert sorted(name for name, node in models.items() if node["contract"]["enforced"]) == sorted(
        DBT_MARTS
    )
    undocumented = {
        name: sorted(
            column
            for column, spec in node["columns"].items()
            if not spec.get("data_type") or not spec.get("description")
        )
        for name, node in models.items()
    }
    assert {name: columns for name, columns in undocumented.items() if columns} == {}
    assert all(node["description"] for node in models.values())


def test_every_mart_key_is_unique_and_not_null():
    nodes = manifest()["nodes"]
    models = marts(nodes)
    keys: dict[str, list[str]] = {}
    not_null: dict[str, set[str]] = {name: set() for name in models}
    for node in nodes.values():
        test = node.get("test_metadata") or {}
        model = (node.get("attached_node") or "").rsplit(".", 1)[-1]
        if model not in models:
            continue
        if test.get("name") == "unique_combination":
            keys[model] = test["kwargs"]["columns"]
        elif test.get("name") == "not_null":
            not_null[model].add(node["column_name"])
    assert set(keys) == DBT_MARTS
    assert {name: sorted(set(key) - not_null[name]) for name, key in keys.items()} == {
        name: [] for name in DBT_MARTS
    }
