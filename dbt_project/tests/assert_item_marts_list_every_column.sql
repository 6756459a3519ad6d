-- Every column of an item mart is in its kind's list in macros/item_columns.sql (or is an exchange origin
-- column): a column added to own_items but not to the list reaches the mart through own_and_imported_items'
-- `* exclude`, and fails here; it would otherwise be missing from the imported items unnoticed.
{%- set marts = [
    ('course_outcome', 'outcome_id', 'fct_course_outcomes'),
    ('diverse_performance', 'performance_id', 'fct_diverse_performances'),
] %}
{%- for kind, item_id, mart in marts %}
select
    '{{ mart }}' as mart,
    column_name
from (describe {{ ref(mart) }})
where column_name not in ('{{ (item_columns(kind) + exchange_origin_columns(item_id)) | join("', '") }}')
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
