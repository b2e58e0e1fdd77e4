/// A record as the JSON document search stacks index: plain JSON (dates as
/// ISO 8601 strings, ids as hex) with `@timestamp` from the event time when
/// the record has none, so Kibana's time filter works (ECS-style).
public enum SearchDocument {
    public static func write(_ record: Record, timestampField: String?, into w: inout JSONWriter) {
        w.plainTypes = true
        guard let field = timestampField, let time = record.eventTime, record.document[field] == nil else {
            w.write(record.document)
            return
        }
        w.appendRaw("{")
        w.writeString(field)
        w.appendRaw(":")
        w.writeString(ISO8601.format(milliseconds: time))
        if !record.document.isEmpty {
            w.appendRaw(",")
            var inner = JSONWriter()
            inner.plainTypes = true
            inner.write(record.document)
            w.appendRaw(String(decoding: inner.bytes.dropFirst(), as: UTF8.self))
        } else {
            w.appendRaw("}")
        }
    }
}
