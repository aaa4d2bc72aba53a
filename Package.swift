// swift-tools-version:6.0
import PackageDescription

/// Products of swift-nio, by module name.
func nio(_ modules: String...) -> [Target.Dependency] {
    modules.map { .product(name: $0, package: "swift-nio") }
}

/// Products of swift-collections, by module name.
func collections(_ module: String) -> Target.Dependency {
    .product(name: module, package: "swift-collections")
}

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")

/// The modules a relayed message passes through (decoder, router step, outbox) are built
/// without dynamic exclusivity checks in release: each access to a class's stored
/// property on the data path cost a runtime check, 4-5 % of a relay's CPU
/// (docs/benchmarks.md, issue 12, branch relay3). Debug builds, which the tests run, keep
/// the checks, so a conflicting access is still caught there.
let dataPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "Arbor",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ArborCore", targets: ["ArborCore"]),
        .library(name: "ArborTopology", targets: ["ArborTopology"]),
        .library(name: "ArborWire", targets: ["ArborWire"]),
        .library(name: "ArborControl", targets: ["ArborControl"]),
        .library(name: "ArborClient", targets: ["ArborClient"]),
        .executable(name: "arbor", targets: ["arbor"]),
        .executable(name: "arbord", targets: ["arbord"]),
        .library(name: "ArborDiscovery", targets: ["ArborDiscovery"]),
        .executable(name: "arbor-sim", targets: ["arbor-sim"]),
        .executable(name: "arbor-bench", targets: ["arbor-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .target(
            name: "ArborCore",
            dependencies: [collections("HashTreeCollections"), collections("DequeModule")],
            swiftSettings: dataPath
        ),
        .target(
            name: "ArborTopology",
            dependencies: ["ArborCore", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "ArborWire",
            dependencies: ["ArborCore"] + nio("NIOCore"),
            swiftSettings: dataPath
        ),
        // Node keys, handshake proofs, record seals (Ed25519 through swift-crypto), realm
        // secrets and the realm link's records (X25519, HKDF, ChaCha20-Poly1305): the only
        // target with crypto; ArborCore carries seals without checking them.
        .target(
            name: "ArborTrust",
            dependencies: ["ArborCore", "ArborWire", .product(name: "Crypto", package: "swift-crypto")] + nio("NIOCore")
        ),
        // The control API's contract (JSON documents, paths) and a small client for it.
        .target(name: "ArborControl", dependencies: ["ArborCore"]),
        .target(
            name: "ArborNode",
            dependencies: [
                "ArborCore", "ArborWire", "ArborTopology", "ArborDiscovery", "ArborControl", "ArborTrust", logging,
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ] + nio("NIOCore", "NIOPosix", "NIOHTTP1", "NIOConcurrencyHelpers"),
            swiftSettings: dataPath
        ),
        .target(
            name: "ArborClient",
            dependencies: ["ArborWire", "ArborCore"] + nio("NIOCore", "NIOPosix", "NIOConcurrencyHelpers")
        ),
        .target(
            name: "ArborSim",
            dependencies: ["ArborCore", collections("HeapModule"), collections("DequeModule")]
        ),
        .executableTarget(
            name: "arbor",
            dependencies: ["ArborTopology", "ArborCore", "ArborWire", "ArborClient", "ArborControl", argumentParser] + nio("NIOPosix")
        ),
        .executableTarget(
            name: "arbord",
            dependencies: [
                "ArborNode", "ArborCore", "ArborWire", "ArborTopology", "ArborDiscovery", "ArborTrust",
                argumentParser,
                logging,
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "arbor-sim",
            dependencies: ["ArborSim", "ArborCore", argumentParser],
            // mimalloc (Debian's libmimalloc-dev) replaces the C library's malloc for the whole
            // process, by ELF interposition: a threaded run allocates on one thread and frees on
            // another, which glibc's arenas serve slowly (docs/benchmarks.md, issue 10).
            linkerSettings: [.linkedLibrary("mimalloc", .when(platforms: [.linux]))]
        ),
        // libavahi-client, through pkg-config; see Sources/CAvahiClient/shim.h.
        .systemLibrary(
            name: "CAvahiClient",
            pkgConfig: "avahi-client",
            providers: [.apt(["libavahi-client-dev"])]
        ),
        .target(
            name: "ArborDiscovery",
            dependencies: ["ArborCore", "CAvahiClient", logging] + nio("NIOCore", "NIOConcurrencyHelpers")
        ),
        // Test support: runs one AvahiDiscovery and prints one JSON line per event.
        .executableTarget(
            name: "arbor-discovery-probe",
            dependencies: ["ArborDiscovery", "ArborCore", logging] + nio("NIOCore", "NIOPosix")
        ),
        // A load generator and latency probe for tools/bench-reroute; a client of the local
        // socket through ArborWire, nothing more.
        .executableTarget(
            name: "arbor-bench",
            dependencies: ["ArborWire", "ArborCore", "ArborTrust", "ArborControl", argumentParser] + nio("NIOCore")
        ),
        // What the test targets share: the built programs, the repository, one posix_spawn
        // wrapper, temporary directories, a seeded generator. Not a product.
        .target(name: "ArborTestSupport", path: "Tests/ArborTestSupport"),
        .testTarget(name: "ArborCoreTests", dependencies: ["ArborCore", "ArborTestSupport"]),
        .testTarget(
            name: "ArborTrustTests",
            dependencies: ["ArborTrust", "ArborWire", "ArborCore"] + nio("NIOCore")
        ),
        // Depends on the `arbor` executable so it is built before the tests that run it.
        .testTarget(name: "ArborTopologyTests", dependencies: ["ArborTopology", "ArborCore", "ArborSim", "ArborTestSupport", "arbor"]),
        .testTarget(
            name: "ArborDiscoveryTests",
            dependencies: [
                "ArborDiscovery", "ArborCore", "ArborTestSupport",
                // Listed so that `swift test` always builds the probe the mDNS tests launch.
                "arbor-discovery-probe",
            ] + nio("NIOCore", "NIOEmbedded", "NIOPosix", "NIOConcurrencyHelpers")
        ),
        .testTarget(name: "ArborSimTests", dependencies: ["ArborSim", "ArborCore", collections("HeapModule")]),
        // Runs real arbord processes and the arbor CLI, so it depends on both executables.
        .testTarget(
            name: "ArborControlTests",
            dependencies: ["ArborControl", "ArborCore", "ArborWire", "ArborTestSupport", "arbord", "arbor"] + nio("NIOCore")
        ),
        // Depends on the `arbor` and `arbord` executables so they are built before the tests
        // that run them.
        .testTarget(
            name: "ArborClientTests",
            dependencies: ["ArborClient", "ArborWire", "ArborCore", "ArborControl", "ArborTestSupport", "arbor", "arbord"] + nio("NIOCore", "NIOEmbedded", "NIOPosix", "NIOConcurrencyHelpers")
        ),
        .testTarget(
            name: "ArborWireTests",
            dependencies: ["ArborWire", "ArborCore", "ArborTestSupport"] + nio("NIOCore", "NIOEmbedded", "NIOTestUtils")
        ),
        // Real arbord processes on loopback, driven through sockets and signals. Depends on
        // the `arbord` executable so it is built before the tests that start it.
        .testTarget(
            name: "ArborIntegrationTests",
            dependencies: ["ArborWire", "ArborCore", "ArborTrust", "ArborControl", "ArborTestSupport", "arbord"] + nio("NIOCore")
        ),
    ]
)
