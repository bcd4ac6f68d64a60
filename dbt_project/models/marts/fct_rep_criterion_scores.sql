-- Every criterion's score of every rep in the cycle next to the team benchmark, in long
-- form (one row per rep, cycle and criterion). weighted_gap = (team benchmark - rep score)
-- x weight, in score points x percent.
select
    rep_id,
    {{ cycle_key() }} as cycle,
    criterion_id,
    criterion_name,
    criterion_position,
    rubric_version,
    team,
    weight,
    n_scored_calls,
    rep_score,
    team_benchmark,
    (team_benchmark - rep_score) * weight as weighted_gap
from {{ ref('int_rep_criterion_scores') }}
