-- Step 5: calls of the cycle's follow-up window (loaded by the raw/followup asset under
-- the label <cycle>-followup once the window closed) with their consolidated scores.
{{ window_call_scores(
    followup_label(),
    "select label from " ~ source('raw', 'followup_windows') ~ " where cycle = " ~ cycle_key()
) }}
