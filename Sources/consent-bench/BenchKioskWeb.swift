import ArgumentParser
import ConsentBench
import ConsentCommandLine
import Foundation

extension Bench.Kiosk {
    /// `consent-bench kiosk --web`: see ``WebKioskBenchmark``.
    func runWeb() throws {
        let database = try store.open(with: try store.content.load(), cacheMegabytes: 8)
        let tenant = try WebKioskBenchmark.prepare(database: database, reference: reference)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consent-bench-kiosk-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: folder) }
        var progress = ProgressLine("web kiosk sessions", quiet: json)
        let kioskArguments = ["--db", store.path] + (store.keyFile.map { ["--key-file", $0] } ?? []) + store.content.arguments
        let r = try WebKioskBenchmark.run(tenant: tenant, consent: ServerProcess.consent.path, kioskArguments: kioskArguments,
                                          runs: runs, directory: folder, database: database) { progress.update($0, of: runs) }
        progress.finish()
        if json { return try printJSON(r) }
        let goals = WebKioskBenchmark.Goal.self
        print("web kiosk, signed in as \(r.reference); medians of \(r.runs) sessions (a new server and headless Chromium each)")
        func pad(_ text: String) -> String { text.padding(toLength: 16, withPad: " ", startingAt: 0) }
        print(pad("page") + "   server ms (post + get)   first paint ms   HTML bytes   with CSS+JS")
        for s in r.screens {
            print(pad(s.screen) + String(format: "%12.1f (%5.1f + %4.1f) %16.0f %12d %13d", s.serverMilliseconds, s.postMilliseconds,
                                         s.getMilliseconds, s.firstPaintMilliseconds, s.documentBytes, s.pageBytes))
        }
        print(pad("PIN check") + String(format: "%12.1f   the sign-in's scrypt (N=16384, r=8), timed alone after the runs; part of the %@ post",
                                         r.pinCheckMedianMilliseconds, WebKioskBenchmark.signInPage as NSString))
        print(String(format: "worst page: server %.1f ms, %.1f ms without the PIN check (goal <= %.0f), first paint %.0f ms (goal <= %.0f), %.1f KB (goal <= %.0f)",
                     r.worstServerMilliseconds, r.worstServerWithoutPINCheckMilliseconds, goals.serverMilliseconds,
                     r.worstFirstPaintMilliseconds, goals.firstPaintMilliseconds, Double(r.largestPageBytes) / 1024, goals.pageKilobytes))
        if let sound = r.pressToFirstSoundMedianMilliseconds {
            print(String(format: "read-aloud, press to first sound in Chromium: %.0f ms (goal <= %.0f); runs: %@", sound, goals.firstSoundMilliseconds,
                         r.pressToFirstSoundMilliseconds.map { String(format: "%.0f", $0) }.joined(separator: ", ") as NSString))
        } else {
            print("read-aloud not measured: no espeak-ng")
        }
        print(String(format: "server peak memory: %.1f MB (goal <= %.0f); runs: %@", r.serverPeakMedianMegabytes, goals.serverMegabytes,
                     r.serverPeakMegabytes.map { String(format: "%.1f", $0) }.joined(separator: ", ") as NSString))
    }
}
