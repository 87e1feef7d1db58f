import ArgumentParser
import ConsentBench
import ConsentCommandLine
import ConsentCore
import ConsentStore
import Foundation
import KioskUI
import TerminalCore

extension Bench {
    struct Kiosk: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Kiosk start-up, sign-in lookup, keypress-to-frame and memory on a database (goals: 200 ms, 10 ms p99, 50 MB); with --web, the web kiosk's pages.",
            discussion: """
                With --web: --runs whole tenant sessions (sign-in, overview, agree, withdraw, correct, receipt, sign-out)
                at a real `consent kiosk --web` (the `consent` beside this program, a new process each run) in a new
                headless Chromium each run (Debian's chromium and chromium-driver, driven over WebDriver by python3);
                per page the server's time, the time from the press to the first paint, and the page's bytes, and the
                server's peak memory (goals 50 ms, 300 ms, 30 KB, 60 MB); medians over the runs. It signs the tenant in
                with a PIN it sets and records a grant, a withdrawal and a correction: give it a copy of a register.

                Otherwise: start-up is measured from the process start (the kernel's record of it) to the first frame ready to write.
                Sign-in lookup is finding the tenant and loading what the overview shows; the PIN's deliberately slow
                key derivation (scrypt) is reported apart. Keypress-to-frame is the model handling a key, the frame
                being drawn and diffed, for 2,000 presses on the signed-in overview.
                """)

        @OptionGroup var store: StoreOptions

        @Option(help: "Tenancy reference to sign in as (default: T0500000, the middle of a million-tenant demo).")
        var reference: String?

        @Flag(help: "Measure the web kiosk (`consent kiosk --web`) in headless Chromium instead of the terminal kiosk.")
        var web = false

        @Option(help: "With --web: whole sessions, each with a new server and browser; medians are reported.")
        var runs = 5

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func validate() throws {
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        }

        func run() throws {
            if web { return try runWeb() }
            let (content, db) = try store.openWithContent(cacheMegabytes: 8)
            var model = KioskModel(content: content, timing: KioskTiming(), now: Date())
            var renderer = Renderer()
            _ = renderer.render(KioskRenderer.render(model, width: 100, height: 30, now: Date()))
            let startup = Date().timeIntervalSince1970 - Self.processStart()

            // The middle of a demo register by default (counting a million rows would itself fill the cache).
            let ref = try reference.map { TenantRef($0) } ?? db.tenants(limit: 1, after: "T0500000").first.map { TenantRef($0.reference) }
                ?? db.tenants(limit: 1).first.map { TenantRef($0.reference) } ?? TenantRef("T0000001")
            var lookups: [Double] = []
            for _ in 0..<200 {
                let t0 = DispatchTime.now().uptimeNanoseconds
                guard let state = try db.tenantState(ref) else { throw CLIError("no tenant \(ref) in \(store.path)") }
                _ = try db.signInFailures(ref)
                _ = state.values.count
                lookups.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            let kdfStart = Date()
            _ = try db.checkPIN("482916", for: ref) // the sign-in's check, whether or not the tenant has a PIN
            let kdf = Date().timeIntervalSince(kdfStart) * 1000

            guard let state = try db.tenantState(ref) else { throw CLIError("no tenant \(ref)") }
            _ = model.handle(.input(.press), now: Date())
            _ = model.handle(.signedIn(TenantSession(ref: ref, state: state, started: Date())), now: Date())
            var scroll = TextScroll()
            var presses: [Double] = []
            for i in 0..<2000 {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let key: NavigationInput = i % 40 < 20 ? .down : .up
                if !scroll.take(key, view: model.view(now: Date()), size: (100, 30)) { _ = model.handle(.input(key), now: Date()) }
                _ = renderer.render(KioskRenderer.render(scroll.applied(to: model.view(now: Date())), width: 100, height: 30))
                presses.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            let result = Result(
                reference: ref.rawValue, startupMilliseconds: startup * 1000, lookupP99Milliseconds: Self.p99(lookups),
                pinDerivationMilliseconds: kdf, keypressP99Milliseconds: Self.p99(presses), residentMegabytes: Self.residentMegabytes())
            if json { return try printJSON(result) }
            print("signed in as: \(result.reference)")
            print(String(format: "start to first frame: %.0f ms (goal <= 200)", result.startupMilliseconds))
            print(String(format: "sign-in lookup p99: %.2f ms (goal <= 10); PIN check (scrypt, keyed where the key file is given): %.0f ms", result.lookupP99Milliseconds, result.pinDerivationMilliseconds))
            print(String(format: "keypress to frame p99: %.2f ms (goal <= 10)", result.keypressP99Milliseconds))
            print(String(format: "resident memory: %.1f MB (goal <= 50)", result.residentMegabytes))
        }

        struct Result: Encodable {
            var reference: String
            var startupMilliseconds: Double
            var lookupP99Milliseconds: Double
            /// The sign-in's PIN check (`ConsentDatabase.checkPIN`), once.
            var pinDerivationMilliseconds: Double
            var keypressP99Milliseconds: Double
            var residentMegabytes: Double
        }

        static func p99(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        }

        /// When this process started, in seconds since 1970 (from /proc: boot time + start ticks).
        static func processStart() -> Double {
            guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")"),
                  let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8) else { return Date().timeIntervalSince1970 }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            let ticks = fields.count > 19 ? Double(fields[19]) ?? 0 : 0
            let up = Double(uptime.split(separator: " ").first ?? "0") ?? 0
            let boot = Date().timeIntervalSince1970 - up
            return boot + ticks / 100
        }

        static func residentMegabytes() -> Double {
            guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
            return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
        }
    }
}
