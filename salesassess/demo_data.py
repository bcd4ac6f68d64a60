# ruff: noqa: E501  (phrase banks: one line of dialogue per line)
"""Deterministic demo data: a believable sales team written as a canonical landing folder.

``python -m salesassess.demo_data --out data/landing`` writes the landing files of
DATA_CONTRACT.md (``rubric.yaml``, ``reps.csv``, ``calls.csv``, ``utterances.parquet``,
``scores.csv``, ``opportunities.csv``, ``coaching_sessions.csv``) and
``_truth/truth.json``, the hidden structure the analytics must rediscover (ingestion
ignores it). The same arguments give byte-identical files.

The company behind the data:

* every rep has a latent skill per criterion; each call shows a behaviour per criterion
  around that skill, and its transcript is written from phrase banks of that behaviour
  level, so a rule-based scorer can recover the level from the words;
* an opportunity's chance of being won rises with the behaviour shown on its calls, with
  hidden weights per criterion (for the one-call-close rubric, urgency creation matters
  most and next step / process adherence not at all);
* each quarter, every rep's manager scores a sample of 12 of the rep's calls stratified
  by ISO week (one rep gets only 6 in the last quarter: ``insufficient_sample``); 10 calls
  per team get a second reviewer, who disagrees more on the criterion with vague anchors;
  the manager re-scores up to 8 calls in the 30 days after each coaching session; about
  15% of calls also carry an external platform scorecard;
* after each quarter every rep gets a coaching session on their largest weighted skill gap;
  a rep responds with the manager's coaching efficacy and then improves on that criterion.

Calls, scores and opportunities are built with vectorised numpy (a million calls without
transcripts take seconds); only the transcripts are written call by call.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import shutil
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import yaml

from salesassess.calendar import add_quarters, cycle_key, latest_complete_partition, quarter_start
from salesassess.environment import RUBRIC_TEMPLATES, load_dotenv, resolve

DEFAULT_RUBRIC = RUBRIC_TEMPLATES / "one_call_close.yaml"
DEFAULT_LANDING_DIR = "data/landing"

# Every file the generator writes (and removes first, so a rerun overwrites them).
OUTPUT_FILES = (
    "rubric.yaml",
    "reps.csv",
    "calls.csv",
    "utterances.parquet",
    "scores.csv",
    "opportunities.csv",
    "coaching_sessions.csv",
    "_truth/truth.json",
)

# --- the hidden structure (all on a 1..5 scale; other scales are mapped linearly) -------
SKILL_SD = 0.7  # latent skill per rep and criterion ~ N(scale centre, 0.7)
SKILL_MARGIN = 0.3  # skills are clipped to [min + 0.3, max - 0.3]
CALL_SD = 0.6  # behaviour on one call ~ skill + N(0, 0.6)
WIN_INTERCEPT = -0.2
WIN_WEIGHTS = {
    "urgency_creation": 1.3,
    "objection_handling_depth": 0.9,
    "close_attempt_quality": 0.6,
    "discovery_quality": 0.3,
    "next_step_process": 0.0,
}
WIN_WEIGHTS_BY_ORDER = (1.3, 0.9, 0.6, 0.3, 0.0, 0.0)
COACHING_EFFICACY = (0.8, 0.5, 0.15)  # manager 1, 2, 3, then cycling
COACHING_LIFT = 0.9
COACHING_DELAY_DAYS = (1, 7)  # session delivered this many days after the assessment date

# --- the scoring policy ---------------------------------------------------------------
SAMPLE_CALLS = 12  # human sample per rep and quarter, stratified by ISO week
SHORT_SAMPLE_CALLS = 6  # the one rep with an insufficient sample in the last quarter
CALIBRATION_CALLS = 10  # per manager's team and quarter, scored by a second reviewer
FOLLOWUP_DAYS = 30
FOLLOWUP_CALLS = 8  # re-scored by the manager in the 30 days after a coaching session
EXTERNAL_SHARE = 0.15
HUMAN_SD = 0.45
VAGUE_SD = 0.75  # second reviewer's noise on the criterion with vague anchors
EXTERNAL_SD = 0.6
VAGUE_CRITERION = "next_step_process"
EXTERNAL_SCORER = "gong_scorecard"
SPARE_REVIEWER = "enablement_lead"  # second reviewer when there is a single manager

SELLER_DOMAIN = "brightdesk.io"  # the reps sell Brightdesk, a help desk for small teams
OFFSETS = (("+00:00", 0), ("-05:00", -300), ("+01:00", 60))
PRICES = (39, 49, 69)  # per agent per month

FIRST_NAMES = (
    "Ana", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hiro", "Isabel", "James",
    "Kemi", "Liam", "Maya", "Noah", "Olivia", "Pedro", "Quinn", "Rosa", "Samir", "Tara",
    "Umar", "Vera", "Will", "Yara", "Zoe", "Aaron", "Bianca", "Carlos", "Dana", "Ethan",
    "Fatima", "Gabriel", "Hannah", "Ivan", "Julia", "Kofi", "Laura", "Marco", "Nadia",
    "Oscar", "Priya", "Ryan", "Sofia", "Tomas", "Uma", "Victor", "Wendy", "Xavier",
)  # fmt: skip
LAST_NAMES = (
    "Silva", "Okafor", "Martin", "Chen", "Novak", "Haddad", "Kim", "Tanaka", "Garcia",
    "Walsh", "Adeyemi", "Murphy", "Patel", "Fischer", "Brown", "Santos", "Reyes", "Larsen",
    "Khan", "Nguyen", "Rossi", "Schmidt", "Cohen", "Mendes", "Foster", "Dubois", "Ivanova",
    "Moreau", "Bauer", "Quigley", "Ortiz", "Lindqvist", "Mensah", "Kowalski", "Sato",
    "Bennett", "Hughes", "Romero", "Weber", "Abbott", "Park", "Costa", "Nakamura", "Petrov",
    "Ramos", "Turner", "Yilmaz", "Zhang",
)  # fmt: skip
COMPANY_STEMS = (
    "Acme", "Northwind", "Bluebird", "Cedar", "Harbor", "Summit", "Lumen", "Maple", "Orbit",
    "Pioneer", "Quartz", "Redwood", "Silverline", "Tidewater", "Upland", "Vantage",
    "Willow", "Keystone", "Beacon", "Copper", "Driftwood", "Evergreen", "Foxglove",
    "Granite", "Highland", "Ironbridge", "Juniper", "Kestrel", "Lakeside", "Meadow",
)  # fmt: skip
COMPANY_KINDS = (
    "Corp", "Dental", "Logistics", "Plumbing", "Fitness", "Travel", "Bakery", "Realty",
    "Veterinary", "Accounting", "Outfitters", "Print Co", "Solar", "Cleaning", "Tutoring",
    "Landscaping", "Pet Supply", "Coffee", "Clinics", "Movers",
)  # fmt: skip
VENDORS = ("Zentrix Support", "HelpHub", "TicketPro", "SupportLane", "Deskly")
PEERS = ("Brightline Dental", "Copperfield Fitness", "Oakmont Realty", "Sunpath Travel")
OWNER_TITLES = ("Head of Customer Success", "COO", "VP of Operations", "Customer Service Lead")
CITIES = ("Chicago", "Leeds", "Dublin", "Austin", "Bristol", "Rotterdam")
CARDS = ("4111 1111 1111 1111", "5555 5555 5555 4444", "4012 8888 8888 1881")


@dataclass(frozen=True)
class RubricInfo:
    rubric_id: str
    version: str
    low: int
    high: int
    ids: tuple[str, ...]
    names: tuple[str, ...]
    weights: np.ndarray

    @property
    def centre(self) -> float:
        return (self.low + self.high) / 2

    @property
    def unit(self) -> float:
        """One point of the 1..5 scale, on this rubric's scale."""
        return (self.high - self.low) / 4


def load_rubric(path: Path) -> RubricInfo:
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    criteria = document["criteria"]
    return RubricInfo(
        rubric_id=str(document["rubric_id"]),
        version=str(document["version"]),
        low=int(document["scale"]["min"]),
        high=int(document["scale"]["max"]),
        ids=tuple(str(c["id"]) for c in criteria),
        names=tuple(str(c["name"]) for c in criteria),
        weights=np.array([float(c["weight"]) for c in criteria]),
    )


def win_weights(rubric: RubricInfo) -> np.ndarray:
    """Hidden effect of each criterion's behaviour on winning (logit per scale point)."""
    if all(criterion in WIN_WEIGHTS for criterion in rubric.ids):
        return np.array([WIN_WEIGHTS[criterion] for criterion in rubric.ids])
    padded = WIN_WEIGHTS_BY_ORDER + (0.0,) * len(rubric.ids)
    return np.array(padded[: len(rubric.ids)])


# --- dates ------------------------------------------------------------------------------
def latest_complete_quarter(today: dt.date | None = None) -> dt.date:
    """First day of the latest quarter that has ended (today in UTC by default)."""
    return dt.date.fromisoformat(latest_complete_partition(today or dt.datetime.now(dt.UTC).date()))


def _quarter_day(value: str | dt.date | None) -> dt.date:
    if value is None:
        return latest_complete_quarter()
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if day != quarter_start(day):
        raise ValueError(f"last quarter {day} is not the first day of a quarter")
    return day


def _days(day: dt.date) -> np.datetime64:
    return np.datetime64(day, "D")


# --- small vectorised helpers -------------------------------------------------------------
def _rng(seed: int, stream: str) -> np.random.Generator:
    """An independent random stream per component: turning one part off changes no other."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode())])


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    short = int(total - counts.sum())
    if short > 0:
        counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return counts


def _rank_in_groups(group: np.ndarray, order_key: np.ndarray) -> np.ndarray:
    """0-based rank of each element within its group, ordered by ``order_key``."""
    order = np.lexsort((order_key, group))
    sorted_group = group[order]
    positions = np.arange(len(group))
    new = np.ones(len(group), dtype=bool)
    new[1:] = sorted_group[1:] != sorted_group[:-1]
    start = np.maximum.accumulate(np.where(new, positions, 0))
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = positions - start
    return rank


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _width(count: int, minimum: int) -> int:
    return max(minimum, len(str(max(count, 1))))


def _timestamps(seconds: np.ndarray, offsets: pa.Array | str) -> pa.Array:
    """ISO-8601 strings of naive datetime64[s] values, followed by an offset."""
    text = pa.array(np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s"))
    return pc.binary_join_element_wise(text, offsets, "")


def _dictionary(indices: np.ndarray, values: list[str]) -> pa.DictionaryArray:
    """A column of few distinct strings, stored once (cheap for millions of score rows)."""
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(values))


# --- the team -----------------------------------------------------------------------------
def _people(rng: np.random.Generator, count: int) -> list[tuple[str, str]]:
    pairs = len(FIRST_NAMES) * len(LAST_NAMES)
    picks = np.concatenate([rng.permutation(pairs) for _ in range(count // pairs + 1)])[:count]
    return [(FIRST_NAMES[p // len(LAST_NAMES)], LAST_NAMES[p % len(LAST_NAMES)]) for p in picks]


def _email(first: str, last: str, used: set[str]) -> str:
    local = f"{first}.{last}".lower().replace("'", "")
    email, n = f"{local}@{SELLER_DOMAIN}", 1
    while email in used:
        n += 1
        email = f"{local}{n}@{SELLER_DOMAIN}"
    used.add(email)
    return email


@dataclass
class Team:
    rep_ids: list[str]
    rep_names: list[str]
    manager_ids: list[str]
    manager_names: list[str]
    manager_of_rep: np.ndarray
    offset_of_rep: np.ndarray  # index into OFFSETS
    table: pa.Table


def _make_team(seed: int, reps: int, managers: int, data_start: dt.date) -> Team:
    rng = _rng(seed, "team")
    people = _people(rng, reps + managers)
    rep_people, manager_people = people[:reps], people[reps:]
    rep_ids = [f"rep_{i + 1:0{_width(reps, 3)}d}" for i in range(reps)]
    manager_ids = [f"mgr_{m + 1:0{_width(managers, 2)}d}" for m in range(managers)]
    manager_names = [f"{first} {last}" for first, last in manager_people]
    manager_of_rep = np.arange(reps) * managers // reps
    offset_of_rep = rng.integers(0, len(OFFSETS), reps)
    hired_on = _days(data_start) - rng.integers(120, 2400, reps).astype("timedelta64[D]")
    used: set[str] = set()
    table = pa.table(
        {
            "rep_id": rep_ids,
            "rep_name": [f"{first} {last}" for first, last in rep_people],
            "manager_id": [manager_ids[m] for m in manager_of_rep],
            "manager_name": [manager_names[m] for m in manager_of_rep],
            "email": [_email(first, last, used) for first, last in rep_people],
            "team": ["field_sales"] * reps,
            "hired_on": pa.array(hired_on, pa.date32()),
            "active": [True] * reps,
        }
    )
    return Team(
        rep_ids=rep_ids,
        rep_names=table["rep_name"].to_pylist(),
        manager_ids=manager_ids,
        manager_names=manager_names,
        manager_of_rep=manager_of_rep,
        offset_of_rep=offset_of_rep,
        table=table,
    )


# --- calls --------------------------------------------------------------------------------
@dataclass
class Calls:
    rep: np.ndarray  # rep index per call, calls in chronological order
    period: np.ndarray  # quarter index, or len(quarters) for the follow-up window
    local: np.ndarray  # datetime64[s], the rep's local wall-clock time
    utc: np.ndarray  # datetime64[s]
    day: np.ndarray  # datetime64[D] (UTC date; equal to the local date in business hours)
    duration_s: np.ndarray
    outbound: np.ndarray

    def __len__(self) -> int:
        return len(self.rep)


def _make_calls(
    seed: int, team: Team, periods: list[tuple[dt.date, dt.date]], calls_per_rep: int
) -> Calls:
    rng = _rng(seed, "calls")
    reps, quarters = len(team.rep_ids), len(periods) - 1
    business_days = []
    for start, end in periods:
        days = np.arange(_days(start), _days(end), dtype="datetime64[D]")
        business_days.append(days[np.is_busday(days)])
    activity = rng.uniform(0.85, 1.15, reps)
    counts = np.zeros((reps, len(periods)), dtype=np.int64)
    for p in range(quarters):
        weights = activity * rng.uniform(0.93, 1.07, reps)
        counts[:, p] = np.maximum(
            _allocate(reps * calls_per_rep, weights), min(calls_per_rep, SAMPLE_CALLS)
        )
    window_share = len(business_days[-1]) / max(len(business_days[-2]), 1)
    counts[:, quarters] = _allocate(round(reps * calls_per_rep * window_share), activity)

    flat = counts.ravel()
    rep = np.repeat(np.repeat(np.arange(reps), len(periods)), flat)
    period = np.repeat(np.tile(np.arange(len(periods)), reps), flat)
    n = len(rep)
    n_days = np.array([len(days) for days in business_days])
    first_day = np.concatenate([[0], np.cumsum(n_days)[:-1]])
    all_days = np.concatenate(business_days)
    day_index = first_day[period] + (rng.random(n) * n_days[period]).astype(np.int64)
    # local start: on a quarter hour between 08:00 and 16:45, joined up to 2.5 minutes late
    seconds = 8 * 3600 + rng.integers(0, 36, n) * 900 + rng.integers(0, 150, n)
    local = all_days[day_index].astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    offset_minutes = np.array([minutes for _, minutes in OFFSETS])[team.offset_of_rep[rep]]
    utc = local - (offset_minutes * 60).astype("timedelta64[s]")
    duration = np.clip(np.round(rng.lognormal(np.log(1300), 0.35, n)), 600, 2400)
    outbound = rng.random(n) < 0.7
    order = np.lexsort((rep, utc))
    return Calls(
        rep=rep[order],
        period=period[order],
        local=local[order],
        utc=utc[order],
        day=utc[order].astype("datetime64[D]"),
        duration_s=duration[order].astype(np.int64),
        outbound=outbound[order],
    )


# --- skills, coaching and behaviour -----------------------------------------------------
@dataclass
class Coaching:
    skills: np.ndarray  # (reps, quarters + 1, criteria): skill after k coaching sessions
    delivered: np.ndarray  # (reps, quarters) datetime64[D]
    focus: np.ndarray  # (reps, quarters) criterion index
    responded: np.ndarray  # (reps, quarters) bool
    efficacy: np.ndarray  # per manager


def _make_coaching(
    seed: int, team: Team, rubric: RubricInfo, assessment_dates: list[dt.date]
) -> Coaching:
    rng = _rng(seed, "skills")
    reps, quarters, criteria = len(team.rep_ids), len(assessment_dates), len(rubric.ids)
    low = rubric.low + SKILL_MARGIN * rubric.unit
    high = rubric.high - SKILL_MARGIN * rubric.unit
    skills = np.empty((reps, quarters + 1, criteria))
    skills[:, 0] = np.clip(
        rng.normal(rubric.centre, SKILL_SD * rubric.unit, skills[:, 0].shape), low, high
    )
    efficacy = np.array([COACHING_EFFICACY[m % 3] for m in range(len(team.manager_ids))])
    delivered = np.empty((reps, quarters), dtype="datetime64[D]")
    focus = np.empty((reps, quarters), dtype=np.int64)
    responded = np.empty((reps, quarters), dtype=bool)
    rows = np.arange(reps)
    for k, assessed in enumerate(assessment_dates):
        now = skills[:, k]
        weighted_gap = (now.mean(axis=0) - now) * rubric.weights
        focus[:, k] = weighted_gap.argmax(axis=1)
        delay = rng.integers(COACHING_DELAY_DAYS[0], COACHING_DELAY_DAYS[1] + 1, reps)
        delivered[:, k] = _days(assessed) + delay.astype("timedelta64[D]")
        responded[:, k] = rng.random(reps) < efficacy[team.manager_of_rep]
        after = now.copy()
        lifted = after[rows, focus[:, k]] + COACHING_LIFT * rubric.unit * responded[:, k]
        after[rows, focus[:, k]] = np.minimum(lifted, high)
        skills[:, k + 1] = after
    return Coaching(skills, delivered, focus, responded, efficacy)


def _sessions_before(calls: Calls, coaching: Coaching) -> np.ndarray:
    """Per call, how many of the rep's coaching sessions were delivered before its day."""
    return (calls.day[:, None] > coaching.delivered[calls.rep]).sum(axis=1)


def _behaviour(
    seed: int, calls: Calls, coaching: Coaching, rubric: RubricInfo, sessions: np.ndarray
) -> np.ndarray:
    """Behaviour q per call and criterion (continuous, on the rubric scale)."""
    rng = _rng(seed, "behaviour")
    skill = coaching.skills[calls.rep, sessions]
    noise = rng.normal(0.0, CALL_SD * rubric.unit, skill.shape)
    return np.clip(skill + noise, rubric.low, rubric.high)


def _levels(behaviour: np.ndarray, rubric: RubricInfo) -> np.ndarray:
    return np.clip(np.floor(behaviour + 0.5), rubric.low, rubric.high).astype(np.int64)


# --- opportunities ------------------------------------------------------------------------
@dataclass
class Opportunities:
    of_call: np.ndarray  # opportunity number per call
    position: np.ndarray  # 0-based position of the call within its opportunity
    size: np.ndarray  # calls per opportunity
    company: np.ndarray  # index into the company-name combinations
    seats: np.ndarray
    price: np.ndarray
    table: pa.Table

    def company_name(self, number: int) -> str:
        return _company(int(self.company[number]))


def _company(index: int) -> str:
    return f"{COMPANY_STEMS[index % len(COMPANY_STEMS)]} {COMPANY_KINDS[index // len(COMPANY_STEMS) % len(COMPANY_KINDS)]}"


def _make_opportunities(
    seed: int,
    calls: Calls,
    behaviour: np.ndarray,
    rubric: RubricInfo,
    betas: np.ndarray,
    last_day: np.datetime64,
    rep_ids: pa.Array,
) -> Opportunities:
    rng = _rng(seed, "opportunities")
    n = len(calls)
    by_rep = np.lexsort((np.arange(n), calls.rep))  # rep by rep, chronological
    rep_sorted = calls.rep[by_rep]
    boundaries = np.flatnonzero(np.diff(rep_sorted)) + 1
    labels = np.empty(n, dtype=np.int64)
    next_label = 0
    for start, end in zip(np.r_[0, boundaries], np.r_[boundaries, n], strict=True):
        count = int(end - start)
        if count == 0:
            continue
        sizes = rng.choice(np.array([1, 2, 3]), size=count, p=[0.4, 0.35, 0.25])
        total = np.cumsum(sizes)
        last = int(np.searchsorted(total, count))
        sizes = sizes[: last + 1].copy()
        sizes[-1] -= int(total[last]) - count
        labels[start:end] = next_label + np.repeat(np.arange(last + 1), sizes)
        next_label += last + 1

    group_start = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    size_by_label = np.diff(np.r_[group_start, n])
    first_call = by_rep[group_start]
    last_call = by_rep[group_start + size_by_label - 1]
    mean_behaviour = (
        np.add.reduceat(behaviour[by_rep], group_start, axis=0) / size_by_label[:, None]
    )
    order = np.argsort(first_call, kind="stable")  # opportunity numbers follow first calls
    number_of_label = np.empty(len(order), dtype=np.int64)
    number_of_label[order] = np.arange(len(order))
    of_call = np.empty(n, dtype=np.int64)
    of_call[by_rep] = number_of_label[labels]
    position = np.empty(n, dtype=np.int64)
    position[by_rep] = np.arange(n) - group_start[labels]

    count = len(order)
    size = size_by_label[order]
    first_call, last_call, mean_behaviour = (
        first_call[order],
        last_call[order],
        mean_behaviour[order],
    )
    created = calls.day[first_call] - rng.integers(0, 22, count).astype("timedelta64[D]")
    close = calls.day[last_call] + rng.integers(5, 41, count).astype("timedelta64[D]")
    logit = WIN_INTERCEPT + ((mean_behaviour - rubric.centre) / rubric.unit) @ betas
    won_probability = 1.0 / (1.0 + np.exp(-logit))
    closed = close <= last_day
    won = closed & (rng.random(count) < won_probability)
    seats = np.clip(np.round(rng.lognormal(np.log(12), 0.6, count)), 2, 150).astype(np.int64)
    price = np.array(PRICES)[rng.integers(0, len(PRICES), count)]
    combinations = len(COMPANY_STEMS) * len(COMPANY_KINDS)
    company = rng.permutation(combinations)[np.arange(count) % combinations]
    open_stage = np.array(["qualification", "proposal", "negotiation"])[np.minimum(size, 3) - 1]
    stage = np.where(closed, np.where(won, "closed_won", "closed_lost"), open_stage)
    width = _width(count, 6)
    table = pa.table(
        {
            "opportunity_id": _ids("opp_", np.arange(1, count + 1), width),
            "owner_rep_id": pc.take(rep_ids, pa.array(calls.rep[first_call])),
            "created_at": pa.array(created, pa.date32()),
            "close_date": pa.array(close, pa.date32()),
            "is_closed": pa.array(closed),
            "is_won": pa.array(won),
            "stage": pa.array(stage),
            "amount": pa.array(seats * price * 12, pa.int64()),
            "account_id": _ids("acc_", np.arange(1, count + 1), width),
        }
    )
    return Opportunities(of_call, position, size, company, seats, price, table)


# --- scores -------------------------------------------------------------------------------
ROLE_SAMPLE, ROLE_FOLLOWUP, ROLE_CALIBRATION, ROLE_EXTERNAL = range(4)
ROLE_NAMES = ("sample", "followup", "calibration", "external")
# scored_at: seconds after the end of the call, per role (from, to)
ROLE_DELAY_S = ((3600, 14 * 86400), (3600, 5 * 86400), (86400, 21 * 86400), (300, 3 * 3600))


@dataclass
class ScorePlan:
    call: np.ndarray
    scorer: np.ndarray  # index into scorer ids: managers, then spare reviewer, then external
    role: np.ndarray
    short_rep: int | None


def _plan_scores(
    seed: int,
    calls: Calls,
    team: Team,
    coaching: Coaching,
    sessions: np.ndarray,
    quarters: int,
    human_share: float | None,
) -> ScorePlan:
    rng = _rng(seed, "score_plan")
    n, managers = len(calls), len(team.manager_ids)
    spare, external = managers, managers + 1
    manager = team.manager_of_rep[calls.rep]
    if human_share is not None:
        chosen = np.flatnonzero(rng.random(n) < human_share)
        return ScorePlan(chosen, manager[chosen], np.zeros(len(chosen), np.int64), None)

    periods = quarters + 1
    short_rep = len(team.rep_ids) - 1
    in_quarter = np.flatnonzero(calls.period < quarters)
    rep, period = calls.rep[in_quarter], calls.period[in_quarter]
    week = (calls.day[in_quarter].astype(np.int64) + 3) // 7  # ISO weeks start on Monday
    week -= week.min(initial=0)
    # stratified by ISO week: the 1st pick of every week (weeks in random order), then the 2nd...
    by_week = _rank_in_groups(
        (rep * periods + period) * (week.max(initial=0) + 1) + week, rng.random(len(rep))
    )
    rank = _rank_in_groups(rep * periods + period, by_week + rng.random(len(rep)))
    short = (rep == short_rep) & (period == quarters - 1)
    sampled = in_quarter[rank < np.where(short, SHORT_SAMPLE_CALLS, SAMPLE_CALLS)]

    # calibration: 10 sampled calls per manager's team and quarter, second reviewer
    team_of = manager[sampled]
    pick = _rank_in_groups(team_of * periods + calls.period[sampled], rng.random(len(sampled)))
    calibrated = sampled[pick < CALIBRATION_CALLS]
    if managers > 1:
        second = (team_of[pick < CALIBRATION_CALLS] + 1) % managers
    else:
        second = np.full(len(calibrated), spare)

    # follow-up reviews: up to 8 calls in the 30 days after each coaching session
    # (for the short-sample rep, none beyond the sample in the last quarter)
    held_back = (calls.rep == short_rep) & (calls.period == quarters - 1)
    latest = np.maximum(sessions - 1, 0)
    since = (calls.day - coaching.delivered[calls.rep, latest]).astype(np.int64)
    eligible = np.flatnonzero((sessions > 0) & (since <= FOLLOWUP_DAYS) & ~held_back)
    pick = _rank_in_groups(
        calls.rep[eligible] * periods + latest[eligible], rng.random(len(eligible))
    )
    followed = eligible[pick < FOLLOWUP_CALLS]

    externally = np.flatnonzero((rng.random(n) < EXTERNAL_SHARE) & ~held_back)

    call = np.concatenate([sampled, followed, calibrated, externally])
    scorer = np.concatenate(
        [manager[sampled], manager[followed], second, np.full(len(externally), external)]
    )
    role = np.repeat(np.arange(4), [len(sampled), len(followed), len(calibrated), len(externally)])
    # one score per scorer, call and criterion: the first role listed wins
    _, first = np.unique(call * (managers + 2) + scorer, return_index=True)
    return ScorePlan(call[first], scorer[first], role[first], short_rep)


def _score_table(
    seed: int,
    plan: ScorePlan,
    calls: Calls,
    behaviour: np.ndarray,
    rubric: RubricInfo,
    team: Team,
    call_ids: pa.Array,
) -> pa.Table:
    rng = _rng(seed, "scores")
    pairs, criteria = len(plan.call), len(rubric.ids)
    sd = np.where(plan.role == ROLE_EXTERNAL, EXTERNAL_SD, HUMAN_SD)[:, None] * np.ones(criteria)
    if VAGUE_CRITERION in rubric.ids:
        sd[plan.role == ROLE_CALIBRATION, rubric.ids.index(VAGUE_CRITERION)] = VAGUE_SD
    noise = rng.normal(0.0, 1.0, (pairs, criteria)) * sd * rubric.unit
    score = _levels(behaviour[plan.call] + noise, rubric)

    bounds = np.array(ROLE_DELAY_S)[plan.role]
    delay = bounds[:, 0] + (rng.random(pairs) * (bounds[:, 1] - bounds[:, 0])).astype(np.int64)
    ended = calls.utc[plan.call] + (calls.duration_s[plan.call] + delay).astype("timedelta64[s]")
    scored_at = _timestamps(ended, "+00:00")

    scorers = [*team.manager_ids, SPARE_REVIEWER, EXTERNAL_SCORER]
    kinds = np.where(plan.scorer == len(scorers) - 1, 1, 0)
    pair = np.repeat(np.arange(pairs), criteria)
    return pa.table(
        {
            "call_id": pc.take(call_ids, pa.array(plan.call[pair])),
            "criterion_id": _dictionary(np.tile(np.arange(criteria), pairs), list(rubric.ids)),
            "score": pa.array(score.ravel(), pa.int64()),
            "scorer_id": _dictionary(plan.scorer[pair], scorers),
            "scorer_kind": _dictionary(kinds[pair], ["human", "external"]),
            "rubric_version": _dictionary(np.zeros(len(pair), np.int64), [rubric.version]),
            "scored_at": pc.take(scored_at, pa.array(pair)),
        }
    )


# --- transcripts --------------------------------------------------------------------------
# A script is a list of (slot, speaker, text); R = rep, P = prospect. Slots are the phases
# of a call, in order; the stretch weight says how much of the call's spare time a line of
# that phase absorbs (a demo runs long, an agenda does not).
SLOTS = {
    "open": 0.0,
    "agenda": 0.05,
    "discovery": 0.25,
    "pitch": 1.0,
    "urgency": 0.5,
    "pricing": 0.3,
    "demo": 1.0,
    "objection": 0.6,
    "close": 0.3,
    "wrap": 0.15,
    "bye": 0.0,
}
Script = list[tuple[str, str, str]]

_URGENCY_4A = [
    ("urgency", "R", "Before we look at any numbers: what is staying with your current setup costing you each month?"),
    ("urgency", "P", "Honestly, my agents lose about {hours} hours a week to manual triage, so probably {monthly_cost} a month."),
    ("urgency", "R", "So roughly {annual_cost} a year just to keep things as they are. Let's keep that number in mind when we get to pricing."),
]  # fmt: skip
_URGENCY_4B = [
    ("urgency", "R", "What does the current process cost you today, in time or money?"),
    ("urgency", "P", "We lose a few customers every month to slow replies. I'd say {monthly_cost} in revenue a month."),
    ("urgency", "R", "So the status quo is costing you about {annual_cost} a year. That's the number we need to beat."),
]  # fmt: skip
_OBJECTION_4A = [
    ("objection", "P", "{objection}"),
    ("objection", "R", "That's a fair concern. What's behind that concern?"),
    ("objection", "P", "{concern}"),
    ("objection", "R", "That makes sense. {evidence}"),
]
_OBJECTION_4B = [
    ("objection", "P", "{objection}"),
    ("objection", "R", "I appreciate you saying that. Can I ask what's really behind it?"),
    ("objection", "P", "{concern}"),
    ("objection", "R", "Thanks for being open about it. {evidence}"),
]
_DISCOVERY_4A = [
    ("discovery", "R", "What happens to revenue when a customer waits two days for an answer?"),
    ("discovery", "P", "We lose some of them. Last quarter we had {lost} cancellations that mentioned slow replies."),
    ("discovery", "R", "And what is one of those customers worth to you over a year?"),
    ("discovery", "P", "{ltv}, give or take."),
    ("pitch", "R", "You mentioned earlier that slow replies cost you {lost} customers last quarter. This is exactly where automatic routing helps: no ticket waits in the wrong queue."),
    ("pitch", "P", "Okay, that would make a real difference for us."),
]  # fmt: skip
_DISCOVERY_4B = [
    ("discovery", "R", "What happens to your renewals when the backlog builds up?"),
    ("discovery", "P", "Customers get frustrated. We had {lost} accounts leave last quarter, and most of them complained about response times."),
    ("discovery", "R", "How much revenue did those {lost} accounts represent?"),
    ("discovery", "P", "Roughly {ltv} each per year."),
    ("pitch", "R", "Going back to those {lost} accounts you lost last quarter: this view flags any customer waiting more than four hours, so your team can step in before they leave."),
    ("pitch", "P", "That's the part I care about."),
]  # fmt: skip
_AGENDA_4 = [
    ("agenda", "R", "Here's what I'd suggest for the next {minutes} minutes: a few questions about your team, a short demo, then pricing and next steps."),
    ("agenda", "P", "Sounds good."),
]  # fmt: skip

BANKS: dict[str, dict[int, list[Script]]] = {
    "urgency_creation": {
        1: [
            [
                ("urgency", "P", "Just so you know, we've been with our current vendor for {years} years."),
                ("urgency", "R", "No problem at all. Let me walk you through our pricing: it's {price} per agent per month, billed annually."),
                ("urgency", "R", "And if you sign this week I can take {discount} off."),
            ],
            [
                ("urgency", "R", "Let me jump straight into pricing so you have the numbers: it's {price} per agent per month."),
                ("urgency", "P", "Okay. We've been with our current vendor for {years} years, so that's a big change for us."),
                ("urgency", "R", "Understood. I can offer you {discount} off to make the switch easier."),
            ],
        ],
        2: [
            [
                ("urgency", "P", "We've been with our current vendor for {years} years, so I'm not in a rush."),
                ("urgency", "R", "Understood. Just so you know, our quarter-end offer ends Friday, so now is a good time to lock in the price."),
                ("urgency", "R", "Let me walk you through our pricing: it's {price} per agent per month."),
            ],
            [
                ("urgency", "R", "One thing before the numbers: we have a promotion that ends at the end of the month, so it pays to decide soon."),
                ("urgency", "P", "Okay, noted. We've been with our current vendor for {years} years though."),
                ("urgency", "R", "Sure. The promotion really is the best price we do all year."),
            ],
        ],
        3: [
            [
                ("urgency", "R", "How are you handling support today?"),
                ("urgency", "P", "We use {vendor}. It does the job, it's just a bit clunky."),
                ("urgency", "R", "Got it, thanks. Let me walk you through our pricing: it's {price} per agent per month."),
            ],
            [
                ("urgency", "R", "Tell me a bit about your current setup with {vendor}."),
                ("urgency", "P", "We've had it for {years} years. Some things are slow, but people know it."),
                ("urgency", "R", "That's helpful to know, thanks."),
            ],
        ],
        4: [_URGENCY_4A, _URGENCY_4B],
        5: [
            _URGENCY_4A + [
                ("urgency", "R", "And you mentioned the {vendor} contract renews on {renewal}. What happens if you're still on it then?"),
                ("urgency", "P", "We'd be locked in for another year, and our CEO wants that cost gone this year, so we need to move now."),
                ("urgency", "R", "Then let's make sure you're live well before {renewal}."),
            ],
            _URGENCY_4B + [
                ("urgency", "R", "Your busy season starts around {season_start}. What happens if you go into it with the current setup?"),
                ("urgency", "P", "Same as last year: hundreds of tickets in the backlog and angry customers. I can't go through that again, so it has to be before then."),
                ("urgency", "R", "Then {season_start} is our deadline, and everything we plan works back from it."),
            ],
        ],
    },
    "objection_handling_depth": {
        1: [
            [("objection", "P", "{objection}"), ("objection", "R", "I hear you. I can do {discount} off if you sign today.")],
            [
                ("objection", "P", "{objection}"),
                ("objection", "R", "I'd push back on that, honestly. Teams like yours never regret switching to us."),
            ],
        ],
        2: [
            [
                ("objection", "P", "{objection}"),
                ("objection", "R", "But remember you get unlimited channels, automatic routing and 24/7 support, so it's really worth it."),
                ("objection", "P", "Sure, I understand the features."),
            ],
            [
                ("objection", "P", "{objection}"),
                ("objection", "R", "Let me go over the features again: shared inbox, routing rules, reporting and a mobile app. It's all included."),
                ("objection", "P", "Right."),
            ],
        ],
        3: [
            [
                ("objection", "P", "{objection}"),
                ("objection", "R", "I understand. {clarify}"),
                ("objection", "P", "{clarify_answer}"),
                ("objection", "R", "Fair enough. {surface_answer}"),
            ],
            [
                ("objection", "P", "{objection}"),
                ("objection", "R", "Okay, that's fair. {clarify}"),
                ("objection", "P", "{clarify_answer}"),
                ("objection", "R", "{surface_answer}"),
            ],
        ],
        4: [_OBJECTION_4A, _OBJECTION_4B],
        5: [
            _OBJECTION_4A + [
                ("objection", "R", "Does that resolve the concern, or is there something else on your mind?"),
                ("objection", "P", "No, that answers it. That was the real worry."),
            ],
            _OBJECTION_4B + [
                ("objection", "R", "Does that address what you were worried about?"),
                ("objection", "P", "Yes, it does. If you send me those numbers, I'm comfortable."),
            ],
        ],
    },
    "close_attempt_quality": {
        1: [
            [("close", "R", "Anyway, have a look at everything and let me know what you think."), ("close", "P", "Will do.")],
            [("close", "R", "I'll send over some material. Let me know what you think when you get a chance."), ("close", "P", "Sure.")],
        ],
        2: [
            [
                ("close", "R", "So, what do you think?"),
                ("close", "P", "It looks interesting, I need to digest it."),
                ("close", "R", "Sure, take your time."),
            ],
            [
                ("close", "R", "So, how are you feeling about all this?"),
                ("close", "P", "Good, I think. Lots to think about."),
                ("close", "R", "Great."),
            ],
        ],
        3: [
            [
                ("close", "R", "Would you like to move forward with us?"),
                ("close", "P", "Possibly. Let me think about it."),
                ("close", "R", "Of course, no problem."),
            ],
            [
                ("close", "R", "Is this something you'd want to buy?"),
                ("close", "P", "Maybe. I have to talk to a few people first."),
                ("close", "R", "Okay, that makes sense."),
            ],
        ],
        4: [
            [
                ("close", "R", "Can we get the order signed today so you start on Monday?"),
                ("close", "P", "I'd need finance to approve anything over {approval_limit}."),
                ("close", "R", "Understood. Can we get your finance lead on a quick call on {followup_date} at {followup_time}, and sign right after if they're comfortable?"),
                ("close", "P", "That could work, yes."),
            ],
            [
                ("close", "R", "Based on what we covered, I'd suggest {seats} seats on the annual plan. Can we get the order signed today so you start on Monday?"),
                ("close", "P", "Today is a bit fast, I want to compare one more option."),
                ("close", "R", "Fair enough. Can we agree that you'll sign by {followup_date} if nothing beats it?"),
                ("close", "P", "Yes, that's reasonable."),
            ],
        ],
        5: [
            [
                ("close", "R", "Can we get the order signed today so you start on Monday?"),
                ("close", "P", "Yes, let's do it."),
                ("close", "R", "Great. I'm sending the order form for {seats} seats to your inbox now, so you can sign it while we're on the line."),
                ("close", "P", "Okay, I have it... done, it's signed."),
                ("close", "R", "Perfect, thank you {prospect}. Welcome to Brightdesk."),
            ],
            [
                ("close", "R", "You said you want this live before {renewal}. Can we get the order signed today so you start on Monday?"),
                ("close", "P", "I need our CFO's approval, but she's free this afternoon."),
                ("close", "R", "Then let's book three o'clock today with her. I'll bring the order form and we sign on that call."),
                ("close", "P", "Booked. If she's happy, we sign at three."),
            ],
        ],
    },
    "discovery_quality": {
        1: [
            [
                ("discovery", "R", "Great, let me start by showing you what Brightdesk does."),
                ("discovery", "R", "We're the fastest-growing help desk for small teams, and I think you'll love it."),
            ],
            [("discovery", "R", "Let me jump right in and give you the full tour of the product.")],
        ],
        2: [
            [
                ("discovery", "R", "How many seats do you need?"),
                ("discovery", "P", "{seats}, maybe a couple more in summer."),
                ("discovery", "R", "And which email provider are you on?"),
                ("discovery", "P", "Google Workspace."),
                ("discovery", "R", "Great, that integrates out of the box."),
            ],
            [
                ("discovery", "R", "Which channels do you want to connect: email, chat, phone?"),
                ("discovery", "P", "Email and chat, mostly."),
                ("discovery", "R", "And how many seats would you need?"),
                ("discovery", "P", "About {seats}."),
            ],
        ],
        3: [
            [
                ("discovery", "R", "What happens to revenue when a customer waits two days for an answer?"),
                ("discovery", "P", "We lose some of them. Last quarter we had {lost} cancellations that mentioned slow replies."),
                ("discovery", "R", "Okay, thanks. And how many seats do you need?"),
                ("discovery", "P", "{seats}."),
            ],
            [
                ("discovery", "R", "How does slow support affect the business today?"),
                ("discovery", "P", "Customers churn. We lost {lost} accounts last quarter, and slow replies came up every time."),
                ("discovery", "R", "Got it. Which email provider are you on?"),
                ("discovery", "P", "Microsoft 365."),
            ],
        ],
        4: [_DISCOVERY_4A, _DISCOVERY_4B],
        5: [
            _DISCOVERY_4A[:4] + [
                ("discovery", "R", "Who owns that number in the business, and how do you measure it today?"),
                ("discovery", "P", "Our {owner_title} owns retention, and we track first response time every Monday."),
                ("pitch", "R", "Since your {owner_title} measures first response time every week, I'll structure the rest of the demo around cutting it from two days to under two hours."),
                ("pitch", "P", "Perfect, that's exactly what I get asked about."),
                ("demo", "R", "Coming back to your {owner_title}'s Monday report: this dashboard shows first response time per agent, so you can take it straight into that meeting."),
            ],
        ],
    },
    "next_step_process": {
        1: [[("wrap", "R", "Okay, I think that's everything from my side.")]],
        2: [
            [("wrap", "R", "I'll follow up with you at some point next week."), ("wrap", "P", "Sounds good.")],
            [("wrap", "R", "Let's touch base again soon."), ("wrap", "P", "Sure.")],
        ],
        3: [
            [("wrap", "R", "Let's talk again on {followup_date} at {followup_time}."), ("wrap", "P", "Okay, that works.")],
            [
                ("agenda", "R", "Today I'd like to cover your current setup, a short demo and pricing."),
                ("agenda", "P", "Okay."),
                ("wrap", "R", "Let's speak again on {followup_date}."),
                ("wrap", "P", "Fine by me."),
            ],
        ],
        4: [
            _AGENDA_4 + [
                ("wrap", "R", "To recap: you're losing time to manual triage, you liked the routing rules, and the open question is the switch from {vendor}."),
                ("wrap", "R", "Next step: I'll send the proposal by {followup_date}, and you'll review it with your finance lead by {followup_date2}. Does that work?"),
                ("wrap", "P", "Yes, that works."),
            ],
        ],
        5: [
            [
                ("agenda", "R", "Here's what I'd suggest for the next {minutes} minutes: a few questions about your team, a short demo, then pricing and next steps. Does that agenda work for you, or is there anything you'd like to add?"),
                ("agenda", "P", "That works. Can we also cover data migration?"),
                ("agenda", "R", "Absolutely, I'll add it to the list."),
                ("wrap", "R", "To recap what we decided: you'll start with {seats} seats, the migration happens before {renewal}, and your finance lead signs off on the budget."),
                ("wrap", "R", "I'm sending a calendar invite for {followup_date} at {followup_time} right now, with you and your finance lead on it. Can you accept it while we're on the line?"),
                ("wrap", "P", "Got it. Accepted."),
            ],
        ],
    },
    # complex B2B template
    "economic_buyer_identification": {
        1: [[("discovery", "R", "Once you're happy with everything, I'll send the paperwork straight to you.")]],
        2: [
            [
                ("discovery", "R", "Who makes the final call on this?"),
                ("discovery", "P", "I'll take it to my boss."),
                ("discovery", "R", "Okay, great."),
            ]
        ],
        3: [
            [
                ("discovery", "R", "Who signs off on a purchase like this?"),
                ("discovery", "P", "That would be {eb_name}, our {owner_title}."),
                ("discovery", "R", "Good to know, thanks."),
            ]
        ],
        4: [
            [
                ("discovery", "R", "Who signs off on a purchase like this?"),
                ("discovery", "P", "That would be {eb_name}, our {owner_title}."),
                ("discovery", "R", "What does {eb_name} care most about this year?"),
                ("discovery", "P", "Cutting the cost per ticket. It's on the board deck."),
                ("discovery", "R", "Could we get thirty minutes with {eb_name} before {followup_date}?"),
                ("discovery", "P", "I'll ask for {followup_date}."),
            ]
        ],
        5: [
            [
                ("discovery", "R", "When {eb_name} and I spoke last week, the success measure was a 20% lower cost per ticket, with budget approved for this quarter. Is that still right?"),
                ("discovery", "P", "Yes, and {eb_name} signed off on the evaluation plan we sent."),
            ]
        ],
    },
    "technical_fit_qualification": {
        1: [[("pitch", "R", "Brightdesk will fit your setup, it works with everything.")]],
        2: [
            [
                ("pitch", "R", "What features would you like to see?"),
                ("pitch", "P", "Single sign-on, an API, a Salesforce sync and audit logs."),
                ("pitch", "R", "Great, I'll note all of those."),
            ]
        ],
        3: [
            [
                ("pitch", "R", "What are your must-have requirements?"),
                ("pitch", "P", "Single sign-on, EU data residency and a Salesforce sync."),
                ("pitch", "R", "Thanks, I've written those down."),
            ]
        ],
        4: [
            [
                ("pitch", "R", "What are your must-have requirements?"),
                ("pitch", "P", "Single sign-on, EU data residency and a Salesforce sync."),
                ("pitch", "R", "Let's map them one by one: single sign-on works with Okta and Azure AD, EU residency is our Frankfurt region, and the Salesforce sync is native, but custom objects are a gap today."),
                ("pitch", "R", "How would you like us to prove fit? A sandbox with your own tickets?"),
                ("pitch", "P", "Yes, a two-week sandbox with our real data."),
            ]
        ],
        5: [
            [
                ("pitch", "R", "I've drafted the written success criteria with {tech_name} from your IT team. Our services team closes the custom-objects gap, and the sandbox results are measured against that list."),
                ("pitch", "P", "{tech_name} signed off on the criteria yesterday."),
            ]
        ],
    },
    "multi_stakeholder_alignment": {
        1: [[("demo", "R", "Perfect, so I'll just keep you posted directly.")]],
        2: [
            [
                ("demo", "P", "Other people will have opinions on this, of course."),
                ("demo", "R", "Sure, there are always a few people involved."),
            ]
        ],
        3: [
            [
                ("demo", "R", "Who else is involved in the decision?"),
                ("demo", "P", "IT, finance and the support team leads."),
                ("demo", "R", "Great, I'll keep you as my main contact for now."),
            ]
        ],
        4: [
            [
                ("demo", "R", "Who else is involved, and what does each of them need?"),
                ("demo", "P", "IT cares about security, finance about cost, and the team leads about ease of use."),
                ("demo", "R", "I've already walked your IT lead through security and sent finance the cost model. I'll meet the team leads on {followup_date}."),
            ]
        ],
        5: [
            [
                ("demo", "R", "In last week's joint meeting, IT, finance and the team leads all confirmed the same three decision criteria, and everyone has the summary."),
                ("demo", "P", "Yes, everyone is aligned on that."),
            ]
        ],
    },
    "business_case_quantification": {
        1: [[("urgency", "R", "Let me walk you through our pricing: it's {price} per agent per month.")]],
        2: [[("urgency", "R", "Brightdesk will save your team a lot of time, honestly.")]],
        3: [
            [
                ("urgency", "R", "What's the main pain today?"),
                ("urgency", "P", "Tickets bounce between teams and customers complain."),
                ("urgency", "R", "That's a common pain."),
            ]
        ],
        4: [
            [
                ("urgency", "R", "Using your own figures: {hours} hours a week of manual triage is about {annual_cost} a year, against a price of {annual_price}."),
                ("urgency", "P", "Put that way, it pays for itself."),
            ]
        ],
        5: [
            [
                ("urgency", "R", "This is the business case we built together, in your figures: {annual_cost} a year saved against {annual_price}. Has {eb_name} had a chance to review it?"),
                ("urgency", "P", "Yes, {eb_name} accepted it on Monday."),
            ]
        ],
    },
    "mutual_action_plan": {
        1: [[("wrap", "R", "Okay, I think that's everything for today.")]],
        2: [[("wrap", "R", "Let's keep in touch on next steps."), ("wrap", "P", "Sure.")]],
        3: [[("wrap", "R", "Let's meet again on {followup_date}."), ("wrap", "P", "Okay.")]],
        4: [
            [
                ("wrap", "R", "Here's the plan to a decision: security review by {followup_date}, sandbox results by {followup_date2}, and a decision meeting on {decision_date}. You own the security review, I own the sandbox. Agreed?"),
                ("wrap", "P", "Agreed."),
            ]
        ],
        5: [
            [
                ("wrap", "R", "I've updated our shared action plan: security review by {followup_date}, sandbox results by {followup_date2}, signature on {decision_date}. {eb_name} endorsed it yesterday."),
                ("wrap", "P", "Good. I added the owner of the security review this morning."),
            ]
        ],
    },
}  # fmt: skip

# (objection, clarifying question, its answer, answer to the stated objection only,
#  the real concern behind it, evidence answering that concern)
OBJECTIONS = (
    (
        "Honestly, it's too expensive for us right now.",
        "When you say expensive, what are you comparing it to?",
        "Mostly what we pay {vendor} today.",
        "Our price is in line with the market and onboarding is included, so it's not as far off as it looks.",
        "The real issue is I already asked for budget once this year, and if the team doesn't use it I'm the one explaining it to our CFO.",
        "{peer} had exactly that worry: 94% of their agents used Brightdesk daily after the first month, and it paid for itself in seven weeks. I'll send you their case study with the numbers.",
    ),
    (
        "We're locked into a contract with {vendor} until {renewal}.",
        "How long is left on it?",
        "A few months still.",
        "No problem, we can start whenever your contract ends. Just let me know when you're ready.",
        "Really, I'm worried about paying for two tools at the same time during the switch.",
        "We can sign now and start billing on the day your {vendor} contract ends, and I'll put that date in the order form. {peer} did exactly that last spring.",
    ),
    (
        "I'm not sure my team will actually use another tool.",
        "Which part do you think they wouldn't use?",
        "Any of it, really. They like working the way they do.",
        "It's very intuitive, most people pick it up in a day.",
        "Last time we rolled something out, half the team kept working from their own inboxes.",
        "Our onboarding team migrates the inboxes for you, so there's nothing left to work from. At {peer}, 31 of 33 agents were active in week one, and I can share the adoption report.",
    ),
    (
        "We tried something like this two years ago and it didn't stick.",
        "Which tool was it?",
        "Another help desk, I don't even remember the name.",
        "We're a lot easier to use than most tools out there, so I wouldn't worry about that.",
        "The migration was a mess and we lost months of ticket history.",
        "We import your full {vendor} history before you switch, and you check it in a sandbox first. {peer} moved four years of tickets over a weekend without losing one.",
    ),
)  # fmt: skip

SMALL_TALK = (
    ("How's your week going so far?", "Busy, but good. We just wrapped up the month-end close."),
    ("Are you in the office today?", "Yes, first day back in a while, actually."),
    ("I hear the weather in {city} finally turned.", "It did, about time too."),
    ("Did you have a good weekend?", "I did, thanks. My daughter had a football tournament."),
    ("Thanks for moving the meeting, by the way.", "No worries, the morning was chaos."),
    ("How long have you been at {company}?", "Almost four years now."),
)  # fmt: skip
SCREEN_SHARE = (
    ("R", "Let me share my screen. Can you see the inbox view?"),
    ("P", "Yes, I can see it."),
)
# Product talk between the moments that matter: beats of a few lines that belong together.
FILLERS = (
    (("R", "This is the shared inbox: every email, chat and call lands in one queue."), ("P", "Okay, that looks clean.")),
    (("R", "Routing rules send each ticket to the right person automatically, so nobody triages by hand."), ("P", "How hard is it to set those rules up?"), ("R", "It's point and click. Most teams build their first rules in an afternoon."), ("P", "Good, we don't have an admin.")),
    (("R", "Here's the reporting view: first response time, backlog and satisfaction per agent."), ("P", "Can I export that?"), ("R", "Yes, to a spreadsheet or straight into a scheduled email."), ("P", "Nice.")),
    (("R", "Saved replies let your agents answer the common questions in one click."), ("P", "We have a lot of those, mostly about delivery dates.")),
    (("R", "The mobile app means someone can cover the queue on the weekend."), ("P", "That would help on Saturdays.")),
    (("R", "Customers can also see their ticket status on a help page with your logo."), ("P", "Interesting.")),
    (("R", "Sorry, can you hear me okay? My connection dropped for a second."), ("P", "Yes, you're fine now.")),
    (("R", "The chat widget goes on your website with one line of code."), ("P", "Our web agency can do that.")),
    (("R", "Everything is searchable, so you can find any conversation with a customer in seconds."), ("P", "That alone would save us time.")),
    (("R", "Satisfaction surveys go out automatically when a ticket is closed."), ("P", "Do customers actually answer those?"), ("R", "About a third do, in our experience, which is plenty to spot trends."), ("P", "Okay.")),
    (("R", "Let me show you how an escalation looks from the agent's side."), ("P", "Sure, go ahead."), ("R", "The agent tags a manager, and the manager sees it in their own queue."), ("P", "That's simple enough.")),
    (("P", "Can it pull in our Facebook messages too?"), ("R", "Yes, social channels connect in a couple of clicks.")),
    (("P", "How long does setup usually take?"), ("R", "Most teams your size are live within a week, including the migration.")),
    (("R", "Any questions so far?"), ("P", "Not yet, keep going.")),
    (("R", "Tags and custom fields let you report on the reasons customers get in touch."), ("P", "We'd love to know that, honestly.")),
)  # fmt: skip
PRICING = [
    ("pricing", "R", "Let me walk you through our pricing. It's {price} per agent per month, billed annually, and onboarding is included."),
    ("pricing", "P", "Okay, that's roughly what I expected."),
]  # fmt: skip
PERSONAL = (
    ("You can send everything to {email}, that's the best address.", "Got it, I'll send it there."),
    ("If anything comes up, my direct line is {phone}.", "Thanks, I've noted it."),
    ("Send the proposal to {email} and copy my colleague; my mobile is {phone} if it bounces.", "Will do."),
)  # fmt: skip


def _generic_bank(name: str) -> dict[int, list[Script]]:
    """Lines for a criterion without a phrase bank: the behaviour named plainly."""
    topic = name.lower()
    weak = [[("demo", "R", f"Let's not spend time on {topic} today.")]]
    middle = [
        [
            ("demo", "R", f"Quickly on {topic}: is there anything I should know?"),
            ("demo", "P", "Not much, to be honest."),
        ]
    ]
    strong = [
        [
            (
                "demo",
                "R",
                f"I'd like to go through {topic} properly. What does good look like for you?",
            ),
            ("demo", "P", "Good question. Let me explain how we think about it."),
            ("demo", "R", "Let's agree on that now and write it down together."),
        ]
    ]
    return {1: weak, 2: weak, 3: middle, 4: strong, 5: strong}


def _say(day: dt.date) -> str:
    return f"{day:%A}, {day:%B} {day.day}"


def _plus_business_days(day: dt.date, days: int) -> dt.date:
    return np.busday_offset(_days(day), days, roll="forward").item()


def _money(amount: int) -> str:
    return f"${amount:,}"


class TranscriptWriter:
    """Writes the utterances of every call, one call at a time, from the phrase banks."""

    def __init__(self, seed: int, rubric: RubricInfo, team: Team, opportunities: Opportunities):
        self.random = random.Random(seed * 1_000_003 + 17)
        self.rubric = rubric
        self.team = team
        self.opportunities = opportunities
        self.banks = [
            BANKS.get(cid) or _generic_bank(name)
            for cid, name in zip(rubric.ids, rubric.names, strict=True)
        ]
        self._prospects: dict[int, dict[str, str]] = {}
        self.moments: dict[tuple[str, int], int] = {}
        self.columns: dict[str, list] = {
            name: []
            for name in (
                "call_id",
                "seq",
                "start_ms",
                "end_ms",
                "speaker_role",
                "speaker_name",
                "text",
            )
        }

    def _prospect(self, number: int, offset_index: int) -> dict[str, str]:
        """The opportunity's contact and account facts, the same on each of its calls."""
        known = self._prospects.get(number)
        if known is not None:
            return known
        rnd = self.random
        first, last = rnd.choice(FIRST_NAMES), rnd.choice(LAST_NAMES)
        company = self.opportunities.company_name(number)
        domain = company.lower().replace(" ", "-") + rnd.choice((".com", ".co", ".net"))
        if OFFSETS[offset_index][0] == "-05:00":
            phone = f"+1 {rnd.choice((212, 312, 415, 512, 617))} 555 01{rnd.randint(0, 99):02d}"
        else:
            phone = f"+44 20 7946 0{rnd.randint(0, 999):03d}"
        hours = rnd.randint(6, 20)
        monthly = rnd.randrange(2000, 12001, 250)
        seats = int(self.opportunities.seats[number])
        price = int(self.opportunities.price[number])
        facts = {
            "prospect": first,
            "prospect_full": f"{first} {last}",
            "company": company,
            "email": f"{first}.{last}@{domain}".lower(),
            "phone": phone,
            "vendor": rnd.choice(VENDORS),
            "years": str(rnd.randint(2, 7)),
            "hours": str(hours),
            "monthly_cost": _money(monthly),
            "annual_cost": _money(monthly * 12),
            "lost": str(rnd.randint(3, 15)),
            "ltv": _money(rnd.randrange(1200, 9001, 100)),
            "seats": str(seats),
            "price": f"${price}",
            "annual_price": _money(seats * price * 12),
            "discount": rnd.choice(("10%", "15%", "20%")),
            "owner_title": rnd.choice(OWNER_TITLES),
            "peer": rnd.choice(PEERS),
            "city": rnd.choice(CITIES),
            "eb_name": f"{rnd.choice(FIRST_NAMES)} {rnd.choice(LAST_NAMES)}",
            "tech_name": rnd.choice(FIRST_NAMES),
            "approval_limit": _money(rnd.choice((2000, 5000, 10000))),
            "renewal_offset": str(rnd.randint(30, 200)),
            "objection": str(rnd.randrange(len(OBJECTIONS))),
        }
        self._prospects[number] = facts
        return facts

    def add_call(
        self,
        call_id: str,
        rep: int,
        opportunity: int,
        day: dt.date,
        duration_s: int,
        levels: list[int],
    ) -> None:
        rnd = self.random
        facts = self._prospect(opportunity, int(self.team.offset_of_rep[rep]))
        first_followup = _plus_business_days(day, rnd.randint(2, 6))
        context = {
            **facts,
            "rep": self.team.rep_names[rep].split(" ")[0],
            "renewal": _say(
                _plus_business_days(day + dt.timedelta(days=int(facts["renewal_offset"])), 0)
            ),
            "season_start": f"{(day + dt.timedelta(days=45)):%B} 1",
            "followup_date": _say(first_followup),
            "followup_date2": _say(_plus_business_days(first_followup, rnd.randint(2, 4))),
            "decision_date": _say(_plus_business_days(day, rnd.randint(15, 30))),
            "followup_time": rnd.choice(("9 am", "10 am", "11:30 am", "2 pm", "3:30 pm")),
            "minutes": str(max(10, duration_s // 60 - rnd.randint(0, 5)) // 5 * 5),
            "card": rnd.choice(CARDS),
        }
        keys = ("objection", "clarify", "clarify_answer", "surface_answer", "concern", "evidence")
        for key, text in zip(keys, OBJECTIONS[int(facts["objection"])], strict=True):
            context[key] = text.format_map(context)

        parts: dict[str, list[tuple[str, str]]] = {slot: [] for slot in SLOTS}
        parts["open"] += [
            ("R", "Hi {prospect}, this is {rep} from Brightdesk. Thanks for making the time."),
            ("P", "Hi {rep}, no problem."),
        ]
        for rep_line, prospect_line in rnd.sample(SMALL_TALK, rnd.randint(1, 2)):
            parts["open"] += [("R", rep_line), ("P", prospect_line)]
        prices_named = False
        low, span = self.rubric.low, max(self.rubric.high - self.rubric.low, 1)
        for criterion, (bank, level) in enumerate(zip(self.banks, levels, strict=True)):
            band = 1 + round((level - low) * 4 / span)
            for slot, speaker, text in rnd.choice(bank[band]):
                parts[slot].append((speaker, text, criterion))
                prices_named = prices_named or "{price}" in text
        if not prices_named:
            parts["pricing"] += [(speaker, text) for _, speaker, text in PRICING]
        if rnd.random() < 0.03:
            parts["close"] += [
                ("P", "Do you want the card for the first month? It's {card}."),
                (
                    "R",
                    "Please don't read card numbers out on a call. I'll send you a secure payment link instead.",
                ),
            ]
        if rnd.random() < 0.5:
            parts["wrap"] += list(zip(("P", "R"), rnd.choice(PERSONAL), strict=True))
        parts["bye"] += [("R", "Thanks {prospect}, talk soon."), ("P", "Thanks, bye.")]

        wanted = rnd.randint(30, 60) - sum(len(lines) for lines in parts.values()) - 2
        beats: list[tuple[tuple[str, str], ...]] = []
        for beat in rnd.sample(FILLERS, len(FILLERS)):
            if wanted <= 0:
                break
            beats.append(beat)
            wanted -= len(beat)
        split = rnd.randint(0, len(beats))
        demo_beats = [line for beat in beats[split:] for line in beat]
        first = len(beats[split]) if split < len(beats) else 0
        parts["pitch"] = [
            *SCREEN_SHARE,
            *parts["pitch"],
            *(line for beat in beats[:split] for line in beat),
        ]
        parts["demo"] = demo_beats[:first] + parts["demo"] + demo_beats[first:]

        self._time_and_store(call_id, rep, context, parts, duration_s)

    def _time_and_store(self, call_id, rep, context, parts, duration_s) -> None:
        rnd = self.random
        speakers = {
            "R": ("rep", self.team.rep_names[rep]),
            "P": ("prospect", context["prospect_full"]),
        }
        lines, criterion_of_line = [], []
        for slot in SLOTS:
            for speaker, text, *criterion in parts[slot]:
                lines.append((slot, speaker, text.format_map(context)))
                criterion_of_line.append(criterion[0] if criterion else None)
        speak = [350 * len(text.split()) + 400 + rnd.randint(0, 600) for _, _, text in lines]
        gaps = [rnd.randint(200, 1400) for _ in lines]
        # a demo runs long on the rep's side; replies stay short
        stretch = [
            SLOTS[slot] * len(text.split()) * (1.0 if speaker == "R" else 0.05)
            for slot, speaker, text in lines
        ]
        lead_in = rnd.randint(1000, 6000)
        target = duration_s * 1000 * rnd.uniform(0.9, 0.985)
        used = lead_in + sum(speak) + sum(gaps)
        if used <= target:
            spare, weight = target - used, sum(stretch) or 1.0
            speak = [s + 0.9 * spare * w / weight for s, w in zip(speak, stretch, strict=True)]
            gaps = [g + 0.1 * spare * w / weight for g, w in zip(gaps, stretch, strict=True)]
        else:
            factor = target / used
            lead_in *= factor
            speak = [s * factor for s in speak]
            gaps = [g * factor for g in gaps]
        columns, clock, previous_end = self.columns, float(lead_in), -1
        for seq, ((_, speaker, text), length, gap) in enumerate(
            zip(lines, speak, gaps, strict=True), 1
        ):
            start = max(int(clock), previous_end + 1)
            end = max(int(clock + length), start + 1)
            role, name = speakers[speaker]
            columns["call_id"].append(call_id)
            columns["seq"].append(seq)
            columns["start_ms"].append(start)
            columns["end_ms"].append(end)
            columns["speaker_role"].append(role)
            columns["speaker_name"].append(name)
            columns["text"].append(text)
            criterion = criterion_of_line[seq - 1]
            # the moment a reviewer timestamps: the criterion's first decisive line
            if criterion is not None and (call_id, criterion) not in self.moments:
                self.moments[(call_id, criterion)] = start
            clock, previous_end = clock + length + gap, end

    def table(self) -> pa.Table:
        schema = pa.schema(
            [
                ("call_id", pa.string()),
                ("seq", pa.int64()),
                ("start_ms", pa.int64()),
                ("end_ms", pa.int64()),
                ("speaker_role", pa.string()),
                ("speaker_name", pa.string()),
                ("text", pa.string()),
            ]
        )
        return pa.table(self.columns, schema=schema)


# --- writing ------------------------------------------------------------------------------
# Columns the generator builds from ids, dates and fixed word lists: never need quoting.
SAFE_COLUMNS = frozenset(
    ("call_id", "rep_id", "owner_rep_id", "opportunity_id", "account_id", "started_at")
    + ("scored_at", "title", "direction", "stage", "email", "manager_id", "coach_id")
)


def _needs_quotes(name: str, column: pa.ChunkedArray) -> bool:
    if name in SAFE_COLUMNS:
        return False
    values = column.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.dictionary
    if not pa.types.is_string(values.type):
        return False
    return bool(pc.any(pc.match_substring_regex(values, '[,"\r\n]')).as_py())


def write_csv(table: pa.Table, path: Path) -> None:
    """CSV with a plain header; values are quoted only when a column needs it."""
    columns = zip(table.column_names, table.columns, strict=True)
    quoting = "needed" if any(_needs_quotes(n, c) for n, c in columns) else "none"
    with path.open("wb") as sink:
        sink.write((",".join(table.column_names) + "\n").encode())
        options = pacsv.WriteOptions(include_header=False, quoting_style=quoting)
        pacsv.write_csv(table, sink, options)


def _round(value: float) -> float:
    return round(float(value), 4)


def generate(
    out_dir: str | Path,
    *,
    seed: int = 7,
    reps: int = 24,
    managers: int | None = None,
    quarters: int = 4,
    calls_per_rep: int = 50,
    last_quarter: str | dt.date | None = None,
    rubric_path: str | Path | None = None,
    transcripts: bool = True,
    human_share: float | None = None,
) -> dict[str, int]:
    """Write the demo landing folder into ``out_dir``; return the row count per file."""
    managers = managers if managers is not None else max(3, math.ceil(reps / 8))
    if seed < 0 or reps < 1 or managers < 1 or quarters < 1 or calls_per_rep < 1:
        raise ValueError("seed must be >= 0; reps, managers, quarters, calls_per_rep >= 1")
    if human_share is not None and not 0.0 <= human_share <= 1.0:
        raise ValueError("human_share must be between 0 and 1")
    managers = min(managers, reps)
    rubric_file = Path(rubric_path) if rubric_path is not None else DEFAULT_RUBRIC
    rubric = load_rubric(rubric_file)
    betas = win_weights(rubric)
    last_start = _quarter_day(last_quarter)
    starts = [add_quarters(last_start, k - quarters + 1) for k in range(quarters)]
    assessed = [add_quarters(start, 1) for start in starts]
    data_end = assessed[-1] + dt.timedelta(days=FOLLOWUP_DAYS)  # exclusive
    periods = [*zip(starts, assessed, strict=True), (assessed[-1], data_end)]

    team = _make_team(seed, reps, managers, starts[0])
    calls = _make_calls(seed, team, periods, calls_per_rep)
    coaching = _make_coaching(seed, team, rubric, assessed)
    sessions = _sessions_before(calls, coaching)
    behaviour = _behaviour(seed, calls, coaching, rubric, sessions)
    last_day = _days(data_end) - np.timedelta64(1, "D")
    rep_ids = pa.array(team.rep_ids)
    opportunities = _make_opportunities(seed, calls, behaviour, rubric, betas, last_day, rep_ids)
    plan = _plan_scores(seed, calls, team, coaching, sessions, quarters, human_share)

    call_ids = _ids("call_", np.arange(1, len(calls) + 1), _width(len(calls), 6))
    offsets = pc.take(
        pa.array([text for text, _ in OFFSETS]), pa.array(team.offset_of_rep[calls.rep])
    )
    call_labels = np.array(
        [
            ["Intro and demo", "", ""],
            ["Discovery call", "Demo and pricing", ""],
            ["Discovery call", "Product demo", "Proposal review"],
        ]
    )[opportunities.size[opportunities.of_call] - 1, opportunities.position]
    company_names = pa.array([_company(i) for i in range(len(COMPANY_STEMS) * len(COMPANY_KINDS))])
    call_company = pc.take(company_names, pa.array(opportunities.company[opportunities.of_call]))
    calls_table = pa.table(
        {
            "call_id": call_ids,
            "rep_id": pc.take(rep_ids, pa.array(calls.rep)),
            "started_at": _timestamps(calls.local, offsets),
            "duration_s": pa.array(calls.duration_s, pa.int64()),
            "opportunity_id": pc.take(
                opportunities.table["opportunity_id"], pa.array(opportunities.of_call)
            ),
            "title": pc.binary_join_element_wise(call_company, pa.array(call_labels), " - "),
            "direction": pa.array(np.where(calls.outbound, "outbound", "inbound")),
        }
    )
    scores_table = _score_table(seed, plan, calls, behaviour, rubric, team, call_ids)
    coaching_table = _coaching_table(team, rubric, coaching, starts)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUT_FILES:
        (out / name).unlink(missing_ok=True)
    shutil.copyfile(rubric_file, out / "rubric.yaml")
    counts = {"rubric.yaml": 1}
    for name, table in (
        ("reps.csv", team.table),
        ("calls.csv", calls_table),
        ("opportunities.csv", opportunities.table),
        ("coaching_sessions.csv", coaching_table),
    ):
        write_csv(table, out / name)
        counts[name] = table.num_rows
    moments: dict[tuple[str, int], int] = {}
    if transcripts:
        writer = TranscriptWriter(seed, rubric, team, opportunities)
        per_call = zip(
            call_ids.to_pylist(),
            calls.rep.tolist(),
            opportunities.of_call.tolist(),
            calls.day.astype(dt.date).tolist(),
            calls.duration_s.tolist(),
            _levels(behaviour, rubric).tolist(),
            strict=True,
        )
        for call in per_call:
            writer.add_call(*call)
        utterances = writer.table()
        pq.write_table(utterances, out / "utterances.parquet", compression="zstd")
        counts["utterances.parquet"] = utterances.num_rows
        moments = writer.moments
    if moments:
        # reviewers note the moment that decided each score (evidence_start_ms)
        criterion_index = {cid: i for i, cid in enumerate(rubric.ids)}
        evidence = [
            moments.get((call, criterion_index[criterion]))
            for call, criterion in zip(
                scores_table["call_id"].to_pylist(),
                scores_table["criterion_id"].to_pylist(),
                strict=True,
            )
        ]
        scores_table = scores_table.append_column(
            "evidence_start_ms", pa.array(evidence, pa.int64())
        )
    write_csv(scores_table, out / "scores.csv")
    counts["scores.csv"] = scores_table.num_rows

    truth = _truth(
        seed=seed,
        rubric=rubric,
        betas=betas,
        team=team,
        coaching=coaching,
        starts=starts,
        assessed=assessed,
        data_end=data_end,
        plan=plan,
        calls=calls,
        opportunities=opportunities,
        settings={
            "reps": reps,
            "managers": managers,
            "quarters": quarters,
            "calls_per_rep": calls_per_rep,
            "last_quarter": last_start.isoformat(),
            "transcripts": transcripts,
            "human_share": human_share,
        },
        counts=counts,
    )
    (out / "_truth").mkdir(exist_ok=True)
    (out / "_truth" / "truth.json").write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n")
    return counts


def _coaching_table(
    team: Team, rubric: RubricInfo, coaching: Coaching, starts: list[dt.date]
) -> pa.Table:
    reps, quarters = coaching.focus.shape
    rep = np.tile(np.arange(reps), quarters)
    quarter = np.repeat(np.arange(quarters), reps)
    focus = coaching.focus.T.ravel()
    manager = team.manager_of_rep[rep]
    notes = [
        f"Quarterly feedback on {rubric.names[c].lower()}: reviewed the sampled calls together and agreed to practise the level-4 behaviour."
        for c in range(len(rubric.ids))
    ]
    return pa.table(
        {
            "rep_id": [team.rep_ids[r] for r in rep],
            "cycle": [cycle_key(starts[k]) for k in quarter],
            "criterion_id": [rubric.ids[c] for c in focus],
            "delivered_on": pa.array(coaching.delivered.T.ravel(), pa.date32()),
            "coach_id": [team.manager_ids[m] for m in manager],
            "note": [notes[c] for c in focus],
        }
    )


def _truth(
    *,
    seed,
    rubric,
    betas,
    team,
    coaching,
    starts,
    assessed,
    data_end,
    plan,
    calls,
    opportunities,
    settings,
    counts,
) -> dict:
    cycles = [cycle_key(start) for start in starts]
    reps, quarters = coaching.focus.shape
    sessions = [
        {
            "rep_id": team.rep_ids[r],
            "cycle": cycles[k],
            "criterion_id": rubric.ids[coaching.focus[r, k]],
            "delivered_on": str(coaching.delivered[r, k]),
            "coach_id": team.manager_ids[team.manager_of_rep[r]],
            "responded": bool(coaching.responded[r, k]),
        }
        for k in range(quarters)
        for r in range(reps)
    ]
    won = opportunities.table["is_won"].to_numpy(zero_copy_only=False)
    closed = opportunities.table["is_closed"].to_numpy(zero_copy_only=False)
    insufficient = None
    if plan.short_rep is not None:
        in_last = calls.period[plan.call] == quarters - 1
        mine = calls.rep[plan.call] == plan.short_rep
        insufficient = {
            "rep_id": team.rep_ids[plan.short_rep],
            "cycle": cycles[-1],
            "n_scored_calls": int(len(np.unique(plan.call[in_last & mine]))),
        }
    return {
        "generator": {"seed": seed, **settings},
        "rubric": {
            "rubric_id": rubric.rubric_id,
            "version": rubric.version,
            "criteria": list(rubric.ids),
        },
        "data_window": {
            "start": starts[0].isoformat(),
            "end_exclusive": data_end.isoformat(),
            "followup_days_after_last_cycle": FOLLOWUP_DAYS,
        },
        "cycles": [
            {"cycle": c, "start": s.isoformat(), "assessment_date": a.isoformat()}
            for c, s, a in zip(cycles, starts, assessed, strict=True)
        ],
        "win_model": {
            "formula": "P(won) = sigmoid(intercept + sum_c weight_c * (mean behaviour_c over the opportunity's calls - centre) / unit)",
            "intercept": WIN_INTERCEPT,
            "centre": rubric.centre,
            "unit": rubric.unit,
            "weights": {c: _round(b) for c, b in zip(rubric.ids, betas, strict=True)},
            "most_predictive_criterion": rubric.ids[int(np.argmax(betas))],
            "n_opportunities": int(len(won)),
            "n_closed": int(closed.sum()),
            "n_won": int(won.sum()),
        },
        "manager_coaching_efficacy": {
            team.manager_ids[m]: _round(p) for m, p in enumerate(coaching.efficacy)
        },
        "coaching_lift": COACHING_LIFT * rubric.unit,
        "rep_skills": {
            team.rep_ids[r]: {c: _round(coaching.skills[r, 0, i]) for i, c in enumerate(rubric.ids)}
            for r in range(reps)
        },
        "rep_skills_by_cycle": {
            team.rep_ids[r]: {
                cycles[k]: {c: _round(coaching.skills[r, k, i]) for i, c in enumerate(rubric.ids)}
                for k in range(quarters)
            }
            for r in range(reps)
        },
        "coaching_sessions": sessions,
        "coaching_responders": {
            cycles[k]: [team.rep_ids[r] for r in range(reps) if coaching.responded[r, k]]
            for k in range(quarters)
        },
        "insufficient_sample": insufficient,
        "scoring": {
            "policy": "human_share" if settings["human_share"] is not None else "sample",
            "sample_calls_per_rep_and_quarter": SAMPLE_CALLS,
            "calibration_calls_per_team_and_quarter": CALIBRATION_CALLS,
            "followup_calls_per_session": FOLLOWUP_CALLS,
            "external_share": EXTERNAL_SHARE,
            "external_scorer": EXTERNAL_SCORER,
            "noise_sd": {
                "human": HUMAN_SD,
                "second_reviewer_vague": VAGUE_SD,
                "external": EXTERNAL_SD,
            },
            "vague_criterion": VAGUE_CRITERION if VAGUE_CRITERION in rubric.ids else None,
            "pairs_by_role": {
                ROLE_NAMES[role]: int((plan.role == role).sum()) for role in range(len(ROLE_NAMES))
            },
        },
        "counts": counts,
    }


def main(argv: list[str] | None = None) -> None:
    load_dotenv()
    parser = argparse.ArgumentParser(
        prog="python -m salesassess.demo_data",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Write deterministic demo data (a canonical landing folder). "
        "Relative paths are relative to the project root.",
    )
    parser.add_argument(
        "--out",
        default=os.environ.get("ASSESSMENT_LANDING_DIR") or DEFAULT_LANDING_DIR,
        help="the landing folder to write (ASSESSMENT_LANDING_DIR)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed: same seed, same data")
    parser.add_argument("--reps", type=int, default=24, help="number of sales reps")
    parser.add_argument(
        "--managers", type=int, default=None, help="default: max(3, ceil(reps / 8))"
    )
    parser.add_argument(
        "--quarters", type=int, default=4, help="quarters of calls, up to --last-quarter"
    )
    parser.add_argument("--calls-per-rep", type=int, default=50, help="per rep and quarter")
    parser.add_argument(
        "--last-quarter",
        default=None,
        help="first day of the last assessed quarter, YYYY-MM-DD (default: latest complete quarter)",
    )
    parser.add_argument(
        "--rubric", default=str(DEFAULT_RUBRIC), help="the rubric the scores are drawn for"
    )
    parser.add_argument("--no-transcripts", action="store_true", help="skip utterances.parquet")
    parser.add_argument(
        "--human-share",
        type=float,
        default=None,
        help="score every call by its rep's manager with this probability instead of the sample policy",
    )
    args = parser.parse_args(argv)
    out = resolve(args.out)
    started = time.perf_counter()
    counts = generate(
        out,
        seed=args.seed,
        reps=args.reps,
        managers=args.managers,
        quarters=args.quarters,
        calls_per_rep=args.calls_per_rep,
        last_quarter=args.last_quarter,
        rubric_path=resolve(args.rubric),
        transcripts=not args.no_transcripts,
        human_share=args.human_share,
    )
    print(f"wrote {out} in {time.perf_counter() - started:.1f} s")
    for name, rows in counts.items():
        print(f"  {name:<24} {rows:>10,} rows")


if __name__ == "__main__":
    main()
