/// The header's `SLUICE_HAS_FIELD` rule in Swift: whether a struct that
/// reports `size` bytes (its `struct_size`) contains `field`.
///
/// Every struct of the ABI grows only at its end, so a field is present
/// exactly when the reported size reaches past it. Read a field only after
/// this says it is there.
@inlinable
public func structHasField<T, F>(_ size: UInt32, _ field: KeyPath<T, F>) -> Bool {
    Int(size) >= structFieldEnd(field)
}

/// The smallest `struct_size` that contains `field`: its offset plus its size.
@inlinable
public func structFieldEnd<T, F>(_ field: KeyPath<T, F>) -> Int {
    MemoryLayout<T>.offset(of: field)! + MemoryLayout<F>.size
}
