"""Dagster's partitions of the method's calendar (:mod:`salesassess.method.calendar`).

Dagster has no quarterly partitions class; a cycle is a time window on the fiscal quarters'
cron (``0 0 1 */3 *`` for calendar quarters). Check-ins are monthly partitions. Both start
at the configured first cycle (``ASSESSMENT_FIRST_CYCLE``), read when the definitions load.
"""

from __future__ import annotations

import dagster as dg

from salesassess.method.calendar import cycle_cron, first_checkin_month, first_cycle

quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule=cycle_cron(),
    fmt="%Y-%m-%d",
    start=first_cycle().isoformat(),
    timezone="UTC",
)

monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=first_checkin_month().isoformat(), timezone="UTC", fmt="%Y-%m-%d"
)
