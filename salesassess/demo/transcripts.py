"""The demo's transcripts: every call written line by line from the phrase banks
(``phrases.yaml``) of the behaviour level the call shows on each criterion."""

import datetime as dt
import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import yaml

from salesassess.demo.model import (
    CARDS,
    CITIES,
    FIRST_NAMES,
    LAST_NAMES,
    OFFSETS,
    OWNER_TITLES,
    PEERS,
    VENDORS,
    Opportunities,
    RubricInfo,
    Team,
    _days,
)

# A script is a list of (slot, speaker, text); R = rep, P = prospect. Slots are the phases
# of a call, in order; the stretch weight says how much of the call's spare time a line of
# that phase absorbs (a demo runs long, an agenda does not).
Script = list[tuple[str, str, str]]
_PHRASES = yaml.safe_load(Path(__file__).with_name("phrases.yaml").read_text(encoding="utf-8"))
SLOTS: dict[str, float] = _PHRASES["SLOTS"]
BANKS: dict[str, dict[int, list[Script]]] = _PHRASES["BANKS"]
# (objection, clarifying question, its answer, answer to the stated objection only,
#  the real concern behind it, evidence answering that concern)
OBJECTIONS = _PHRASES["OBJECTIONS"]
SMALL_TALK = _PHRASES["SMALL_TALK"]
SCREEN_SHARE = _PHRASES["SCREEN_SHARE"]
# Product talk between the moments that matter: beats of a few lines that belong together.
FILLERS = _PHRASES["FILLERS"]
PRICING = _PHRASES["PRICING"]
PERSONAL = _PHRASES["PERSONAL"]


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


UTTERANCES_SCHEMA = pa.schema(
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
        self.columns: dict[str, list] = {name: [] for name in UTTERANCES_SCHEMA.names}

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
                    "Please don't read card numbers out on a call. "
                    "I'll send you a secure payment link instead.",
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
        """The utterances added since the last call, and forget them (a quarter of a large
        team is written in parts, so its rows never sit in memory at once)."""
        table = pa.table(self.columns, schema=UTTERANCES_SCHEMA)
        for column in self.columns.values():
            column.clear()
        return table
