{#- The id a transferred student's imported item (portfolio exchange import) has at the receiving school:
    `<sending school code>:<the sending school's id>` (e.g. 013301:CO-0000012). Every school numbers its own
    items, so the sending school's id alone can name one of the receiving school's own; the receiving
    school's 勾選紀錄 names an imported item by this id. -#}
{% macro imported_item_id(origin_school_code, item_id) -%}
    ({{ origin_school_code }} || ':' || {{ item_id }})
{%- endmacro %}

{#- True when a package's submitted_in (JSON list of the sending school's submitted folders that carried the
    item) names the whole-year folder (term 0) of the item's year: the sending school sent it already. -#}
{% macro is_submitted_by_origin(submitted_in) -%}
    coalesce(list_contains(cast(json_extract({{ submitted_in }}, '$[*].term') as integer[]), 0), false)
{%- endmacro %}
