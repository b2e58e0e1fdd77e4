import SluiceSDK

/// Remembers the last `capacity` reading keys, so a reading polled twice
/// (normal: the API returns its latest value until a new one comes) is emitted once.
struct Dedupe {
    let fields: [String]
    let capacity: Int
    private var seen: Set<String> = []
    private var order: [String] = []
    private var next = 0

    init(fields: [String], capacity: Int) {
        self.fields = fields
        self.capacity = capacity
        order.reserveCapacity(min(capacity, 1 << 16))
    }

    /// True the first time a key is seen. A reading without any key field is always new.
    mutating func isNew(_ document: BSONDocument) -> Bool {
        var key = ""
        var found = false
        for f in fields {
            if let e = document[f] {
                key += JSONWriter.string(e.jsonValue)
                found = true
            }
            key += "\u{1F}"
        }
        guard found else { return true }
        guard seen.insert(key).inserted else { return false }
        if order.count < capacity {
            order.append(key)
        } else {
            seen.remove(order[next])
            order[next] = key
            next = (next + 1) % capacity
        }
        return true
    }
}
