{#- A moment in ms as mm:ss (minutes are not capped at 59: 75:02 is 75 minutes in). -#}
{% macro format_mm_ss(ms) -%}
    (case when floor({{ ms }} / 60000) < 10 then '0' else '' end
    || cast(cast(floor({{ ms }} / 60000) as bigint) as string)
    || ':'
    || case when floor(({{ ms }} % 60000) / 1000) < 10 then '0' else '' end
    || cast(cast(floor(({{ ms }} % 60000) / 1000) as bigint) as string))
{%- endmacro %}

{#- Personal data out of transcript excerpts: card-like numbers (13-19 digits with optional
    spaces or dashes), then phone numbers, then e-mail addresses. Literal patterns only. -#}
{% macro redact(text) -%}
    {%- set card = regexp_replace_all(text, "\\b[0-9](?:[ -]?[0-9]){12,18}\\b", "[card]") -%}
    {%- set phone = regexp_replace_all(
        card,
        "(?:\\+[0-9]{1,3}[ .-]?)?(?:\\(?[0-9]{3}\\)?[ .-]?)[0-9]{3}[ .-]?[0-9]{4}\\b",
        "[phone]"
    ) -%}
    {{ regexp_replace_all(phone, "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}", "[email]") }}
{%- endmacro %}
