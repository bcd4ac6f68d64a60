"""Step 5's follow-up window: when a cycle's 30-day window after the assessment has closed."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from salesassess.method.calendar import CycleWindow


def latest_coaching_date(con: duckdb.DuckDBPyConnection, cycle: str) -> date | None:
    """The latest start of a rep's follow-up window set by a coaching session, if any."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'coaching_sessions'"
    ).fetchone()[0]
    if not exists:
        return None
    # each rep's window starts at the rep's first session of the cycle (as the
    # coached_rep_windows macro says); the cycle's last window starts at the latest of those
    return con.execute(
        "select max(first_session) from (select min(delivered_on) as first_session "
        "from raw.coaching_sessions where cycle = $cycle group by rep_id)",
        {"cycle": cycle},
    ).fetchone()[0]


def followup_window_end(window: CycleWindow, last_coaching: date | None, days: int) -> date:
    """The day the cycle's follow-up window has closed: every rep's window
    [start, start + days) has ended, start = the assessment date or a later coaching date."""
    start = max(window.assessment_date, last_coaching or window.assessment_date)
    return start + timedelta(days=days)
