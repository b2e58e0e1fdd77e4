import SluiceSDK

let filePlugin = PluginExport(
    name: "file", version: "0.1.0", summary: "JSON lines, CSV and text files, stdin and stdout; a discard sink",
    components: [.source(FileSource.self), .sink(FileSink.self), .sink(DiscardSink.self)])

@_cdecl("sluice_file_descriptor")
public func sluiceFileDescriptor() -> UnsafeRawPointer { filePlugin.raw }
