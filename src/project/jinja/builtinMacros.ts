/**
 * Stratum's built-in macros (package `dbt`): relation naming (`generate_schema_name`, ...,
 * dispatched as dbt's), the four generic tests, dispatched like dbt's so a project can override
 * `<dialect>__test_<name>`, and the helpers they use. Each test returns the
 * failing rows, as dbt's do. Projects override any of these by defining a macro of the same name.
 */
import { parseMacroFile, type MacroFile } from './macroFile.js';

const SOURCE = `
{% macro test_unique(model, column_name) %}{{ return(adapter.dispatch('test_unique', 'dbt')(model, column_name)) }}{% endmacro %}
{% macro default__test_unique(model, column_name) %}
select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1
{% endmacro %}

{% macro test_not_null(model, column_name) %}{{ return(adapter.dispatch('test_not_null', 'dbt')(model, column_name)) }}{% endmacro %}
{% macro default__test_not_null(model, column_name) %}
{% set column_list = '*' if should_store_failures() else column_name %}
select {{ column_list }}
from {{ model }}
where {{ column_name }} is null
{% endmacro %}

{% macro test_accepted_values(model, column_name, values, quote=True) %}{{ return(adapter.dispatch('test_accepted_values', 'dbt')(model, column_name, values, quote)) }}{% endmacro %}
{% macro default__test_accepted_values(model, column_name, values, quote=True) %}
with all_values as (
    select
        {{ column_name }} as value_field,
        count(*) as n_records
    from {{ model }}
    group by {{ column_name }}
)
select *
from all_values
where value_field not in (
    {% for value in values -%}
        {% if quote -%}
        {{ adapter.dispatch('string_literal', 'dbt')(value) }}
        {%- else -%}
        {{ value }}
        {%- endif -%}
        {%- if not loop.last -%},{%- endif %}
    {%- endfor %}
)
{% endmacro %}

{#- a quoted SQL string literal: standard SQL doubles quotes, BigQuery escapes with backslashes -#}
{% macro default__string_literal(value) %}'{{ value | replace("'", "''") }}'{% endmacro %}
{% macro bigquery__string_literal(value) %}'{{ value | replace("\\\\", "\\\\\\\\") | replace("'", "\\\\'") }}'{% endmacro %}

{% macro test_relationships(model, column_name, to, field) %}{{ return(adapter.dispatch('test_relationships', 'dbt')(model, column_name, to, field)) }}{% endmacro %}
{% macro default__test_relationships(model, column_name, to, field) %}
with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),

parent as (
    select {{ field }} as to_field
    from {{ to }}
)

select
    from_field
from child
left join parent
    on child.from_field = parent.to_field
where parent.to_field is null
{% endmacro %}

{% macro get_where_subquery(relation) -%}
    {% set where = config.get('where', '') %}
    {% if where %}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {% do return(filtered) %}
    {%- else -%}
        {% do return(relation) %}
    {%- endif -%}
{%- endmacro %}

{% macro should_store_failures() %}{{ return(config.get('store_failures') | as_bool) }}{% endmacro %}

{#- relation naming (dbt's get_custom_name macros); a project overrides any of them -#}
{% macro generate_schema_name(custom_schema_name=none, node=none) -%}
    {{ return(adapter.dispatch('generate_schema_name', 'dbt')(custom_schema_name, node)) }}
{% endmacro %}
{% macro default__generate_schema_name(custom_schema_name, node) -%}
    {%- set default_schema = target.schema -%}
    {%- if custom_schema_name is none -%}
        {{ default_schema }}
    {%- else -%}
        {{ default_schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
{% macro generate_schema_name_for_env(custom_schema_name, node) -%}
    {%- set default_schema = target.schema -%}
    {%- if target.name == 'prod' and custom_schema_name is not none -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ default_schema }}
    {%- endif -%}
{%- endmacro %}
{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
    {% do return(adapter.dispatch('generate_alias_name', 'dbt')(custom_alias_name, node)) %}
{%- endmacro %}
{% macro default__generate_alias_name(custom_alias_name=none, node=none) -%}
    {%- if custom_alias_name -%}
        {{ custom_alias_name | trim }}
    {%- elif node.version -%}
        {{ return(node.name ~ "_v" ~ (node.version | replace(".", "_"))) }}
    {%- else -%}
        {{ node.name }}
    {%- endif -%}
{%- endmacro %}
{% macro generate_database_name(custom_database_name=none, node=none) -%}
    {% do return(adapter.dispatch('generate_database_name', 'dbt')(custom_database_name, node)) %}
{%- endmacro %}
{% macro default__generate_database_name(custom_database_name=none, node=none) -%}
    {%- if custom_database_name is none -%}
        {{ target.database }}
    {%- else -%}
        {{ custom_database_name }}
    {%- endif -%}
{%- endmacro %}
`;

let cached: MacroFile | undefined;

/** The built-in macro file (parsed once). */
export function builtinMacroFile(): MacroFile {
  cached ??= parseMacroFile(SOURCE, '<builtin>', 'dbt');
  return cached;
}
