/// libFuzzer entry for the ELF link-table checks: any bytes, never a crash or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = ELFLinkCheck.problem(in: UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
