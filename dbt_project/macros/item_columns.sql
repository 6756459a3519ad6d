{#- The columns of the two item marts, one list per kind, in their order: fct_course_outcomes
    ('course_outcome') and fct_diverse_performances ('diverse_performance'). Each mart is the school's own
    items and a transferred student's imported ones (int_<kind>s_imported), both selected through this list
    (`own_and_imported_items`): a column added to a mart is added here (until it is, the data test
    assert_item_marts_list_every_column fails), and the build then fails until the imported model provides
    it too, unless it is listed in `own_only`, the facts an imported item cannot have (the sending school's
    term work has no course record, term window, certification events or delivery here; its 多元表現 carry
    no per-category fields: gate_business_rules.md, "Transferred students' imported items"). -#}
{% macro item_columns(kind, imported=false) -%}
    {%- set kinds = {
        'course_outcome': {
            'columns': [
                'school_code', 'outcome_id', 'student_number', 'academic_year', 'term', 'class_code',
                'seat_number', 'is_student_enrolled', 'course_code', 'has_course_record', 'record_kind',
                'subject_name', 'course_grade', 'credits', 'origin_academic_year', 'origin_term',
                'make_up_method_code', 'retake_method_code', 'course_carries_credits', 'title',
                'summary', 'summary_chars', 'document_file_name', 'document_extension', 'document_bytes',
                'video_file_name', 'video_extension', 'video_bytes', 'has_file', 'uploaded_at',
                'upload_deadline_date', 'certification_deadline_date', 'certification_state', 'is_certified',
                'requested_teacher_code', 'certifying_teacher_code', 'submitted_at', 'decided_at',
                'decided_by_teacher_code', 'failure_reason', 'certification_events', 'is_selected',
                'selected_at', 'source_file', 'source_line',
            ],
            'own_only': [
                'origin_academic_year', 'origin_term', 'make_up_method_code', 'retake_method_code',
                'upload_deadline_date', 'certification_deadline_date', 'submitted_at', 'decided_at',
                'decided_by_teacher_code', 'failure_reason', 'certification_events', 'source_file', 'source_line',
            ],
        },
        'diverse_performance': {
            'columns': [
                'school_code', 'performance_id', 'student_number', 'academic_year', 'class_code', 'seat_number',
                'category', 'export_sheet_name', 'title', 'organiser', 'start_date', 'end_date', 'hours',
                'level_or_award', 'summary', 'summary_chars', 'document_file_name', 'document_extension',
                'document_bytes', 'video_file_name', 'video_extension', 'video_bytes', 'external_url',
                'activity_term', 'cadre_level', 'competition_event', 'competition_level_code',
                'team_participation_code', 'certificate_code', 'certificate_score', 'certificate_part_results',
                'certificate_number', 'flexible_learning_type_code', 'periods_per_week', 'weeks',
                'group_activity_type_code', 'periods', 'workplace_learning_type_code', 'programme_name', 'credits',
                'entry_source', 'is_student_entered', 'uploaded_at', 'is_selected', 'selected_at', 'source_file',
                'source_line',
            ],
            'own_only': [
                'activity_term', 'cadre_level', 'competition_event', 'competition_level_code',
                'team_participation_code', 'certificate_code', 'certificate_score', 'certificate_part_results',
                'certificate_number', 'flexible_learning_type_code', 'periods_per_week', 'weeks',
                'group_activity_type_code', 'periods', 'workplace_learning_type_code', 'programme_name', 'credits',
                'source_file', 'source_line',
            ],
        },
    } -%}
    {%- set columns = kinds[kind]['columns'] -%}
    {%- if imported -%}
        {%- set columns = columns | reject('in', kinds[kind]['own_only']) | list -%}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}

{#- The rows of a kind's mart: the CTE `own_items` and the CTE `imported` (its int_<kind>s_imported rows)
    through the kind's column list, unioned by name. Own items have no origin (null); imported ones lack
    the kind's `own_only` facts (null). -#}
{% macro own_and_imported_items(kind, item_id) -%}
    select
        {{ item_columns(kind) | join(',\n        ') }},
        -- a column own_items has and the list lacks stays in the mart (last), where the data test
        -- assert_item_marts_list_every_column fails on it instead of it being dropped unnoticed
        * exclude ({{ item_columns(kind) | join(', ') }})
    from own_items
    union all by name
    select
        {{ (item_columns(kind, imported=true) + exchange_origin_columns(item_id)) | join(',\n        ') }}
    from imported
{%- endmacro %}

{#- What the student wrote and uploaded for an item (`items`: the relation of its rows), as the gate reads
    it: the summary and its length in characters (R01, R02), each file with its extension (R04, R10) and size. -#}
{% macro item_content_columns(items) -%}
    {{ items }}.summary,
        coalesce(length({{ items }}.summary), 0) as summary_chars,
        {{ items }}.document_file_name,
        {{ file_extension(items ~ '.document_file_name') }} as document_extension,
        {{ items }}.document_bytes,
        {{ items }}.video_file_name,
        {{ file_extension(items ~ '.video_file_name') }} as video_extension,
        {{ items }}.video_bytes
{%- endmacro %}
