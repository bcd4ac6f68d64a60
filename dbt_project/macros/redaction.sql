{#- Step 4 redaction of names: a transcript's words, in order, each either a word (letters,
    marks, digits) or the text between two words, so that joining them gives the text back.
    Unicode classes, the same on DuckDB (RE2) and Spark (Java). -#}
{% macro word_tokens(text) -%}
    {{ return(adapter.dispatch("word_tokens", "sales_assessment")(text)) }}
{%- endmacro %}

{% macro default__word_tokens(text) -%}
    regexp_extract_all({{ text }}, '[\p{L}\p{M}\p{N}]+|[^\p{L}\p{M}\p{N}]+')
{%- endmacro %}

{% macro spark__word_tokens(text) -%}
    regexp_extract_all({{ text }}, '[\\p{L}\\p{M}\\p{N}]+|[^\\p{L}\\p{M}\\p{N}]+', 0)
{%- endmacro %}

{#- The words of a name ("Ana Silva-Costa" -> Ana, Silva, Costa). -#}
{% macro name_words(text) -%}
    {{ return(adapter.dispatch("name_words", "sales_assessment")(text)) }}
{%- endmacro %}

{% macro default__name_words(text) -%}
    regexp_split_to_array({{ text }}, '[^\p{L}\p{M}\p{N}]+')
{%- endmacro %}

{% macro spark__name_words(text) -%}
    split({{ text }}, '[^\\p{L}\\p{M}\\p{N}]+')
{%- endmacro %}

{#- Select-list items unnesting an array into one row per element, with its 0-based
    position. -#}
{% macro unnest_with_position(array, value, position) -%}
    {{ return(adapter.dispatch("unnest_with_position", "sales_assessment")(array, value, position)) }}
{%- endmacro %}

{% macro default__unnest_with_position(array, value, position) -%}
    unnest({{ array }}) as {{ value }},
    unnest(range(len({{ array }}))) as {{ position }}
{%- endmacro %}

{% macro spark__unnest_with_position(array, value, position) -%}
    posexplode({{ array }}) as ({{ position }}, {{ value }})
{%- endmacro %}

{#- A text field of the `extra` JSON column (columns beyond the landing contract). -#}
{% macro extra_field(column, field) -%}
    {{ return(adapter.dispatch("extra_field", "sales_assessment")(column, field)) }}
{%- endmacro %}

{% macro default__extra_field(column, field) -%}
    json_extract_string({{ column }}, '$.{{ field }}')
{%- endmacro %}

{% macro spark__extra_field(column, field) -%}
    get_json_object({{ column }}, '$.{{ field }}')
{%- endmacro %}
