"""The demo company: its people, calls, opportunities, coaching and score plan (vectorised
numpy; see :mod:`salesassess.demo.data` for the story they tell)."""

import datetime as dt
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from salesassess.method.calendar import fiscal_start_month, latest_complete_partition, quarter_start

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
        kind = "calendar" if fiscal_start_month() == 1 else "fiscal"
        raise ValueError(f"last quarter {day} is not the first day of a {kind} quarter")
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
    stem = COMPANY_STEMS[index % len(COMPANY_STEMS)]
    return f"{stem} {COMPANY_KINDS[index // len(COMPANY_STEMS) % len(COMPANY_KINDS)]}"


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
