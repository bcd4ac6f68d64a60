{#- Thresholds on means and shares, the one place their precision rule is written.

    A mean or share is rounded to 9 decimal places before it is compared with a threshold
    of the method (the 0.5 improvement, the 70% / 30% manager bands, the 80% within-1
    target, the 5% coverage floor, the minimum priority gap). Binary floating
    point cannot hold most decimals exactly: 2.3 - 1.8 is 0.4999999999999998, and a rep
    who improved by exactly 0.5 must be improved. Rounding to 9 places removes that noise
    (about 1e-15) and never merges values the method can tell apart: a share of n items
    is either exactly a two-decimal threshold or at least 0.01 / n from it, and a
    difference of two means of n1 and n2 scores with at most two decimals at least
    0.01 / (n1 x n2) (1e-4 for 10 calls each), far above 1e-9 while n and n1 x n2 stay
    under ten million. -#}
{% macro threshold_value(value) -%}
    round({{ value }}, 9)
{%- endmacro %}

{#- value >= threshold, by the rule above. -#}
{% macro reaches(value, threshold) -%}
    ({{ threshold_value(value) }} >= {{ threshold }})
{%- endmacro %}

{#- value <= threshold, by the rule above. -#}
{% macro at_most(value, threshold) -%}
    ({{ threshold_value(value) }} <= {{ threshold }})
{%- endmacro %}

{#- value < threshold, by the rule above. -#}
{% macro below(value, threshold) -%}
    ({{ threshold_value(value) }} < {{ threshold }})
{%- endmacro %}
