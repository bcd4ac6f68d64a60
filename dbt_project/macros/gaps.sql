{#- Step 3: whether a gap on the scale (team benchmark - rep score, or top - bottom) is
    large enough to be a coaching priority: positive, and at least var('min_priority_gap')
    points by the thresholds' precision rule (macros/thresholds.sql: 3.5 - 3.4 is
    0.10000000000000009 and 2.3 - 2.2 is 0.09999999999999987; both are a 0.1 gap). -#}
{% macro is_priority_gap(gap) -%}
    ({{ gap }} > 0 and {{ reaches(gap, var("min_priority_gap")) }})
{%- endmacro %}
