"""Inputs cannot reach outside: adapter paths stay in the landing folder (or the operator's
allow-list), errors never echo a file's content, and YAML aliases are refused."""

from __future__ import annotations

import time

import pytest
import yaml

from salesassess.landing.adapters.base import AdapterError
from salesassess.landing.adapters.sources import adapted_files, load_sources, translate
from salesassess.method.rubric import RubricError, load_rubric_file, load_rubrics
from salesassess.platform.yaml_input import MAX_YAML_BYTES

SECRET = "root:x:0:0:root:/root:/bin/bash\nadmin:$6$hash:19000:0:99999:7:::\n"


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """A landing folder and, beside it, a folder outside it holding a secret file."""
    monkeypatch.delenv("ASSESSMENT_SOURCES_ALLOW", raising=False)
    monkeypatch.delenv("ASSESSMENT_SOURCES", raising=False)
    monkeypatch.setenv("ASSESSMENT_ADAPTED_DIR", str(tmp_path / "adapted"))
    landing = tmp_path / "site" / "landing"
    landing.mkdir(parents=True)
    outside = tmp_path / "site" / "private"
    outside.mkdir()
    (outside / "passwd").write_text(SECRET)
    (outside / "passwd.csv").write_text(SECRET)  # a secret under an export's name
    return landing, outside


def refusal(landing, path: str, **options) -> AdapterError:
    (landing / "sources.yaml").write_text(
        yaml.safe_dump({"reps": {"adapter": "salesforce", "path": path, **options}})
    )
    with pytest.raises(AdapterError) as caught:
        adapted_files(landing, "reps")
    return caught.value


@pytest.mark.parametrize("path", ["../private/passwd", "PRIVATE", "exports/../../private/passwd"])
def test_a_path_leaving_the_landing_folder_is_refused(folders, path):
    landing, outside = folders
    path = str(outside / "passwd") if path == "PRIVATE" else path
    error = refusal(landing, path)
    assert error.rule == "path_inside_landing"
    assert str(error) == (
        f"{landing / 'sources.yaml'}, record reps[0]: rule path_inside_landing: field 'path' "
        f"points outside the landing folder ({landing.resolve()}); an operator can allow "
        "other folders with ASSESSMENT_SOURCES_ALLOW"
    )
    assert "root:x" not in str(error)


def test_a_link_or_a_path_option_leaving_the_landing_folder_is_refused(folders):
    landing, outside = folders
    (landing / "exports").mkdir()
    (landing / "exports" / "User.csv").symlink_to(outside / "passwd")
    assert refusal(landing, "exports/User.csv").rule == "path_inside_landing"
    (landing / "owners.yaml").write_text("{}")
    error = refusal(landing, "owners.yaml", owners="../private/passwd")
    assert "field 'owners' points outside the landing folder" in str(error)


def test_the_operator_allows_a_folder_and_errors_never_echo_a_file_that_is_no_export(
    folders, monkeypatch
):
    landing, outside = folders
    monkeypatch.setenv("ASSESSMENT_SOURCES_ALLOW", str(outside))
    (landing / "sources.yaml").write_text(
        f"reps: {{adapter: salesforce, path: {outside / 'passwd.csv'}}}\n"
    )
    [source] = load_sources(landing / "sources.yaml")["reps"]
    with pytest.raises(AdapterError) as caught:
        translate(source)
    # the first line of a file that is no export is never echoed
    assert str(caught.value) == (
        f"{outside / 'passwd.csv'}: rule required_column: missing column(s) Id, Name or "
        "FirstName or LastName (the first line is no CSV header: 1 field(s), not shown; map "
        "yours with the option 'columns', or set 'preset')"
    )
    assert "root:x" not in str(caught.value)

    # a real header is named: it helps to write a column mapping
    (outside / "User.csv").write_text("Id,Full Name,Manager\n005A,Ana,005B\n")
    (landing / "sources.yaml").write_text(
        f"reps: {{adapter: salesforce, path: {outside / 'User.csv'}}}\n"
    )
    [source] = load_sources(landing / "sources.yaml")["reps"]
    with pytest.raises(AdapterError) as caught:
        translate(source)
    assert (
        "missing column(s) Name or FirstName or LastName (found: Id, Full Name, Manager; "
        in str(caught.value)
    )


def alias_bomb(levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"l{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_in_a_rubric_or_sources_file_is_refused_at_once(folders):
    landing, _ = folders
    (landing / "rubric.yaml").write_text(alias_bomb())
    started = time.perf_counter()
    with pytest.raises(RubricError) as caught:
        load_rubrics(landing)
    assert time.perf_counter() - started < 1
    assert caught.value.rule == "parsable_yaml"
    assert "the document expands to more than 100000 values (its aliases repeat their " in str(
        caught.value
    )

    (landing / "sources.yaml").write_text(alias_bomb())
    with pytest.raises(AdapterError) as caught:
        load_sources(landing / "sources.yaml")
    assert caught.value.rule == "parsable_yaml"
    assert "the document expands to more than 100000 values" in str(caught.value)


def test_aliases_a_tool_writes_for_a_repeated_value_stay_readable(folders):
    landing, _ = folders
    (landing / "exports").mkdir()
    (landing / "exports" / "User.csv").write_text("Id,Name,ManagerId\n005A,Ana,\n")
    shared = {"adapter": "salesforce", "path": "exports/User.csv"}
    text = yaml.safe_dump({"reps": [shared, shared]})
    assert "*id001" in text
    (landing / "sources.yaml").write_text(text)
    sources = load_sources(landing / "sources.yaml")["reps"]
    assert [source.path for source in sources] == [landing / "exports" / "User.csv"] * 2
    (landing / "sources.yaml").write_text("reps: &loop [*loop]\n")
    with pytest.raises(AdapterError, match="an alias refers to a value that contains it"):
        load_sources(landing / "sources.yaml")


def test_an_oversized_rubric_is_refused_before_it_is_read(tmp_path):
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text("# padding\n" * (MAX_YAML_BYTES // 10 + 1))
    with pytest.raises(RubricError) as caught:
        load_rubric_file(rubric)
    assert str(caught.value) == (
        f"{rubric}: rule parsable_yaml: cannot be parsed: the file holds "
        f"{MAX_YAML_BYTES + 10} bytes; at most {MAX_YAML_BYTES} are read"
    )
