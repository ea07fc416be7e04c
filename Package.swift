// swift-tools-version: 6.0
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "mizan",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mizan", targets: ["mizan"]),
        .executable(name: "mizan-testserver", targets: ["mizan-testserver"]),
        .executable(name: "mizan-coverage", targets: ["mizan-coverage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // The libpq loader (Sources/CLibPQ/libpq_loader.c): libpq's headers only (Debian libpq-dev); the library itself
        // is dlopen-ed on first use, so nothing links libpq.
        .target(name: "CLibPQ", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        // jemalloc as the mizan binary's malloc (Debian libjemalloc-dev; libjemalloc2 at run time); see Sources/MizanAllocator/allocator.c.
        .target(name: "MizanAllocator", linkerSettings: [.linkedLibrary("jemalloc", .when(platforms: [.linux]))]),
        // SentencePiece (Debian libsentencepiece-dev; libsentencepiece0 at run time) behind a C shim, for the spm/flores BLEU tokenizers.
        .target(name: "CSentencePiece", linkerSettings: [.linkedLibrary("sentencepiece")]),
        .target(name: "MizanCore", swiftSettings: strict),
        .target(name: "MizanText", dependencies: ["MizanCore"], swiftSettings: strict),
        .target(name: "MizanMetrics", dependencies: ["MizanCore", "MizanText", "MizanYAML", "CSentencePiece"], swiftSettings: strict),
        .target(name: "MizanTransport", dependencies: ["MizanCore", "CCurl"], swiftSettings: strict),
        .target(name: "MizanYAML", dependencies: ["MizanCore", .product(name: "Yams", package: "Yams")],
                swiftSettings: strict),
        .target(name: "MizanEndpoints",
                dependencies: ["MizanCore", "MizanTransport", "MizanYAML"],
                swiftSettings: strict),
        .target(name: "MizanSuites",
                dependencies: ["MizanCore", "MizanMetrics", "MizanYAML"],
                swiftSettings: strict),
        .target(name: "MizanStore", dependencies: ["MizanCore", "CSQLite", "CLibPQ"], swiftSettings: strict),
        .target(name: "MizanRunner",
                dependencies: ["MizanCore", "MizanText", "MizanMetrics", "MizanEndpoints", "MizanSuites", "MizanStore"],
                swiftSettings: strict),
        .target(name: "MizanReport", dependencies: ["MizanCore", "MizanStore", "MizanText", "MizanMetrics"], swiftSettings: strict),
        .target(name: "MizanGate", dependencies: ["MizanCore", "MizanMetrics", "MizanStore", "MizanReport", "MizanYAML",
                                                "MizanHuman"], swiftSettings: strict),
        // Human evaluation: pairwise studies, annotators, judgments, suite reviews and their statistics (docs/human-evaluation.md).
        .target(name: "MizanHuman", dependencies: ["MizanCore", "MizanStore", "MizanReport", "MizanSuites"], swiftSettings: strict),
        .target(name: "MizanTestSupport", dependencies: ["MizanCore"], swiftSettings: strict),
        // `mizan serve`: the local web app (browse, compare, human studies); Hummingbird 2 (docs/web.md).
        .target(name: "MizanWeb",
                dependencies: ["MizanCore", "MizanStore", "MizanReport", "MizanMetrics", "MizanHuman",
                               .product(name: "Hummingbird", package: "hummingbird")],
                swiftSettings: strict),
        .executableTarget(name: "mizan",
                          dependencies: ["MizanAllocator", "MizanCore", "MizanRunner", "MizanReport", "MizanGate", "MizanMetrics",
                                         "MizanSuites", "MizanStore", "MizanEndpoints",
                                         "MizanHuman",
                                         "MizanWeb",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: strict),
        .executableTarget(name: "mizan-testserver", dependencies: ["MizanTestSupport"], swiftSettings: strict),
        // Coverage simulation of the confidence intervals (Benchmarks/ci-coverage.sh); not shipped.
        .executableTarget(name: "mizan-coverage", dependencies: ["MizanReport", "MizanMetrics"], swiftSettings: strict),
        .testTarget(name: "MizanTests",
                    dependencies: ["MizanCore", "MizanText", "MizanMetrics", "MizanTransport", "MizanEndpoints",
                                   "MizanSuites", "MizanStore", "MizanRunner", "MizanReport", "MizanGate", "MizanTestSupport",
                                   "MizanHuman",
                                   "MizanWeb"],
                    resources: [.copy("Fixtures")],
                    swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
