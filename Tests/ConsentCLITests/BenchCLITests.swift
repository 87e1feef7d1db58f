import Foundation
import Testing
import TestSupport

/// `consent-bench`: the benchmarks are a program of their own, beside `consent`, which no longer has
/// them; the SQLite ones run end to end on a small scale (`pg-push`: PostgresBenchCLITests).
@Suite(.ownThreads) struct BenchCLITests {
    @Test func theBenchmarksAreTheirOwnProgram() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let help = try cli.run(["--help"], program: CLI.benchBinary)
        #expect(help.status == 0, "\(help.stderr)")
        for command in ["ledger", "kiosk", "export", "scan", "find", "sync", "pg-push"] {
            #expect(help.stdout.contains(command), "\(help.stdout)")
        }
        let gone = try cli.run(["bench", "ledger"])
        #expect(gone.status != 0)
    }

    @Test func theLedgerBenchmarkTimesEveryVariant() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let run = try cli.run(["ledger", "--events", "300", "--tenants", "30", "--batch", "50", "--repeat", "1", "--json"],
                              program: CLI.benchBinary)
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let report = try run.json() as? [String: Any] ?? [:]
        let result = report["result"] as? [String: Any] ?? [:]
        #expect(result["events"] as? Int == 300)
        for seconds in [result["ledgerSeconds"], result["sameRowsSeconds"], result["plainSeconds"]] {
            #expect((seconds as? Double ?? 0) > 0, "\(report)")
        }
    }

    /// The sync benchmark starts the `consent serve` beside it and every pushed event comes back.
    @Test func theSyncBenchmarkServesThroughTheConsentBesideIt() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let run = try cli.run(["sync", "--events", "300", "--tenants", "30", "--batch", "100", "--json"], program: CLI.benchBinary)
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let result = try run.json() as? [String: Any] ?? [:]
        #expect(result["events"] as? Int == 300, "\(result)")
        #expect((result["pushSeconds"] as? Double ?? 0) > 0 && (result["pullSeconds"] as? Double ?? 0) > 0, "\(result)")
        // Each step says what each side spent (to the clock tick, so a side of a step this small may show 0).
        let split = ["pushCPU", "pullCPU", "firstSyncCPU"].flatMap { step in
            ["device", "centre"].map { ((result[step] as? [String: Any])?[$0] as? Double) ?? -1 }
        }
        #expect(split.allSatisfy { $0 >= 0 } && split.reduce(0, +) > 0, "\(result)")
    }
}
