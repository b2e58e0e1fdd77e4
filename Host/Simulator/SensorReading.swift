import SluiceFormats
import SluiceSDK

/// One beach sensor reading as the simulated API serves it: the original
/// CSV cells, dirt included, plus its place in the replay.
struct SensorReading: Sendable {
    /// Position in replay order, from 1: the numeric id of the text line.
    let sequence: Int
    /// Wall-clock time at the beach (no zone), ms; nil for rows without a timestamp.
    let localMillis: Int64?
    /// Cells in `SensorColumns.names` order.
    let cells: [String]

    /// The seed's line: "2020-02-17T11:12:58.765969 26.04 540.1 13.12 Montrose_Beach 758028"
    /// (time, water temperature, turbidity, battery life, beach, id). Missing
    /// values are left out, as a failing sensor would.
    var textLine: String {
        let time = localMillis.map { ISO8601.format(milliseconds: $0).replacingZuluWithMicros } ?? ""
        let parts = [time, cells[SensorColumns.water], cells[SensorColumns.turbidity], cells[SensorColumns.battery],
                     cells[SensorColumns.beach].replacingSpaces, String(sequence)]
        return parts.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// A JSON object keyed by column name, cells typed as file.read types them.
    var json: JSONValue {
        .object(JSONObject(zip(SensorColumns.names, cells).map { ($0, CSV.value($1)) }))
    }

    var csvRow: String { cells.map { CSV.escape($0) }.joined(separator: ",") }
}

/// The columns of the City of Chicago beach sensor file (dataset qmqz-2xku).
enum SensorColumns {
    static let names = ["Beach Name", "Measurement Timestamp", "Water Temperature", "Turbidity", "Transducer Depth",
                        "Wave Height", "Wave Period", "Battery Life", "Measurement Timestamp Label", "Measurement ID"]
    static let beach = 0, timestamp = 1, water = 2, turbidity = 3, battery = 7
    static let timestampFormat = DateFormat("MM/dd/yyyy hh:mm:ss a")
}

extension String {
    /// "2013-08-30T08:00:00.000Z" → "2013-08-30T08:00:00.000000", the seed's local-time style.
    fileprivate var replacingZuluWithMicros: String {
        guard hasSuffix("Z") else { return self }
        return String(dropLast()) + "000"
    }

    fileprivate var replacingSpaces: String {
        String(map { $0 == " " ? "_" : $0 })
    }
}
