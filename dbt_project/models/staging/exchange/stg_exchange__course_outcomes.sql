-- Grain: one row per receiving school × imported outcome (a transferred student's 課程學習成果 from the
-- sending school), under the receiving school's 學號 and id, with its origin (macros/exchange_items.sql).
-- The certification state is the sending school's: its teachers certified the outcome there, and their
-- events stay with the package; so is the submission history (the folders it was sent in).
{{ exchange_staging('exchange_course_outcomes', 'outcome_id', [
    'term',
    'course_code',
    'record_kind as origin_record_kind',
    'subject_name',
    'credits',
    'title',
    'summary',
    'document_file_name',
    'document_bytes',
    'video_file_name',
    'video_bytes',
    'uploaded_at',
    'certification_state as origin_certification_state',
    'requested_teacher_code as origin_requested_teacher_code',
    'certifying_teacher_code as origin_certifying_teacher_code',
]) }}
