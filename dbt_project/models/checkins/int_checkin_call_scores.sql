-- Monthly check-in: calls from the last assessment date to the month's end (loaded by the
-- raw/checkin_windows asset under the label <month>-checkin) with consolidated scores.
{{ window_call_scores(
    checkin_label(),
    "select label from " ~ source('raw', 'checkin_windows')
    ~ " where month = '" ~ partition_var('checkin_month') ~ "'"
) }}
