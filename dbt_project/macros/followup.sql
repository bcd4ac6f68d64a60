{#- Step 5: the counts of a group of follow-up verdicts (fct_rescore_deltas rows): coached =
    a verdict on the primary priority (improved or not_improved), improved, insufficient
    follow-up, and the coached whose priority is provisional. -#}
{% macro followup_verdict_counts() %}
    count(*) filter (where status in ('improved', 'not_improved')) as n_coached,
    count(*) filter (where status = 'improved') as n_improved,
    count(*) filter (where status = 'insufficient_followup') as n_insufficient_followup,
    count(*) filter (
        where status in ('improved', 'not_improved') and is_provisional
    ) as n_provisional
{% endmacro %}
