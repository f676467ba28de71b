/** Columns every lake row has, beside the source's own fields. */
export const LAKE_META_COLUMNS = ['_source_file', '_source_line', '_imported_at', '_import_id'] as const;
/** The event's own columns, under these names whatever the source called them. */
export const CANONICAL_COLUMNS = ['event_id', 'event_type', 'occurred_at', 'event_date'] as const;
