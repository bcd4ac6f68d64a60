"""Step 1: rubric validation names the file, the criterion and the rule broken."""

import pytest
import yaml

from salesassess.method.rubric import RubricError, load_rubric_file, load_rubrics
from tests.helpers import ROOT

TEMPLATES = ROOT / "rubrics" / "templates"


def _criteria(weights):
    return [
        {"id": f"c{i}", "name": f"C{i}", "weight": w, "anchors": [f"level {n}" for n in range(5)]}
        for i, w in enumerate(weights)
    ]


def _write(tmp_path, **overrides):
    document = {
        "rubric_id": "r",
        "version": "1",
        "effective_from": "2026-01-01",
        "scale": {"min": 1, "max": 5},
        "criteria": _criteria([40, 30, 20, 10]),
    }
    document.update(overrides)
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.mark.parametrize("name", ["one_call_close.yaml", "complex_b2b.yaml"])
def test_shipped_templates_are_valid(name):
    rubric = load_rubric_file(TEMPLATES / name)
    assert 4 <= len(rubric.criteria) <= 6
    assert sum(c.weight for c in rubric.criteria) == 100
    assert all(len(c.anchors) == 5 and all(c.anchors.values()) for c in rubric.criteria)


def test_one_call_close_carries_the_seed_criteria():
    ids = {c.id for c in load_rubric_file(TEMPLATES / "one_call_close.yaml").criteria}
    assert {"urgency_creation", "objection_handling_depth", "close_attempt_quality"} <= ids


def test_complex_b2b_carries_the_seed_criteria():
    ids = {c.id for c in load_rubric_file(TEMPLATES / "complex_b2b.yaml").criteria}
    assert {
        "economic_buyer_identification",
        "technical_fit_qualification",
        "multi_stakeholder_alignment",
    } <= ids


@pytest.mark.parametrize(
    ("overrides", "rule", "criterion"),
    [
        ({"criteria": _criteria([50, 30, 20])}, "criteria_count", None),
        ({"criteria": _criteria([20, 20, 20, 10, 10, 10, 10])}, "criteria_count", None),
        ({"criteria": _criteria([40, 30, 20, 20])}, "weights_sum_to_100", None),
        ({"criteria": _criteria([40, 30, 19.5, 10.5])}, "whole_percent_weight", "c2"),
    ],
)
def test_step_1_rules(tmp_path, overrides, rule, criterion):
    path = _write(tmp_path, **overrides)
    with pytest.raises(RubricError) as error:
        load_rubric_file(path)
    assert error.value.rule == rule
    assert error.value.criterion == criterion
    assert str(path) in str(error.value)
    assert rule in str(error.value)


def test_missing_anchor_names_the_criterion_and_level(tmp_path):
    criteria = _criteria([40, 30, 20, 10])
    criteria[1]["anchors"] = {1: "a", 2: "b", 3: "c", 5: "e"}
    path = _write(tmp_path, criteria=criteria)
    with pytest.raises(RubricError, match=r"criterion 'c1': rule anchor_per_level.*level\(s\) 4"):
        load_rubric_file(path)


def test_anchor_outside_scale_is_refused(tmp_path):
    criteria = _criteria([40, 30, 20, 10])
    criteria[0]["anchors"] = {level: "x" for level in range(1, 7)}
    with pytest.raises(RubricError, match="level 6 is outside the scale 1..5"):
        load_rubric_file(_write(tmp_path, criteria=criteria))


def test_duplicate_criterion_id(tmp_path):
    criteria = _criteria([40, 30, 20, 10])
    criteria[3]["id"] = "c0"
    with pytest.raises(RubricError) as error:
        load_rubric_file(_write(tmp_path, criteria=criteria))
    assert (error.value.rule, error.value.criterion) == ("unique_criterion_id", "c0")


def test_unparsable_yaml_names_the_file(tmp_path):
    path = tmp_path / "rubric.yaml"
    path.write_text("criteria: [unclosed\n")
    with pytest.raises(RubricError, match=r"rubric.yaml: rule parsable_yaml"):
        load_rubric_file(path)


def test_versions_folder_is_read_oldest_first_and_versions_are_unique(tmp_path):
    folder = tmp_path / "rubrics"
    folder.mkdir()
    for version, day in (("2", "2026-04-01"), ("1", "2025-01-01")):
        (folder / f"v{version}.yaml").write_text(
            yaml.safe_dump(
                {
                    "rubric_id": "r",
                    "version": version,
                    "effective_from": day,
                    "scale": {"min": 1, "max": 5},
                    "criteria": _criteria([25, 25, 25, 25]),
                }
            )
        )
    assert [r.version for r in load_rubrics(tmp_path)] == ["1", "2"]
    (folder / "v3.yaml").write_text((folder / "v2.yaml").read_text())
    with pytest.raises(RubricError, match="unique_version"):
        load_rubrics(tmp_path)


def test_no_rubric_in_landing_folder(tmp_path):
    with pytest.raises(RubricError, match="rubric_present"):
        load_rubrics(tmp_path)
