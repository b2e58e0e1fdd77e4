/// The annotations `unevaluatedProperties` and `unevaluatedItems` read: which
/// members and items of one instance the subschemas applied to it in place
/// (through `$ref`, `allOf`, `anyOf`, `if`… that succeeded) evaluated.
/// Only built under a node that has one of the two keywords, so a schema
/// without them pays nothing.
final class Evaluated {
    private(set) var keys: Set<[UInt8]> = []
    private(set) var allKeys = false
    private(set) var items: Set<Int> = []
    private(set) var allItems = false

    func add(key: UnsafeRawBufferPointer) {
        if !allKeys { keys.insert(Array(key)) }
    }

    func addAllKeys() { allKeys = true }

    func add(item: Int) {
        if !allItems { items.insert(item) }
    }

    func addAllItems() { allItems = true }

    func has(key: UnsafeRawBufferPointer) -> Bool { allKeys || keys.contains(Array(key)) }

    func has(item: Int) -> Bool { allItems || items.contains(item) }

    /// Takes in what a successful subschema evaluated.
    func merge(_ other: Evaluated) {
        if other.allKeys { allKeys = true } else if !allKeys { keys.formUnion(other.keys) }
        if other.allItems { allItems = true } else if !allItems { items.formUnion(other.items) }
    }
}
