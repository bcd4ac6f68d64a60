"""Step 1 of the method: a rubric of 4-6 weighted criteria with a behavioural anchor per level.

A rubric is ``rubric.yaml`` in the landing folder, or a folder ``rubrics/`` holding one file
per version. Every broken Step 1 rule raises :class:`RubricError` naming the file, the
criterion and the rule, so an assessment never runs on a rubric the method rejects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from salesassess.platform.environment import inside_allowed_folders
from salesassess.platform.yaml_input import load_yaml_file

MIN_CRITERIA = 4
MAX_CRITERIA = 6
TOTAL_WEIGHT = 100


class RubricError(ValueError):
    """A rubric file breaks a Step 1 rule."""

    def __init__(self, file: Path | str, rule: str, message: str, criterion: str | None = None):
        self.file = str(file)
        self.rule = rule
        self.criterion = criterion
        where = f"{self.file}" + (f", criterion {criterion!r}" if criterion else "")
        super().__init__(f"{where}: rule {rule}: {message}")


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    weight: int
    anchors: dict[int, str]
    description: str = ""


@dataclass(frozen=True)
class Rubric:
    rubric_id: str
    version: str
    effective_from: date
    scale_min: int
    scale_max: int
    criteria: tuple[Criterion, ...]
    source_file: str

    @property
    def levels(self) -> range:
        return range(self.scale_min, self.scale_max + 1)


def _require(document: dict, field: str, file: Path):
    if field not in document or document[field] in (None, ""):
        raise RubricError(file, "required_field", f"field {field!r} is missing")
    return document[field]


def _whole_number(value, file: Path, rule: str, what: str, criterion: str | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise RubricError(file, rule, f"{what} must be a whole number, got {value!r}", criterion)
    return int(value)


def _anchors(raw, levels: range, file: Path, criterion: str) -> dict[int, str]:
    if isinstance(raw, list):
        if len(raw) != len(levels):
            raise RubricError(
                file,
                "anchor_per_level",
                f"{len(raw)} anchors listed for the {len(levels)} levels "
                f"{levels.start}..{levels.stop - 1}",
                criterion,
            )
        raw = dict(zip(levels, raw, strict=True))
    if not isinstance(raw, dict):
        raise RubricError(file, "anchor_per_level", "anchors must map level to text", criterion)
    anchors: dict[int, str] = {}
    for level, text in raw.items():
        try:
            number = int(level)
        except (TypeError, ValueError):
            raise RubricError(
                file, "anchor_per_level", f"anchor level {level!r} is not a number", criterion
            ) from None
        if number not in levels:
            raise RubricError(
                file,
                "anchor_per_level",
                f"anchor for level {number} is outside the scale {levels.start}..{levels.stop - 1}",
                criterion,
            )
        anchors[number] = str(text or "").strip()
    missing = [level for level in levels if not anchors.get(level)]
    if missing:
        raise RubricError(
            file,
            "anchor_per_level",
            f"no behavioural anchor for level(s) {', '.join(map(str, missing))}",
            criterion,
        )
    return dict(sorted(anchors.items()))


def parse_rubric(document: object, file: Path) -> Rubric:
    """Validate one rubric document against every Step 1 rule."""
    if not isinstance(document, dict):
        raise RubricError(file, "format", "a rubric file must hold one YAML mapping")
    rubric_id = str(_require(document, "rubric_id", file))
    version = str(_require(document, "version", file))
    effective_raw = _require(document, "effective_from", file)
    try:
        effective_from = (
            effective_raw
            if isinstance(effective_raw, date)
            else date.fromisoformat(str(effective_raw))
        )
    except ValueError:
        raise RubricError(
            file, "effective_from", f"effective_from {effective_raw!r} is not YYYY-MM-DD"
        ) from None
    scale = _require(document, "scale", file)
    if not isinstance(scale, dict):
        raise RubricError(file, "scale", "scale must have min and max")
    scale_min = _whole_number(scale.get("min"), file, "scale", "scale.min")
    scale_max = _whole_number(scale.get("max"), file, "scale", "scale.max")
    if scale_max <= scale_min:
        raise RubricError(file, "scale", f"scale.max {scale_max} must exceed scale.min {scale_min}")
    levels = range(scale_min, scale_max + 1)

    raw_criteria = _require(document, "criteria", file)
    if not isinstance(raw_criteria, list):
        raise RubricError(file, "criteria", "criteria must be a list")
    if not MIN_CRITERIA <= len(raw_criteria) <= MAX_CRITERIA:
        raise RubricError(
            file,
            "criteria_count",
            f"{len(raw_criteria)} criteria; the method requires {MIN_CRITERIA} to {MAX_CRITERIA}",
        )
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_criteria, start=1):
        if not isinstance(raw, dict) or not raw.get("id"):
            raise RubricError(file, "required_field", f"criterion #{position} has no id")
        criterion_id = str(raw["id"])
        if criterion_id in seen:
            raise RubricError(
                file, "unique_criterion_id", "criterion id appears twice", criterion_id
            )
        seen.add(criterion_id)
        if "weight" not in raw:
            raise RubricError(file, "weight", "weight is missing", criterion_id)
        weight = _whole_number(raw["weight"], file, "whole_percent_weight", "weight", criterion_id)
        if weight <= 0:
            raise RubricError(file, "whole_percent_weight", "weight must be positive", criterion_id)
        if "anchors" not in raw:
            raise RubricError(file, "anchor_per_level", "anchors are missing", criterion_id)
        criteria.append(
            Criterion(
                id=criterion_id,
                name=str(raw.get("name") or criterion_id),
                weight=weight,
                anchors=_anchors(raw["anchors"], levels, file, criterion_id),
                description=str(raw.get("description") or "").strip(),
            )
        )
    total = sum(criterion.weight for criterion in criteria)
    if total != TOTAL_WEIGHT:
        raise RubricError(
            file,
            "weights_sum_to_100",
            f"weights sum to {total}, not {TOTAL_WEIGHT} "
            f"({', '.join(f'{c.id}={c.weight}' for c in criteria)})",
        )
    return Rubric(
        rubric_id=rubric_id,
        version=version,
        effective_from=effective_from,
        scale_min=scale_min,
        scale_max=scale_max,
        criteria=tuple(criteria),
        source_file=str(file),
    )


def load_rubric_file(file: Path) -> Rubric:
    try:
        document = load_yaml_file(file)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise RubricError(file, "parsable_yaml", f"cannot be parsed: {error}") from None
    return parse_rubric(document, file)


def rubric_files(landing_dir: Path) -> list[Path]:
    """``rubric.yaml`` / ``rubric.yml`` and every YAML file under ``rubrics/``."""
    files = [landing_dir / name for name in ("rubric.yaml", "rubric.yml")]
    found = [file for file in files if file.is_file()]
    folder = landing_dir / "rubrics"
    if folder.is_dir():
        found += sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"})
    for file in found:
        if not inside_allowed_folders(file, landing_dir):
            raise RubricError(
                file,
                "path_inside_landing",
                "the file is a link to a file outside the landing folder, so it is not read; "
                "an operator can allow other folders with ASSESSMENT_SOURCES_ALLOW",
            )
    return found


def load_rubrics(landing_dir: Path) -> list[Rubric]:
    """Every rubric version in the landing folder, validated, oldest first."""
    files = rubric_files(landing_dir)
    if not files:
        raise RubricError(
            landing_dir / "rubric.yaml",
            "rubric_present",
            "no rubric.yaml and no rubrics/ folder in the landing folder",
        )
    rubrics = [load_rubric_file(file) for file in files]
    seen: dict[str, str] = {}
    for rubric in rubrics:
        if rubric.version in seen:
            raise RubricError(
                rubric.source_file,
                "unique_version",
                f"rubric version {rubric.version!r} is also defined in {seen[rubric.version]}",
            )
        seen[rubric.version] = rubric.source_file
    return sorted(rubrics, key=lambda rubric: (rubric.effective_from, rubric.version))


def cycle_rubric_file(landing_dir, cycle_end_date):
    """The rubric file in force for the cycle: the latest effective before its end."""
    candidates = [
        (rubric.effective_from, rubric.version, file)
        for file in rubric_files(landing_dir)
        for rubric in [load_rubric_file(file)]
        if rubric.effective_from < cycle_end_date
    ]
    return max(candidates)[2] if candidates else None
