// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SwiftPass",
    products: [.library(name: "swift-pass", type: .dynamic, targets: ["SwiftPassEntry", "SwiftPass"])],
    // The SDK package alone: it depends on nothing but the toolchain.
    dependencies: [.package(path: "../..")],
    targets: [
        .target(name: "SwiftPass", dependencies: [.product(name: "SluiceSDK", package: "SDK")]),
        .target(name: "SwiftPassEntry", dependencies: ["SwiftPass", .product(name: "SluiceSDK", package: "SDK")],
                publicHeadersPath: "."),
    ],
    swiftLanguageModes: [.v6]
)
