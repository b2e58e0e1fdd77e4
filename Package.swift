// swift-tools-version:6.3
import PackageDescription

/// The SDK is a package of its own (SDK/Package.swift), so plugin authors
/// depend on it without Sluice's dependencies.
let sdk: Target.Dependency = .product(name: "SluiceSDK", package: "SDK")
let cABI: Target.Dependency = .product(name: "CSluicePlugin", package: "SDK")

/// A built-in plugin: a Swift target with the logic (tested directly) and a
/// one-line C target that emits the ELF note and the entry symbol.
func plugin(_ name: String, folder: String, product: String, system: [Target] = [],
            uses: [Target.Dependency] = []) -> (Product, [Target]) {
    let entry = Target.target(
        name: "\(name)Entry",
        dependencies: [cABI, .target(name: "\(name)Plugin")],
        path: "Plugins/\(folder)/Entry", publicHeadersPath: ".")
    let logic = Target.target(
        name: "\(name)Plugin",
        dependencies: [sdk] + uses + system.map { .target(name: $0.name) },
        path: "Plugins/\(folder)/Sources")
    return (.library(name: product, type: .dynamic, targets: [entry.name, logic.name]), [entry, logic] + system)
}

let plugins = [
    plugin("Faker", folder: "Faker", product: "sluice-faker", uses: [.product(name: "HeapModule", package: "swift-collections")]),
    plugin("Join", folder: "Join", product: "sluice-join", uses: ["SluiceFormats"]),
    plugin("Validator", folder: "Validator", product: "sluice-validator", uses: ["SluiceSchema", "SluiceFormats"]),
    plugin("File", folder: "File", product: "sluice-file", uses: ["SluiceFormats"]),
    plugin("MongoDB", folder: "MongoDB", product: "sluice-mongodb", system: [
        .systemLibrary(name: "CMongoc", path: "Plugins/MongoDB/CMongoc", pkgConfig: "libmongoc-1.0",
                       providers: [.apt(["libmongoc-dev"])]),
    ]),
    plugin("Kafka", folder: "Kafka", product: "sluice-kafka", system: [
        .systemLibrary(name: "CRdKafka", path: "Plugins/Kafka/CRdKafka", pkgConfig: "rdkafka",
                       providers: [.apt(["librdkafka-dev"])]),
    ], uses: ["SluiceFormats"]),
    plugin("Elasticsearch", folder: "Elasticsearch", product: "sluice-elasticsearch", uses: ["SluiceHTTP", "SluiceFormats"]),
    plugin("HTTPSensor", folder: "HTTPSensor", product: "sluice-http-sensor", uses: [
        "SluiceHTTP", "SluiceFormats",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
    ]),
    plugin("Forecaster", folder: "Forecaster", product: "sluice-forecaster"),
    plugin("Dashboard", folder: "Dashboard", product: "sluice-dashboard", uses: [
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
    ]),
    plugin("Logstash", folder: "Logstash", product: "sluice-logstash", system: [
        .systemLibrary(name: "COpenSSL", path: "Plugins/Logstash/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
    ], uses: ["SluiceFormats"]),
]

let package = Package(
    name: "Sluice",
    products: [
        .executable(name: "sluice", targets: ["SluiceHost"]),
    ] + plugins.map(\.0),
    dependencies: [
        .package(path: "SDK"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
    ],
    targets: [
        .systemLibrary(name: "CLibElf", path: "Core/CLibElf", pkgConfig: "libelf",
                       providers: [.apt(["libelf-dev"])]),
        // OpenSSL's headers only: FileDigest opens libcrypto when a manifest pins a sha256.
        .systemLibrary(name: "CCrypto", path: "Core/CCrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CMalloc", path: "Core/CMalloc"),
        .systemLibrary(name: "CLinux", path: "Core/CLinux"),
        .systemLibrary(name: "CPCRE2", path: "Core/CPCRE2", pkgConfig: "libpcre2-8",
                       providers: [.apt(["libpcre2-dev"])]),
        .target(name: "SluiceSchema", dependencies: [sdk, "CPCRE2"], path: "Core/SluiceSchema"),

        // Code several plugins share, linked into each: record formats and an HTTP client.
        .target(name: "SluiceFormats", dependencies: [sdk, "SluiceSchema"], path: "Plugins/Shared/Formats"),
        .systemLibrary(name: "CCurl", path: "Plugins/Shared/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "SluiceHTTP", dependencies: [sdk, "CCurl"], path: "Plugins/Shared/HTTP"),
        .target(
            name: "SluiceCore",
            dependencies: [
                sdk, "SluiceSchema", "CLibElf", "CCrypto", "CLinux", cABI,
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Core/SluiceCore"),
        .executableTarget(
            name: "SluiceHost",
            dependencies: [
                "SluiceCore", "CMalloc", "SluiceFormats",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Host"),

        .target(name: "SluiceTestSupport", dependencies: ["SluiceCore", .product(name: "Logging", package: "swift-log")],
                path: "Tests/SluiceTestSupport"),
        .testTarget(name: "SluiceSDKTests", dependencies: [sdk], path: "Tests/SluiceSDKTests"),
        .testTarget(name: "JoinTests", dependencies: ["JoinPlugin"], path: "Tests/JoinTests"),
        .testTarget(name: "SluiceSchemaTests", dependencies: ["SluiceSchema"], path: "Tests/SluiceSchemaTests"),
        .testTarget(name: "SluiceCoreTests", dependencies: ["SluiceCore", "SluiceTestSupport", "SluiceSchema", "SluiceFormats"], path: "Tests/SluiceCoreTests"),
        .testTarget(
            name: "PluginTests",
            dependencies: ["SluiceCore", "SluiceTestSupport", "FakerPlugin", "ValidatorPlugin", "FilePlugin", "MongoDBPlugin", "CMongoc", "KafkaPlugin",
                           "SluiceFormats", "SluiceHTTP", "HTTPSensorPlugin", "LogstashPlugin",
                           .product(name: "NIOEmbedded", package: "swift-nio")],
            path: "Tests/PluginTests"),
        // `bench/forecaster.sh`: forecaster updates/s against a read-only loop (build with -c release).
        .executableTarget(name: "ForecasterBench", dependencies: ["ForecasterPlugin", sdk, "CMalloc"], path: "bench/ForecasterBench"),
        // `bench/schema.sh`: validation ns/record against jsonschema-rs (build with -c release).
        .executableTarget(name: "SchemaBench", dependencies: ["SluiceSchema", sdk], path: "bench/SchemaBench"),
        // Models, alerts and snapshots only: builds without the engine or any server library.
        .testTarget(name: "ForecasterTests", dependencies: ["ForecasterPlugin"], path: "Tests/ForecasterTests"),
        // The window state without I/O; the plugin in a running `sluice`, over HTTP and in headless Chromium.
        .testTarget(name: "DashboardTests", dependencies: ["DashboardPlugin", "SluiceTestSupport", "SluiceHTTP", sdk],
                    path: "Tests/DashboardTests"),
    ] + plugins.flatMap(\.1),
    swiftLanguageModes: [.v6]
)
