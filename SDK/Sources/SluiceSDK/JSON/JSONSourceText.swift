/// The JSON text a source hands on with a record it decoded (ABI 1.6,
/// `Output.emit(jsonText:)`), for a sink that writes JSON to write as it is.
public enum JSONSourceText {
    /// The object in `json`, a text that `BSONFromJSON.withDocument`
    /// accepted (one object, JSON whitespace around it), without that
    /// whitespace: a `\r` before a line's newline or trailing spaces would
    /// otherwise be written into the middle of a sink's output line.
    @inlinable
    public static func object(in json: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        var end = json.count
        // Only JSON whitespace (space, tab, CR, LF) can stand outside the object, all at or below 0x20.
        while start < end, json[start] <= 0x20 { start &+= 1 }
        while end > start, json[end &- 1] <= 0x20 { end &-= 1 }
        return UnsafeRawBufferPointer(rebasing: json[start ..< end])
    }
}
