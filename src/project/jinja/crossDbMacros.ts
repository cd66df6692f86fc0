/**
 * dbt's cross-database macros (package `dbt`): `type_string()` ... `type_boolean()`,
 * `current_timestamp()`, `dateadd`, `datediff`, `date_trunc`, `last_day`, `cast`, `safe_cast`,
 * `cast_bool_to_text`, `concat`, `hash`, `split_part`, `listagg`, `position`, `replace`, `right`,
 * `length`, `any_value`, `bool_or`, `escape_single_quotes`, `string_literal`, `except()`,
 * `intersect()` and `array_construct` / `array_append` / `array_concat`.
 *
 * Each `name(...)` calls `adapter.dispatch('name', 'dbt')`; the `default__` versions are
 * dbt-core 1.10's global project (dbt-adapters' `macros/utils/`), the `duckdb__` ones are what
 * dbt-duckdb 1.10.1 ships and the `bigquery__` ones dbt-bigquery 1.10's, copied with their
 * whitespace so the compiled SQL matches dbt's. A project overrides any of them by defining a
 * macro of the same name, or its own `duckdb__` / `bigquery__` / `default__` version.
 *
 * The macro text is dbt Labs' (dbt-adapters, dbt-bigquery) and the dbt-duckdb authors', under the
 * Apache License 2.0 (https://www.apache.org/licenses/LICENSE-2.0); it is kept as they wrote it.
 */
import { parseMacroFile, type MacroFile } from './macroFile.js';

// String.raw: the Jinja below holds backslashes (BigQuery's quote escaping) that must reach nunjucks as written
const SOURCE = String.raw`
{#- data types (data_types.sql): api.Column's names for the target's types -#}
{%- macro type_string() -%}
  {{ return(adapter.dispatch('type_string', 'dbt')()) }}
{%- endmacro -%}
{% macro default__type_string() %}
    {{ return(api.Column.translate_type("string")) }}
{% endmacro %}
{%- macro type_timestamp() -%}
  {{ return(adapter.dispatch('type_timestamp', 'dbt')()) }}
{%- endmacro -%}
{% macro default__type_timestamp() %}
    {{ return(api.Column.translate_type("timestamp")) }}
{% endmacro %}
{%- macro type_float() -%}
  {{ return(adapter.dispatch('type_float', 'dbt')()) }}
{%- endmacro -%}
{% macro default__type_float() %}
    {{ return(api.Column.translate_type("float")) }}
{% endmacro %}
{%- macro type_numeric() -%}
  {{ return(adapter.dispatch('type_numeric', 'dbt')()) }}
{%- endmacro -%}
{% macro default__type_numeric() %}
    {{ return(api.Column.numeric_type("numeric", 28, 6)) }}
{% endmacro %}
{%- macro type_bigint() -%}
  {{ return(adapter.dispatch('type_bigint', 'dbt')()) }}
{%- endmacro -%}
{% macro default__type_bigint() %}
    {{ return(api.Column.translate_type("bigint")) }}
{% endmacro %}
{%- macro type_int() -%}
  {{ return(adapter.dispatch('type_int', 'dbt')()) }}
{%- endmacro -%}
{%- macro default__type_int() -%}
  {{ return(api.Column.translate_type("integer")) }}
{%- endmacro -%}
{%- macro type_boolean() -%}
  {{ return(adapter.dispatch('type_boolean', 'dbt')()) }}
{%- endmacro -%}
{%- macro default__type_boolean() -%}
  {{ return(api.Column.translate_type("boolean")) }}
{%- endmacro -%}

{#- timestamps.sql -#}
{%- macro current_timestamp() -%}
    {{ adapter.dispatch('current_timestamp', 'dbt')() }}
{%- endmacro -%}
{% macro default__current_timestamp() -%}
  {{ exceptions.raise_not_implemented(
    'current_timestamp macro not implemented for adapter ' + adapter.type()) }}
{%- endmacro %}
{% macro duckdb__current_timestamp() -%}
  now()
{%- endmacro %}
{% macro bigquery__current_timestamp() -%}
  current_timestamp()
{%- endmacro %}

{#- dates -#}
{% macro dateadd(datepart, interval, from_date_or_timestamp) %}
  {{ return(adapter.dispatch('dateadd', 'dbt')(datepart, interval, from_date_or_timestamp)) }}
{% endmacro %}
{% macro default__dateadd(datepart, interval, from_date_or_timestamp) %}

    dateadd(
        {{ datepart }},
        {{ interval }},
        {{ from_date_or_timestamp }}
        )

{% endmacro %}
{% macro duckdb__dateadd(datepart, interval, from_date_or_timestamp) %}
    {# an interval times the value, so expressions work too; quarter is 3 months, week 7 days #}
    {%- set unit = datepart | lower -%}
    {%- if unit == 'quarter' -%}
        ({{ from_date_or_timestamp }} + (cast({{ interval }} as bigint) * 3) * interval 1 month)
    {%- elif unit == 'week' -%}
        ({{ from_date_or_timestamp }} + (cast({{ interval }} as bigint) * 7) * interval 1 day)
    {%- else -%}
        ({{ from_date_or_timestamp }} + cast({{ interval }} as bigint) * interval 1 {{ unit }})
    {%- endif -%}
{% endmacro %}
{% macro bigquery__dateadd(datepart, interval, from_date_or_timestamp) %}
        datetime_add(
            cast( {{ from_date_or_timestamp }} as datetime),
        interval {{ interval }} {{ datepart }}
        )
{% endmacro %}

{% macro datediff(first_date, second_date, datepart) %}
  {{ return(adapter.dispatch('datediff', 'dbt')(first_date, second_date, datepart)) }}
{% endmacro %}
{% macro default__datediff(first_date, second_date, datepart) -%}

    datediff(
        {{ datepart }},
        {{ first_date }},
        {{ second_date }}
        )

{%- endmacro %}
{% macro duckdb__datediff(first_date, second_date, datepart) -%}
    {% if datepart == 'week' %}
            ({{ datediff(first_date, second_date, 'day') }} // 7 + case
            when date_part('dow', ({{first_date}})::timestamp) <= date_part('dow', ({{second_date}})::timestamp) then
                case when {{first_date}} <= {{second_date}} then 0 else -1 end
            else
                case when {{first_date}} <= {{second_date}} then 1 else 0 end
        end)
    {% else %}
        (date_diff('{{ datepart }}', {{ first_date }}::timestamp, {{ second_date}}::timestamp ))
    {% endif %}
{%- endmacro %}
{#- dbt-bigquery's first branch (dbt_version[0] == 1, a string against a number) is never taken under dbt -#}
{% macro bigquery__datediff(first_date, second_date, datepart) -%}
    datetime_diff(
        cast({{second_date}} as datetime),
        cast({{first_date}} as datetime),
        {{datepart}}
    )
{%- endmacro %}

{% macro date_trunc(datepart, date) -%}
  {{ return(adapter.dispatch('date_trunc', 'dbt') (datepart, date)) }}
{%- endmacro %}
{% macro default__date_trunc(datepart, date) -%}
    date_trunc('{{datepart}}', {{date}})
{%- endmacro %}
{% macro bigquery__date_trunc(datepart, date) -%}
    timestamp_trunc(
        cast({{date}} as timestamp),
        {{datepart}}
    )
{%- endmacro %}

{% macro last_day(date, datepart) %}
  {{ return(adapter.dispatch('last_day', 'dbt') (date, datepart)) }}
{% endmacro %}
{%- macro default_last_day(date, datepart) -%}
    cast(
        {{dbt.dateadd('day', '-1',
        dbt.dateadd(datepart, '1', dbt.date_trunc(datepart, date))
        )}}
        as date)
{%- endmacro -%}
{% macro default__last_day(date, datepart) -%}
    {{dbt.default_last_day(date, datepart)}}
{%- endmacro %}
{% macro duckdb__last_day(date, datepart) -%}
    {%- if datepart == 'quarter' -%}
    -- duckdb dateadd does not support quarter interval.
    cast(
        {{dbt.dateadd('day', '-1',
        dbt.dateadd('month', '3', dbt.date_trunc(datepart, date))
        )}}
        as date)
    {%- else -%}
    {{dbt.default_last_day(date, datepart)}}
    {%- endif -%}
{%- endmacro %}

{#- casts -#}
{% macro cast(field, type) %}
  {{ return(adapter.dispatch('cast', 'dbt') (field, type)) }}
{% endmacro %}
{% macro default__cast(field, type) %}
    cast({{field}} as {{type}})
{% endmacro %}

{% macro safe_cast(field, type) %}
  {{ return(adapter.dispatch('safe_cast', 'dbt') (field, type)) }}
{% endmacro %}
{% macro default__safe_cast(field, type) %}
    cast({{field}} as {{type}})
{% endmacro %}
{% macro bigquery__safe_cast(field, type) %}
{%- if type.lower().startswith('array') and field is iterable and (field is not string and field is not mapping) and field | length > 0 -%}
    {#-- BigQuery cannot cast to an array: each element is cast and the array rebuilt --#}
    {% set nested_type = type.lower()[6:-1] %}
    {%- if cast_from_string_unsupported_for(nested_type)  %}
        (select array_agg(safe_cast(i as {{ nested_type }})) from unnest([
            {%- for nested_field in field %}
                {{ nested_field.strip('"').strip("'") }}{{ ',' if not loop.last }}
            {%- endfor %}
        ]) i)
    {%- else -%}
        (select array_agg(safe_cast(i as {{nested_type}})) from unnest({{field}}) i)
    {%- endif -%}
{%- elif type.lower() == 'json' and field is mapping -%}
    safe_cast(json {{ dbt.string_literal(tojson(field)) }} as json)
{%- elif cast_from_string_unsupported_for(type) and field is string -%}
    safe_cast({{field.strip('"').strip("'")}} as {{type}})
{%- else -%}
    safe_cast({{field}} as {{type}})
{%- endif -%}
{% endmacro %}
{% macro cast_from_string_unsupported_for(type) %}
    {{ return(type.lower().startswith('struct') or type.lower() == 'geography') }}
{% endmacro %}

{% macro cast_bool_to_text(field) %}
  {{ adapter.dispatch('cast_bool_to_text', 'dbt') (field) }}
{% endmacro %}
{% macro default__cast_bool_to_text(field) %}
    cast({{ field }} as {{ api.Column.translate_type('string') }})
{% endmacro %}

{#- strings -#}
{% macro concat(fields) -%}
  {{ return(adapter.dispatch('concat', 'dbt')(fields)) }}
{%- endmacro %}
{% macro default__concat(fields) -%}
    {{ fields|join(' || ') }}
{%- endmacro %}

{% macro hash(field) -%}
  {{ return(adapter.dispatch('hash', 'dbt') (field)) }}
{%- endmacro %}
{% macro default__hash(field) -%}
    md5(cast({{ field }} as {{ api.Column.translate_type('string') }}))
{%- endmacro %}
{% macro bigquery__hash(field) -%}
    to_hex({{dbt.default__hash(field)}})
{%- endmacro %}

{% macro split_part(string_text, delimiter_text, part_number) %}
  {{ return(adapter.dispatch('split_part', 'dbt') (string_text, delimiter_text, part_number)) }}
{% endmacro %}
{% macro default__split_part(string_text, delimiter_text, part_number) %}

    split_part(
        {{ string_text }},
        {{ delimiter_text }},
        {{ part_number }}
        )

{% endmacro %}
{% macro duckdb__split_part(string_text, delimiter_text, part_number) %}
    string_split({{ string_text }}, {{ delimiter_text }})[ {{ part_number }} ]
{% endmacro %}
{% macro bigquery__split_part(string_text, delimiter_text, part_number) %}
  {% if part_number >= 0 %}
    split(
        {{ string_text }},
        {{ delimiter_text }}
        )[safe_offset({{ part_number - 1 }})]
  {% else %}
    split(
        {{ string_text }},
        {{ delimiter_text }}
        )[safe_offset(
          length({{ string_text }})
          - length(
              replace({{ string_text }},  {{ delimiter_text }}, '')
          ) + 1 + {{ part_number }}
        )]
  {% endif %}
{% endmacro %}

{% macro position(substring_text, string_text) -%}
    {{ return(adapter.dispatch('position', 'dbt') (substring_text, string_text)) }}
{% endmacro %}
{% macro default__position(substring_text, string_text) %}

    position(
        {{ substring_text }} in {{ string_text }}
    )

{%- endmacro -%}
{% macro bigquery__position(substring_text, string_text) %}
    strpos(
        {{ string_text }},
        {{ substring_text }}
    )
{%- endmacro -%}

{% macro replace(field, old_chars, new_chars) -%}
    {{ return(adapter.dispatch('replace', 'dbt') (field, old_chars, new_chars)) }}
{% endmacro %}
{% macro default__replace(field, old_chars, new_chars) %}

    replace(
        {{ field }},
        {{ old_chars }},
        {{ new_chars }}
    )


{% endmacro %}

{% macro right(string_text, length_expression) -%}
    {{ return(adapter.dispatch('right', 'dbt') (string_text, length_expression)) }}
{% endmacro %}
{% macro default__right(string_text, length_expression) %}

    right(
        {{ string_text }},
        {{ length_expression }}
    )

{%- endmacro -%}
{% macro bigquery__right(string_text, length_expression) %}
    case when {{ length_expression }} = 0
        then ''
    else
        substr(
            {{ string_text }},
            -1 * ({{ length_expression }})
        )
    end
{%- endmacro -%}

{% macro length(expression) -%}
    {{ return(adapter.dispatch('length', 'dbt') (expression)) }}
{% endmacro %}
{% macro default__length(expression) %}

    length(
        {{ expression }}
    )

{%- endmacro -%}

{% macro escape_single_quotes(expression) %}
      {{ return(adapter.dispatch('escape_single_quotes', 'dbt') (expression)) }}
{% endmacro %}
{% macro default__escape_single_quotes(expression) -%}
{{ expression | replace("'","''") }}
{%- endmacro %}
{#- BigQuery escapes a quote with a backslash: they're -> they\'re -#}
{% macro bigquery__escape_single_quotes(expression) -%}
{{ expression | replace("'", "\\'") }}
{%- endmacro %}

{#- default__string_literal and bigquery__string_literal are in builtinMacros.ts (the generic tests use them) -#}
{%- macro string_literal(value) -%}
  {{ return(adapter.dispatch('string_literal', 'dbt') (value)) }}
{%- endmacro -%}

{#- aggregates -#}
{% macro listagg(measure, delimiter_text="','", order_by_clause=none, limit_num=none) -%}
    {{ return(adapter.dispatch('listagg', 'dbt') (measure, delimiter_text, order_by_clause, limit_num)) }}
{%- endmacro %}
{% macro default__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}

    {% if limit_num -%}
    array_to_string(
        array_slice(
            array_agg(
                {{ measure }}
            ){% if order_by_clause -%}
            within group ({{ order_by_clause }})
            {%- endif %}
            ,0
            ,{{ limit_num }}
        ),
        {{ delimiter_text }}
        )
    {%- else %}
    listagg(
        {{ measure }},
        {{ delimiter_text }}
        )
        {% if order_by_clause -%}
        within group ({{ order_by_clause }})
        {%- endif %}
    {%- endif %}

{%- endmacro %}
{% macro duckdb__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {% if limit_num -%}
    list_aggr(
        (array_agg(
            {{ measure }}
            {% if order_by_clause -%}
            {{ order_by_clause }}
            {%- endif %}
        ))[1:{{ limit_num }}],
        'string_agg',
        {{ delimiter_text }}
        )
    {%- else %}
    string_agg(
        {{ measure }},
        {{ delimiter_text }}
        {% if order_by_clause -%}
        {{ order_by_clause }}
        {%- endif %}
        )
    {%- endif %}
{%- endmacro %}
{% macro bigquery__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    string_agg(
        {{ measure }},
        {{ delimiter_text }}
        {% if order_by_clause -%}
        {{ order_by_clause }}
        {%- endif %}
        {% if limit_num -%}
        limit {{ limit_num }}
        {%- endif %}
        )
{%- endmacro %}

{% macro any_value(expression) -%}
    {{ return(adapter.dispatch('any_value', 'dbt') (expression)) }}
{% endmacro %}
{% macro default__any_value(expression) -%}

    any_value({{ expression }})

{%- endmacro %}
{% macro duckdb__any_value(expression) -%}
    arbitrary({{ expression }})
{%- endmacro %}

{% macro bool_or(expression) -%}
    {{ return(adapter.dispatch('bool_or', 'dbt') (expression)) }}
{% endmacro %}
{% macro default__bool_or(expression) -%}

    bool_or({{ expression }})

{%- endmacro %}
{% macro bigquery__bool_or(expression) -%}
    logical_or({{ expression }})
{%- endmacro %}

{#- set operators -#}
{% macro except() %}
  {{ return(adapter.dispatch('except', 'dbt')()) }}
{% endmacro %}
{% macro default__except() %}

    except

{% endmacro %}
{% macro bigquery__except() %}
    except distinct
{% endmacro %}

{% macro intersect() %}
  {{ return(adapter.dispatch('intersect', 'dbt')()) }}
{% endmacro %}
{% macro default__intersect() %}

    intersect

{% endmacro %}
{% macro bigquery__intersect() %}
    intersect distinct
{% endmacro %}

{#- arrays: all elements of one type, as in Postgres -#}
{% macro array_construct(inputs=[], data_type=api.Column.translate_type('integer')) -%}
  {{ return(adapter.dispatch('array_construct', 'dbt')(inputs, data_type)) }}
{%- endmacro %}
{% macro default__array_construct(inputs, data_type) -%}
    {% if inputs|length > 0 %}
    array[ {{ inputs|join(' , ') }} ]
    {% else %}
    array[]::{{data_type}}[]
    {% endif %}
{%- endmacro %}
{% macro bigquery__array_construct(inputs, data_type) -%}
    {% if inputs|length > 0 %}
    [ {{ inputs|join(' , ') }} ]
    {% else %}
    ARRAY<{{data_type}}>[]
    {% endif %}
{%- endmacro %}

{% macro array_append(array, new_element) -%}
  {{ return(adapter.dispatch('array_append', 'dbt')(array, new_element)) }}
{%- endmacro %}
{% macro default__array_append(array, new_element) -%}
    array_append({{ array }}, {{ new_element }})
{%- endmacro %}
{% macro bigquery__array_append(array, new_element) -%}
    {{ array_concat(array, array_construct([new_element])) }}
{%- endmacro %}

{% macro array_concat(array_1, array_2) -%}
  {{ return(adapter.dispatch('array_concat', 'dbt')(array_1, array_2)) }}
{%- endmacro %}
{% macro default__array_concat(array_1, array_2) -%}
    array_cat({{ array_1 }}, {{ array_2 }})
{%- endmacro %}
{% macro bigquery__array_concat(array_1, array_2) -%}
    array_concat({{ array_1 }}, {{ array_2 }})
{%- endmacro %}
`;

let cached: MacroFile | undefined;

/** The cross-database macro file (parsed once per process). */
export function crossDbMacroFile(): MacroFile {
  cached ??= parseMacroFile(SOURCE, '<builtin>', 'dbt');
  return cached;
}
