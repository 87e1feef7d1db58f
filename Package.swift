// swift-tools-version:6.1
import PackageDescription

/// Release builds of the two programs on Linux carry the Swift runtime and Foundation inside the binary
/// (`-static-stdlib`): a process then starts without the dynamic loader resolving their symbols, and calls
/// into the runtime (retain, release, allocation) go straight to it (figures: docs/performance.md). The
/// libraries after the flag are those static Foundation needs that the modules, compiled against the shared
/// Foundation, do not name; lld links them in any order.
let staticRuntime = ["-static-stdlib", "-l_FoundationICU", "-l_FoundationCollections", "-l_FoundationCShims", "-lCoreFoundation", "-lBlocksRuntime"]

/// TenantConsent: an offline consent manager for a landlord's tenants.
/// Module layering follows docs/ARCHITECTURE.md: each target depends only on those above it.
let package = Package(
    name: "TenantConsent",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "consent", targets: ["consent"]),
        // The benchmarks, apart: the `consent` binary links none of their code.
        .executable(name: "consent-bench", targets: ["consent-bench"]),
        .library(name: "ConsentCore", targets: ["ConsentCore"]),
        .library(name: "ConsentForms", targets: ["ConsentForms"]),
        .library(name: "ConsentStore", targets: ["ConsentStore"]),
        .library(name: "ConsentRegister", targets: ["ConsentRegister"]),
        // For the fuzz targets (Fuzz/Package.swift builds them with the fuzzer's instrumentation).
        .library(name: "SyncProtocol", targets: ["SyncProtocol"]),
        .library(name: "ConsentScan", targets: ["ConsentScan"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .target(name: "ConsentCore"),
        // Starting other programs (posix_spawn, no inherited descriptors): the voice, printers, pdftotext, WeasyPrint,
        // the benchmarks' baselines, the tests' servers. Not Foundation's Process: see docs/ARCHITECTURE.md.
        .target(name: "ProgramRunner"),
        .target(
            name: "SyncProtocol",
            dependencies: ["ConsentCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "ConsentForms",
            dependencies: ["ConsentCore", .product(name: "Yams", package: "Yams")]
        ),
        // Sealing and keys of special-category values, and the value types both kinds of store share; no GRDB.
        .target(
            name: "ConsentVault",
            dependencies: [
                "ConsentCore", "SyncProtocol",
                .product(name: "Crypto", package: "swift-crypto"),
                "CSodium",
            ]
        ),
        .target(
            name: "ConsentStore",
            dependencies: [
                "ConsentCore", "SyncProtocol", "ConsentVault",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                "CSodium",
            ]
        ),
        // The centre behind the sync server, backend-neutral: the `CentralStore` protocol, the migration's
        // summary and import protocol, the data-key check; no GRDB.
        .target(
            name: "CentralStore",
            dependencies: ["SyncProtocol", "ConsentVault", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The SQLite centre (the default): `SQLiteCentralStore`, and the move of a SQLite centre elsewhere.
        .target(
            name: "CentralStoreSQLite",
            dependencies: [
                "ConsentCore", "SyncProtocol", "ConsentVault", "ConsentStore", "CentralStore",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "CentralStorePostgres",
            dependencies: [
                "ConsentCore", "SyncProtocol", "ConsentVault", "CentralStore",
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "SyncEngine",
            dependencies: [
                "ConsentCore", "ConsentStore", "SyncProtocol",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "SyncServer",
            dependencies: [
                "CentralStore", "ConsentCore", "SyncProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .target(
            name: "ConsentRegister",
            dependencies: ["ConsentCore", "ConsentForms", "ConsentStore"]
        ),
        .target(
            name: "ConsentExport",
            dependencies: [
                "ConsentCore", "ConsentForms", "ConsentVault", "ProgramRunner",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // zlib's own API, for gzip streams (several members, read as they unpack) and ZIP entries; Debian's zlib1g-dev.
        .systemLibrary(name: "CScanZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "ConsentScan",
            dependencies: ["ConsentCore", "CScanZlib", "ProgramRunner"]
        ),
        // GNU FriBidi: the Unicode bidirectional algorithm, to lay right-to-left lines out for terminals that do not.
        .systemLibrary(name: "CFriBidi", pkgConfig: "fribidi", providers: [.apt(["libfribidi-dev"])]),
        // libsodium's scrypt for PIN and password hashes: optimised even in a debug build, where swift-crypto's
        // BoringSSL, built unoptimised, took ten times as long (a third of the busy CPU of the command-line tests, by perf).
        // And its AES-256-GCM with a precomputed key (ConsentVault's DataKey), for the many values a key seals and opens.
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .target(name: "TerminalCore", dependencies: ["CFriBidi"]),
        .target(name: "CTerminalShims"),
        .target(name: "TerminalPOSIX", dependencies: ["TerminalCore", "CTerminalShims"]),
        .target(
            name: "KioskUI",
            dependencies: ["ConsentCore", "ConsentForms", "ConsentVault", "ConsentStore", "TerminalCore", "ProgramRunner"]
        ),
        // The kiosk in a browser: the same `KioskModel` and screens, drawn as HTML (Mustache templates) and
        // served on loopback by Hummingbird, one browser session at a time.
        .target(
            name: "KioskWeb",
            dependencies: [
                "KioskUI", "ConsentCore", "ConsentForms", "ConsentStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // What the two programs (`consent`, `consent-bench`) share: the store and content options, errors, JSON
        // output, progress lines, the tenant-row sources of the output commands, the scanner's setup.
        .target(
            name: "ConsentCommandLine",
            dependencies: [
                "ConsentCore", "ConsentForms", "ConsentStore", "ConsentExport", "ConsentScan", "CentralStorePostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "consent",
            dependencies: [
                "ConsentCore", "ConsentForms", "ConsentStore", "ConsentRegister", "ConsentExport", "ConsentScan", "KioskUI", "KioskWeb", "TerminalPOSIX",
                "SyncProtocol", "SyncEngine", "CentralStore", "CentralStoreSQLite", "SyncServer", "CentralStorePostgres", "ConsentCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                // `consent return` opens its pseudonym key as a `SymmetricKey`.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Release on Linux (what deploy/install-kiosk.sh builds and the benches run): the runtime inside the
            // binary (`staticRuntime`), lld, relocations packed
            // (DT_RELR, glibc 2.36 or later) so start-up reads 0.5 MB of them instead of 2 MB, and the code a web
            // kiosk session runs placed together (Benchmarks/kiosk-web.order, made by Benchmarks/kiosk-link-order.py),
            // so it fills fewer of the kernel's 64 KB fault-around windows. See docs/performance.md.
            linkerSettings: [
                .unsafeFlags(staticRuntime + [
                    "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                    "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Benchmarks/kiosk-web.order",
                    "-Xlinker", "--no-warn-symbol-ordering",
                ], .when(platforms: [.linux], configuration: .release)),
            ]
        ),
        // The benchmarks' in-process work: the ledger against plain SQL, pushes into PostgreSQL against COPY,
        // the sync benchmark's SQLite baseline, the name-scan baseline of staff search.
        .target(
            name: "ConsentBench",
            dependencies: [
                "ConsentCore", "ConsentStore", "ConsentRegister", "SyncProtocol", "CentralStore", "CentralStorePostgres", "ProgramRunner",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // `consent-bench`: the benchmark commands, each against a baseline doing the same work in the same run.
        .executableTarget(
            name: "consent-bench",
            dependencies: [
                "ConsentBench", "ConsentCommandLine", "ConsentCore", "ConsentStore", "ConsentRegister", "ConsentExport", "ConsentScan", "KioskUI", "TerminalCore",
                "SyncProtocol", "SyncEngine", "CentralStore", "CentralStoreSQLite", "CentralStorePostgres", "ProgramRunner",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Built as `consent` is, so the sync bench's device runs as `consent sync` does.
            linkerSettings: [.unsafeFlags(staticRuntime + ["-use-ld=lld"], .when(platforms: [.linux], configuration: .release))]
        ),
        .testTarget(
            name: "ConsentCoreTests",
            dependencies: ["ConsentCore", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "ConsentFormsTests", dependencies: ["ConsentForms", "ConsentCore", "TestSupport"]),
        .testTarget(
            name: "ConsentStoreTests",
            dependencies: ["ConsentStore", "ConsentCore", "ConsentForms", "ConsentRegister", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "ConsentRegisterTests", dependencies: ["ConsentRegister", "ConsentCore", "ConsentForms", "ConsentStore", "TestSupport"]),
        .testTarget(
            name: "SyncTests",
            // KioskUI: the kiosk's sign-in driven against a centre over HTTP (fetch on demand).
            dependencies: ["SyncEngine", "CentralStore", "CentralStoreSQLite", "CentralStorePostgres", "TestSupport", "SyncTestSupport", "ConsentStore", "ConsentForms", "ConsentCore", "SyncProtocol",
                           "ConsentRegister", "SyncServer", "KioskUI",
                           .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
        .testTarget(
            name: "ConsentExportTests",
            dependencies: ["ConsentExport", "ConsentCore", "ConsentForms", "ConsentVault", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "ConsentScanTests",
            dependencies: ["ConsentScan", "ConsentCore", "ProgramRunner", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        .testTarget(name: "TerminalCoreTests", dependencies: ["TerminalCore"]),
        .testTarget(name: "ProgramRunnerTests", dependencies: ["ProgramRunner"]),
        .testTarget(name: "TerminalPOSIXTests", dependencies: ["TerminalPOSIX"]),
        .testTarget(
            name: "SyncProtocolTests",
            // ConsentRegister for its seeded generator only (the binary encoding's randomised round trips).
            dependencies: ["SyncProtocol", "ConsentCore", "ConsentRegister", "TestSupport", "SyncTestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "SyncEngineTests",
            dependencies: ["SyncEngine", "SyncProtocol", "ConsentCore", "ConsentStore", "TestSupport", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(name: "ConsentVaultTests", dependencies: ["ConsentVault", "ConsentCore", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(
            name: "CentralStoreTests",
            dependencies: ["CentralStore", "ConsentVault", "SyncProtocol", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "CentralStoreSQLiteTests", dependencies: ["CentralStoreSQLite", "CentralStore", "ConsentCore", "ConsentStore", "SyncProtocol", "TestSupport"]),
        .testTarget(
            name: "ConsentCommandLineTests",
            dependencies: ["ConsentCommandLine", "ConsentStore", "ConsentScan", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // What the test targets share (used by them only): the shipped Forms/ loaded once, the backend
        // switch (SQLite or PostgreSQL), a throwaway PostgreSQL server, a clock moved by hand.
        .target(name: "TestSupport", dependencies: ["ConsentForms", "ProgramRunner"], path: "Tests/TestSupport"),
        // A tampered device's pushes, for the centre's hostile tests.
        .target(name: "SyncTestSupport", dependencies: ["ConsentCore", "SyncProtocol", .product(name: "Crypto", package: "swift-crypto")],
                path: "Tests/SyncTestSupport"),
        .testTarget(
            name: "CentralStorePostgresTests",
            dependencies: [
                "CentralStorePostgres", "TestSupport", "SyncTestSupport", "ConsentForms", "ConsentRegister", "ConsentStore", "CentralStore", "CentralStoreSQLite",
                "ConsentCore", "SyncProtocol",
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "KioskUITests", dependencies: ["KioskUI", "ConsentCore", "ConsentForms", "ConsentStore", "ConsentRegister", "TerminalCore", "TestSupport", "ProgramRunner"],
                    exclude: ["Snapshots"]),
        .testTarget(
            name: "KioskWebTests",
            dependencies: [
                "KioskWeb", "KioskUI", "ConsentCore", "ConsentForms", "ConsentStore", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["browser", "speech"]
        ),
        .testTarget(
            name: "SyncServerTests",
            dependencies: [
                "SyncServer", "CentralStore", "CentralStoreSQLite", "ConsentStore", "ConsentForms", "ConsentCore", "SyncProtocol", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ConsentCLITests",
            dependencies: ["ConsentCore", "ConsentForms", "ConsentStore", "ConsentRegister", "CentralStore", "CentralStoreSQLite", "CentralStorePostgres", "TestSupport",
                           "SyncProtocol", "SyncTestSupport", "ProgramRunner", .product(name: "Crypto", package: "swift-crypto")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
