/// Why a plugin file was refused. Every refusal before `dlopen` means none of
/// the file's code ran.
public struct LoadError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        case notFound, unreadable, worldWritable, notELF, wrongClass, wrongArchitecture, notSharedLibrary
        case corruptLinkTables, notInPluginPath, untrustedDirectory
        case notAPlugin, missingEntry, incompatibleABI, checksumMismatch, dlopenFailed, badDescriptor
    }

    public let kind: Kind
    public let path: String
    public let reason: String

    public var description: String { "\(path): \(reason)" }
}
