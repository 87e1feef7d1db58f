import ConsentCore
import ConsentStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `consent-bench kiosk --web`: whole tenant sessions at the real web kiosk (`consent kiosk --web`, a child
/// process) in headless Chromium, per page: the server's time, the time from the press to the first paint, the
/// page's bytes, and the server's peak memory; medians over the runs, each a fresh server and a fresh browser.
/// The sign-in's post holds the PIN check (``ConsentDatabase/checkPIN(_:for:)``: scrypt, keyed where the register's key
/// is given) on purpose: after the sessions the same check is timed alone, `runs` times in this process on the same
/// register, and reported as its own figure, so the overview's page answer can be told apart (the server time less
/// that median: an estimate, as the two are not timed in one process).
///
/// ```swift
/// let tenant = try WebKioskBenchmark.prepare(database: db, reference: nil)
/// let result = try WebKioskBenchmark.run(tenant: tenant, consent: path, kioskArguments: ["--db", file], runs: 5, directory: tmp,
///                                        database: db)
/// ```
public enum WebKioskBenchmark {
    /// The goals of issue 21, for a 1,000,000-tenant register.
    public enum Goal {
        public static let serverMilliseconds = 50.0
        public static let firstPaintMilliseconds = 300.0
        public static let pageKilobytes = 30.0
        public static let serverMegabytes = 60.0
        public static let firstSoundMilliseconds = 300.0
    }

    /// The page the sign-in button leads to (the driver's name for it): its post is the sign-in, with the PIN check.
    public static let signInPage = "overview"

    /// The tenant a session signs in as.
    public struct Tenant: Sendable, Encodable {
        public var reference: String
        /// As the tenant types it (the register's ISO form, which the sign-in takes).
        public var dateOfBirth: String
        public var pin: String
    }

    /// One page of one session, as Chromium measured it (see ``WebKioskDriver``).
    public struct Page: Sendable, Codable {
        public var screen: String
        public var serverMs: Double
        /// The part of `serverMs` that was the post (0 for a page opened by its address) and the part that was the get.
        public var postMs: Double
        public var getMs: Double
        public var firstPaintMs: Double?
        public var firstContentfulPaintMs: Double?
        public var documentBytes: Int
        public var subresourceBytes: Int
    }

    /// One screen's medians over the runs.
    public struct Screen: Sendable, Encodable {
        public var screen: String
        public var serverMilliseconds: Double
        /// The medians of the post's and the get's parts (the sign-in's post holds the PIN's slow key derivation).
        public var postMilliseconds: Double
        public var getMilliseconds: Double
        public var firstPaintMilliseconds: Double
        public var firstContentfulPaintMilliseconds: Double
        /// On the sign-in's page only: the PIN check timed alone (median over the runs), and the server time without it.
        public var pinCheckMilliseconds: Double?
        public var withoutPINCheckMilliseconds: Double?
        /// The HTML page's bytes.
        public var documentBytes: Int
        /// The page with its style sheet and script (each fetched again: every response is `no-store`).
        public var pageBytes: Int
        public var runs: [Page]
    }

    /// What ``run(tenant:consent:kioskArguments:runs:directory:progress:)`` measured.
    public struct Result: Sendable, Encodable {
        public var reference: String
        public var runs: Int
        public var screens: [Screen]
        /// The server's peak resident memory per run (`ru_maxrss` at its exit), in megabytes, and their median.
        public var serverPeakMegabytes: [Double]
        public var serverPeakMedianMegabytes: Double
        /// The PIN check (the kiosk's own, on the bench's tenant in the same register), timed alone after the runs.
        public var pinCheckMilliseconds: [Double]
        public var pinCheckMedianMilliseconds: Double
        /// From the press of "Read this page aloud" (on the welcome screen, in Chromium) to the first 50 ms of sound
        /// reaching the player, per run, and their median; empty and nil without espeak-ng.
        public var pressToFirstSoundMilliseconds: [Double]
        public var pressToFirstSoundMedianMilliseconds: Double?
        /// The goals the figures are measured against.
        public var goals = Goals()
        public var worstServerMilliseconds: Double { screens.map(\.serverMilliseconds).max() ?? 0 }
        /// The worst page with the sign-in's PIN check taken out of its page (reported as its own figure).
        public var worstServerWithoutPINCheckMilliseconds: Double {
            screens.map { $0.withoutPINCheckMilliseconds ?? $0.serverMilliseconds }.max() ?? 0
        }
        public var worstFirstPaintMilliseconds: Double { screens.map(\.firstPaintMilliseconds).max() ?? 0 }
        public var largestPageBytes: Int { screens.map(\.pageBytes).max() ?? 0 }
    }

    /// The goals, written beside the figures in the JSON.
    public struct Goals: Sendable, Encodable {
        public var serverMilliseconds = Goal.serverMilliseconds
        public var firstPaintMilliseconds = Goal.firstPaintMilliseconds
        public var pageKilobytes = Goal.pageKilobytes
        public var serverMegabytes = Goal.serverMegabytes
        public var firstSoundMilliseconds = Goal.firstSoundMilliseconds
    }

    /// Picks the tenant (`reference`, else the middle of a demo register, else the first) and gives it the bench's
    /// PIN, recorded in the ledger as a tenant's PIN change at a kiosk: the bench writes to the register it is given.
    public static func prepare(database: ConsentDatabase, reference: String?) throws -> Tenant {
        let ref = try reference.map { TenantRef($0) }
            ?? database.tenants(limit: 1, after: "T0500000").first.map { TenantRef($0.reference) }
            ?? database.tenants(limit: 1).first.map { TenantRef($0.reference) }
        guard let ref, let state = try database.tenantState(ref) else {
            throw ChildProcessError(description: "no tenant \(reference ?? "") in the register: give --reference, or a register with tenants")
        }
        guard let dob = state.values[AttributeID("date-of-birth")]?.state.answer?.text else {
            throw ChildProcessError(description: "tenant \(ref.rawValue) has no date of birth held, so cannot sign in: give another --reference")
        }
        let pin = "482916"
        try database.setPIN(pin, for: ref, actor: .tenant, channel: .kiosk)
        return Tenant(reference: ref.rawValue, dateOfBirth: dob, pin: pin)
    }

    /// Runs `runs` whole sessions, each against a new `consent kiosk --web` (the program at `consent`, with
    /// `kioskArguments` naming the register and content) and a new headless Chromium driven through `chromedriver`.
    /// Temporary files (the driver, receipts) go to `directory`; `database` is the register the kiosk serves (its PIN
    /// check is timed alone after the runs); `progress` is called after each run.
    public static func run(tenant: Tenant, consent: String, kioskArguments: [String], runs: Int, directory: URL, database: ConsentDatabase,
                           chromium: String = "/usr/bin/chromium", chromedriver: String = "/usr/bin/chromedriver",
                           progress: (Int) -> Void = { _ in }) throws -> Result {
        for program in [chromium, chromedriver] where !FileManager.default.isExecutableFile(atPath: program) {
            throw ChildProcessError(description: "no \(program): the web kiosk bench needs Debian's chromium and chromium-driver")
        }
        let python = try ChildProcess.program("python3")
        let driver = directory.appendingPathComponent("driver.py").path
        try Data(WebKioskDriver.script.utf8).write(to: URL(fileURLWithPath: driver))
        // Read-aloud is measured when espeak-ng is here; its sound goes to a recorder, not a sound card.
        let speaks = (try? ChildProcess.program("espeak-ng")) != nil
        let recorder = directory.appendingPathComponent("first-sound.py").path
        try Data(WebKioskDriver.firstSound.utf8).write(to: URL(fileURLWithPath: recorder))
        var sounds: [Double] = []
        var pages: [[Page]] = [], peaks: [Double] = [], pinChecks: [Double] = []
        for run in 0..<runs {
            let kioskPort = try LoopbackPort.free(), driverPort = try LoopbackPort.free()
            let pressFile = directory.appendingPathComponent("press-\(run).txt").path, soundFile = directory.appendingPathComponent("sound-\(run).txt").path
            let speech = speaks ? ["--speech-player", "\(python) \(recorder) \(soundFile)"] : ["--no-speech"]
            let server = try Spawned(consent, ["kiosk", "--web", "--listen", "127.0.0.1:\(kioskPort)"] + speech + [
                                               "--receipt-file", directory.appendingPathComponent("receipts.txt").path] + kioskArguments,
                                     stderr: directory.appendingPathComponent("kiosk.err").path)
            let browser = try Spawned(chromedriver, ["--port=\(driverPort)"], stderr: nil)
            defer { _ = browser.stop() }
            do {
                try LoopbackPort.await(kioskPort, path: "/kiosk.css", while: server)
                try LoopbackPort.await(driverPort, path: "/status", while: browser)
                let out = directory.appendingPathComponent("pages-\(run).jsonl").path
                let errors = directory.appendingPathComponent("driver.err").path
                _ = try ChildProcess.checked("the browser session", python, [
                    driver, "http://127.0.0.1:\(kioskPort)/", "http://127.0.0.1:\(driverPort)", chromium,
                    tenant.reference, tenant.dateOfBirth, tenant.pin, "bench-\(run)-\(UUID().uuidString.prefix(8))@example.org",
                ] + (speaks ? [pressFile, soundFile] : []), stdout: out, errors: errors)
                pages.append(try parse(out))
                if speaks { sounds.append(try pressToSound(pressFile, soundFile)) }
            } catch {
                _ = server.stop()
                throw error
            }
            let exit = server.stop()
            guard exit.status == 0 else {
                let log = (try? String(contentsOfFile: directory.appendingPathComponent("kiosk.err").path, encoding: .utf8)) ?? ""
                throw ChildProcessError(description: "the web kiosk ended with status \(exit.status): \(log)")
            }
            peaks.append(exit.maxRSSMegabytes)
            progress(run + 1)
        }
        // Once every server and browser has ended, so nothing else runs beside it.
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            guard try database.checkPIN(tenant.pin, for: TenantRef(tenant.reference)) else {
                throw ChildProcessError(description: "the PIN check timed alone did not match the PIN the bench set")
            }
            pinChecks.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let pinCheck = ChildProcess.median(pinChecks)
        let screens = summarise(pages).map { screen in
            guard screen.screen == signInPage else { return screen }
            var signIn = screen
            signIn.pinCheckMilliseconds = pinCheck
            signIn.withoutPINCheckMilliseconds = max(0, screen.serverMilliseconds - pinCheck)
            return signIn
        }
        return Result(reference: tenant.reference, runs: runs, screens: screens, serverPeakMegabytes: peaks,
                      serverPeakMedianMegabytes: ChildProcess.median(peaks), pinCheckMilliseconds: pinChecks,
                      pinCheckMedianMilliseconds: pinCheck, pressToFirstSoundMilliseconds: sounds,
                      pressToFirstSoundMedianMilliseconds: sounds.isEmpty ? nil : ChildProcess.median(sounds))
    }

    /// Milliseconds from the press (the driver's moment) to the first sound (the recorder's), both on the monotonic clock.
    static func pressToSound(_ pressFile: String, _ soundFile: String) throws -> Double {
        func moment(_ path: String) throws -> Double {
            guard let value = Double(try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw ChildProcessError(description: "no moment in \(path)")
            }
            return value
        }
        return (try moment(soundFile) - moment(pressFile)) * 1000
    }

    /// The driver's JSON lines.
    static func parse(_ path: String) throws -> [Page] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Page.self, from: Data($0.utf8)) }
    }

    /// Per screen (in the session's order), the medians over the runs.
    static func summarise(_ runs: [[Page]]) -> [Screen] {
        guard let first = runs.first else { return [] }
        return first.indices.map { index in
            let pages = runs.compactMap { $0.indices.contains(index) ? $0[index] : nil }
            return Screen(screen: first[index].screen,
                          serverMilliseconds: ChildProcess.median(pages.map(\.serverMs)),
                          postMilliseconds: ChildProcess.median(pages.map(\.postMs)),
                          getMilliseconds: ChildProcess.median(pages.map(\.getMs)),
                          firstPaintMilliseconds: ChildProcess.median(pages.compactMap(\.firstPaintMs)),
                          firstContentfulPaintMilliseconds: ChildProcess.median(pages.compactMap(\.firstContentfulPaintMs)),
                          pinCheckMilliseconds: nil, withoutPINCheckMilliseconds: nil,
                          documentBytes: Int(ChildProcess.median(pages.map { Double($0.documentBytes) })),
                          pageBytes: Int(ChildProcess.median(pages.map { Double($0.documentBytes + $0.subresourceBytes) })),
                          runs: pages)
        }
    }
}
