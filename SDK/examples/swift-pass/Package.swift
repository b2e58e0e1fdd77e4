// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SwiftPass",
    products: [.library(name: "swift-pass", type: .dynamic, targets: ["SwiftPassEntry", "SwiftPass"])],
    dependencies: [.package(name: "Sluice", path: "../../..")],
    targets: [
        .target(name: "SwiftPass", dependencies: [.product(name: "SluiceSDK", package: "Sluice")]),
        .target(name: "SwiftPassEntry", dependencies: ["SwiftPass", .product(name: "SluiceSDK", package: "Sluice")],
                publicHeadersPath: "."),
    ],
    swiftLanguageModes: [.v6]
)
