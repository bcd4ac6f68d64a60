-- The cycle's scores: the landed ones and the built-in automated scorer's, side by side
-- (macro partition_scores, shared with the follow-up and check-in windows).
{{ partition_scores(cycle_key()) }}
