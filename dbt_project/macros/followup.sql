{#- Step 5: the counts of a group of follow-up verdicts (fct_rescore_deltas rows): coached =
    a verdict on the primary priority (improved or not_improved), improved, insufficient
    follow-up, the coached whose priority is provisional, and the confirmed counts (coached
    and improved without the provisional). -#}
{% macro followup_verdict_counts() %}
    count(*) filter (where status in ('improved', 'not_improved')) as n_coached,
    count(*) filter (where status = 'improved') as n_improved,
    count(*) filter (where status = 'insufficient_followup') as n_insufficient_followup,
    count(*) filter (
        where status in ('improved', 'not_improved') and is_provisional
    ) as n_provisional,
    count(*) filter (
        where status in ('improved', 'not_improved') and not is_provisional
    ) as n_coached_confirmed,
    count(*) filter (where status = 'improved' and not is_provisional) as n_improved_confirmed
{% endmacro %}

{#- Step 5: a manager's band from the improved and coached counts: working at or above
    var('effectiveness_working_share') improved, needs_adjustment at or below
    var('effectiveness_needs_adjustment_share'), else mixed; no_followup without a verdict. -#}
{% macro effectiveness_band(n_improved, n_coached) %}
    case
        when {{ n_coached }} = 0 then 'no_followup'
        when {{ reaches(
            "cast(" ~ n_improved ~ " as double) / " ~ n_coached,
            var("effectiveness_working_share")
        ) }}
            then 'working'
        when {{ at_most(
            "cast(" ~ n_improved ~ " as double) / " ~ n_coached,
            var("effectiveness_needs_adjustment_share")
        ) }}
            then 'needs_adjustment'
        else 'mixed'
    end
{% endmacro %}
