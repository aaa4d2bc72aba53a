// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Arbor",
    platforms: [.macOS(.v14)],
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
            dependencies: [
                .product(name: "HashTreeCollections", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "ArborTopology",
            dependencies: ["ArborCore", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "ArborWire",
            dependencies: ["ArborCore", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // Node keys, handshake proofs, record seals (Ed25519 through swift-crypto), realm
        // secrets and the realm link's records (X25519, HKDF, ChaCha20-Poly1305): the only
        // target with crypto; ArborCore carries seals without checking them.
        .target(
            name: "ArborTrust",
            dependencies: [
                "ArborCore", "ArborWire", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The control API's contract (JSON documents, paths) and a small client for it.
        .target(name: "ArborControl"),
        .target(
            name: "ArborNode",
            dependencies: [
                "ArborCore", "ArborWire", "ArborTopology", "ArborDiscovery", "ArborControl", "ArborTrust",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "ArborClient",
            dependencies: [
                "ArborWire",
                "ArborCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "ArborSim",
            dependencies: ["ArborCore", .product(name: "HeapModule", package: "swift-collections")]
        ),
        .executableTarget(
            name: "arbor",
            dependencies: [
                "ArborTopology", "ArborCore", "ArborWire", "ArborClient", "ArborControl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "arbord",
            dependencies: [
                "ArborNode", "ArborCore", "ArborWire", "ArborTopology", "ArborDiscovery", "ArborTrust",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "arbor-sim",
            dependencies: ["ArborSim", "ArborCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // libavahi-client, through pkg-config; see Sources/CAvahiClient/shim.h.
        .systemLibrary(
            name: "CAvahiClient",
            pkgConfig: "avahi-client",
            providers: [.apt(["libavahi-client-dev"])]
        ),
        .target(
            name: "ArborDiscovery",
            dependencies: [
                "ArborCore",
                "CAvahiClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test support: runs one AvahiDiscovery and prints one JSON line per event.
        .executableTarget(
            name: "arbor-discovery-probe",
            dependencies: [
                "ArborDiscovery",
                "ArborCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A load generator and latency probe for tools/bench-reroute; a client of the local
        // socket through ArborWire, nothing more.
        .executableTarget(
            name: "arbor-bench",
            dependencies: [
                "ArborWire", "ArborCore", "ArborTrust", "ArborControl", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What the test targets share: the built programs, the repository, one posix_spawn
        // wrapper, temporary directories, a seeded generator. Not a product.
        .target(name: "ArborTestSupport", path: "Tests/ArborTestSupport"),
        .testTarget(name: "ArborCoreTests", dependencies: ["ArborCore", "ArborTestSupport"]),
        .testTarget(
            name: "ArborTrustTests",
            dependencies: ["ArborTrust", "ArborWire", "ArborCore", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // Depends on the `arbor` executable so it is built before the tests that run it.
        .testTarget(name: "ArborTopologyTests", dependencies: ["ArborTopology", "ArborCore", "ArborSim", "ArborTestSupport", "arbor"]),
        .testTarget(
            name: "ArborDiscoveryTests",
            dependencies: [
                "ArborDiscovery",
                "ArborCore",
                "ArborTestSupport",
                // Listed so that `swift test` always builds the probe the mDNS tests launch.
                "arbor-discovery-probe",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "ArborSimTests", dependencies: ["ArborSim", "ArborCore"]),
        // Runs real arbord processes and the arbor CLI, so it depends on both executables.
        .testTarget(
            name: "ArborControlTests",
            dependencies: [
                "ArborControl", "ArborCore", "ArborWire", "ArborTestSupport", "arbord", "arbor",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Depends on the `arbor` executable so it is built before the tests that run it.
        .testTarget(
            name: "ArborClientTests",
            dependencies: [
                "ArborClient",
                "ArborWire",
                "ArborCore",
                "ArborControl",
                "ArborTestSupport",
                "arbor",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ArborWireTests",
            dependencies: [
                "ArborWire",
                "ArborCore",
                "ArborTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        // Real arbord processes on loopback, driven through sockets and signals. Depends on
        // the `arbord` executable so it is built before the tests that start it.
        .testTarget(
            name: "ArborIntegrationTests",
            dependencies: [
                "ArborWire", "ArborCore", "ArborTrust", "ArborControl", "ArborTestSupport",
                .product(name: "NIOCore", package: "swift-nio"), "arbord",
            ]
        ),
    ]
)
