// swift-tools-version:5.4
// 5.4, not later: from 5.5 SwiftPM renames an executable's entry point (for tests to link it), and
// a libFuzzer target has none of its own (libFuzzer's main calls LLVMFuzzerTestOneInput).
import Foundation
import PackageDescription

/// The project's package is the folder above; SwiftPM names a local package after its folder,
/// whatever the clone is called.
let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

/// libFuzzer targets for the project's readers of untrusted input. Not part of the main build:
/// `Fuzz/run.sh` builds them with `-sanitize=fuzzer,address` and runs each for a while.
/// Each target is one executable whose `LLVMFuzzerTestOneInput` feeds bytes to one reader;
/// its seeds are in `corpus/TARGET/`.
let targets: [(name: String, uses: [String])] = [
    ("FuzzBinaryWire", ["SyncProtocol"]),
    ("FuzzSyncJSON", ["SyncProtocol"]),
    ("FuzzPushChecks", ["ConsentCore", "SyncProtocol", "ConsentForms"]),
    ("FuzzCSV", ["ConsentRegister"]),
    ("FuzzPO", ["ConsentForms"]),
    ("FuzzForms", ["ConsentForms"]),
    ("FuzzScanXLSX", ["ConsentScan"]),
    ("FuzzScanDOCX", ["ConsentScan"]),
    ("FuzzScanMIME", ["ConsentScan"]),
    ("FuzzScanJSON", ["ConsentScan"]),
    ("FuzzScanZip", ["ConsentScan"]),
    ("FuzzScanGzip", ["ConsentScan"]),
]

func products(_ names: [String]) -> [Target.Dependency] { names.map { .product(name: $0, package: project) } }

let package = Package(
    name: "TenantConsentFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "FuzzCommon", dependencies: products(["ConsentCore", "ConsentForms", "ConsentScan"])),
    ] + targets.map { .executableTarget(name: $0.name, dependencies: ["FuzzCommon"] + products($0.uses)) }
)
