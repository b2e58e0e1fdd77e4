// swift-tools-version:6.3
import PackageDescription

/// The plugin SDK on its own: the C header and the Swift SDK, depending on
/// nothing but the toolchain. Sluice builds against it by path; a third-party
/// plugin depends on it (or on its installed copy, `make install`) without
/// pulling Sluice's own dependencies.
let package = Package(
    name: "SluiceSDK",
    products: [
        .library(name: "SluiceSDK", targets: ["SluiceSDK"]),
        .library(name: "CSluicePlugin", targets: ["CSluicePlugin"]),
    ],
    targets: [
        // The C ABI: sluice_plugin.h (and sluice_bson.h) under include/sluice.
        .target(name: "CSluicePlugin", path: ".", sources: ["CSluicePlugin"], publicHeadersPath: "include"),
        .target(name: "SluiceSDK", dependencies: ["CSluicePlugin"], path: "Sources/SluiceSDK"),
    ],
    swiftLanguageModes: [.v6]
)
