-- Grain: one row per receiving school × imported diverse performance (a transferred student's 多元表現
-- from the sending school), under the receiving school's 學號 and id, with its origin and the folders the
-- sending school sent it in (macros/exchange_items.sql). The per-category fields of the central layout are
-- not in a package: the sending school's platform export has them only in its own deliveries.
{{ exchange_staging('exchange_diverse_performances', 'performance_id', [
    'category',
    'title',
    'organiser',
    'start_date',
    'end_date',
    'hours',
    'level_or_award',
    'summary',
    'document_file_name',
    'document_bytes',
    'video_file_name',
    'video_bytes',
    'external_url',
    'entry_source',
    'uploaded_at',
]) }}
