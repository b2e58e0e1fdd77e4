/// A record as the JSON document search stacks index: plain JSON (dates as
/// ISO 8601 strings, ids as hex) with `@timestamp` from the event time when
/// the record has none, so Kibana's time filter works (ECS-style).
public enum SearchDocument {
    public static func write(_ record: Record, timestampField: String?, into w: inout JSONWriter) {
        w.plainTypes = true
        if let field = timestampField, let time = record.eventTime, record.document[field] == nil {
            w.write(record.document, leading: [(field, ISO8601.format(milliseconds: time))])
        } else {
            w.write(record.document)
        }
    }
}
