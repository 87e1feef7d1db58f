import ConsentStore
import Foundation
import ProgramRunner
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SyncProtocol
import Testing
import TestSupport

/// The sync server and clients as real processes on 127.0.0.1: enrolment, offline conflict, bad
/// input, revocation; each against a SQLite and a PostgreSQL centre.
@Suite(.serialized, .ownThreads) struct SyncCLITests {
    /// A running `consent serve` on a free port, stopped at the end.
    final class Server {
        let port: Int
        var url: String { "http://127.0.0.1:\(port)" }

        /// The server process (nil after a kill).
        var pid: Int32?

        /// `consent serve` with these store arguments (`--db PATH` or `--database URL`), on `port` or a free one.
        init(store: [String], port fixed: Int? = nil) throws {
            for _ in 0..<(fixed == nil ? 5 : 1) {
                let port = fixed ?? Int.random(in: 20_000...40_000)
                let process = try CLI.start(["serve"] + store + ["--listen", "127.0.0.1:\(port)"])
                // Up to 20 s while it runs: a busy CI machine may start it slowly (PostgreSQL first).
                let deadline = Date().addingTimeInterval(20)
                while process.isRunning && Date() < deadline {
                    if (try? Self.request("http://127.0.0.1:\(port)/healthz").status) == 200 {
                        self.port = port
                        pid = process.pid
                        return
                    }
                    usleep(50_000)
                }
                process.terminate()
                process.waitForExit()
            }
            throw TestFailure("consent serve \(store.first ?? "") did not start")
        }

        /// Stops the server as an operator does (SIGTERM) and waits up to 20 s for it to finish: what it
        /// still held (the refusals of the current minute) is written out first.
        func stopGracefully() {
            guard let pid else { return }
            kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(20)
            while kill(pid, 0) == 0 && Date() < deadline { usleep(50_000) }
            self.pid = nil
        }

        /// Stops the server now.
        func stop() {
            if let pid { kill(pid, SIGKILL) }
            pid = nil
        }

        deinit { if let pid { kill(pid, SIGKILL) } }

        /// One HTTP request, synchronously.
        static func request(_ url: String, method: String = "GET", body: Data? = nil, headers: [String: String] = [:]) throws -> (status: Int, body: String) {
            var request = URLRequest(url: URL(string: url)!, timeoutInterval: 10)
            request.httpMethod = method
            request.httpBody = body
            for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var result: (Int, String)?
            nonisolated(unsafe) var failure: (any Error)?
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error { failure = error } else {
                    result = ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self))
                }
                done.signal()
            }.resume()
            done.wait()
            if let failure { throw failure }
            guard let result else { throw TestFailure("no reply") }
            return result
        }
    }

    /// A centre with `tenants` demo tenants served by `consent serve`, and kiosk-a enrolled and synced once.
    static func servedKiosk(_ cli: CLI, _ backend: Backend, tenants: Int) throws -> (centre: SyncCentre, server: Server, kiosk: String) {
        let centre = try SyncCentre.make(cli, backend, tenants: tenants)
        let server = try Server(store: centre.arguments)
        let kiosk = try SyncCLITests().enrolKiosk(cli, "kiosk-a", server: server, centre: centre)
        let sync = try cli.run(["sync", "--db", kiosk])
        #expect(sync.status == 0, "\(sync.stderr)")
        return (centre, server, kiosk)
    }

    /// A kiosk enrolled as kiosks are: `consent init` gives it a key of its own (no copy of the organisation's
    /// key-encryption key), and the centre's enrolment reply the organisation's public key, to which it seals.
    func enrolKiosk(_ cli: CLI, _ name: String, server: Server, centre: SyncCentre) throws -> String {
        let db = cli.dir.appendingPathComponent("\(name).sqlite").path
        #expect(try cli.run(["init", "--db", db, "--device", name]).status == 0)
        let add = try cli.run(["staff", "add", "S1", "--role", "support", "--name", "Sam", "--password-stdin", "--db", db],
                              stdin: Data("correct horse battery\n".utf8))
        #expect(add.status == 0, "\(add.stderr)")
        let code = try centre.issueCode(cli)
        let enrol = try cli.run(["device", "enrol", "--db", db, "--server", server.url, "--code", code])
        #expect(enrol.status == 0, "\(enrol.stderr)")
        #expect(enrol.stdout.contains("sealed to the organisation's key"), "\(centre.backend): \(enrol.stdout)")
        let again = try cli.run(["device", "enrol", "--db", db, "--server", server.url, "--code", code])
        #expect(again.status != 0 && again.stderr.contains("already used"), "a code works once: \(again.stderr)")
        return db
    }

    func emailUse(_ cli: CLI, _ db: String) throws -> String {
        let show = try cli.run(["tenant", "show", "T0000002", "--db", db, "--json"])
        let items = ((try show.json() as? [String: Any])?["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
        let uses = items.first { $0["attribute"] as? String == "email" }?["uses"] as? [[String: Any]] ?? []
        let use = uses.first { $0["purpose"] as? String == "service-updates-email" } ?? [:]
        return "\(use["decision"] as? String ?? "?") usable=\(use["usableNow"] as? Bool ?? true) reconfirm=\(use["needsReconfirmation"] as? Bool ?? false)"
    }

    @Test(arguments: Backend.allCases) func twoKiosksOfflineDisagreeAndTheWithdrawalStandsEverywhere(backend: Backend) async throws {
        let cli = try CLI()
        defer { cli.remove() }
        let centre = try SyncCentre.make(cli, backend, tenants: 20)
        let server = try Server(store: centre.arguments)
        let a = try enrolKiosk(cli, "kiosk-a", server: server, centre: centre)
        let b = try enrolKiosk(cli, "kiosk-b", server: server, centre: centre)
        for db in [a, b] {
            let sync = try cli.run(["sync", "--db", db, "--json"])
            #expect(sync.status == 0, "\(sync.stderr)")
            #expect((try sync.json() as? [String: Any])?["pulled"] as? Int ?? 0 > 40, "the register arrives")
        }
        // Offline: kiosk A records a withdrawal, then kiosk B (which has not seen it) a grant.
        #expect(try cli.run(["record", "--password-stdin", "T0000002", "withdraw", "--attribute", "email", "--purpose", "service-updates-email",
                             "--staff", "S1", "--db", a], stdin: Data("correct horse battery\n".utf8)).status == 0)
        let grant = try cli.run(["record", "--password-stdin", "T0000002", "grant", "--attribute", "email", "--purpose", "service-updates-email",
                                 "--staff", "S1", "--notice-version", "1", "--db", b], stdin: Data("correct horse battery\n".utf8))
        #expect(grant.status == 0, "\(grant.stderr)")
        for db in [b, a, b] { #expect(try cli.run(["sync", "--db", db]).status == 0) }
        for db in [a, b] {
            #expect(try emailUse(cli, db) == "withdrawn usable=false reconfirm=true", "\(db): the withdrawal stands, B's grant awaits staff")
            let verify = try cli.run(["ledger", "verify", "--db", db, "--json"])
            #expect(verify.status == 0, "\(verify.stdout)")
        }
        #expect(try await centre.emailUse(cli) == "withdrawn usable=false reconfirm=true", "\(backend) centre: the withdrawal stands, B's grant awaits staff")
        // The conflict reaches staff mode's queue on the kiosk that made the grant, and at a SQLite
        // centre (staff mode runs on a SQLite database; the PostgreSQL centre's queue is its reconfirm column, read above).
        for db in (backend == .sqlite ? [centre.sqlite] : []) + [b] {
            let queue = try cli.run(["staff", "conflicts", "--db", db])
            #expect(queue.status == 0 && queue.stdout.contains("T0000002"), "\(db): \(queue.stdout) \(queue.stderr)")
        }
        let audit = try centre.auditVerify(cli)
        #expect(audit.ok && audit.signedHeadsChecked, "\(audit.output)")
        #expect(audit.events == (try SyncCrashTests().events(cli, a)), "the centre holds what the kiosks hold")
    }

    @Test(arguments: Backend.allCases) func badRequestsAreRefusedClearlyAndAudited(backend: Backend) async throws {
        let cli = try CLI()
        defer { cli.remove() }
        let centre = try SyncCentre.make(cli, backend, tenants: 5)
        let server = try Server(store: centre.arguments)
        let a = try enrolKiosk(cli, "kiosk-a", server: server, centre: centre)
        let secret = try #require(try ConsentDatabase.metadata("sync_secret", at: a))
        let auth = ["Authorization": "Bearer kiosk-a:\(secret)"]
        let binary = auth.merging(["Content-Type": BinaryWire.contentType]) { $1 }
        let before = try centre.events(cli)
        let audited = try await centre.auditLog().count
        let content = try #require(VaultCLITests.content)
        let cases: [(String, Data, [String: String], Int, String)] = [
            ("wrong credential", Data("{}".utf8), ["Authorization": "Bearer kiosk-a:wrong"], 401, "unauthenticated"),
            ("no credential", Data("{}".utf8), [:], 401, "unauthenticated"),
            ("truncated JSON", Data(#"{"version":1,"device":"kiosk-a","events":[{"r":"#.utf8), auth, 400, "invalid"),
            ("wrong types", Data(#"{"version":"one","device":7,"events":{}}"#.utf8), auth, 400, "invalid"),
            ("huge number", Data(#"{"version":1e400,"device":"kiosk-a","events":[],"dataKeys":[]}"#.utf8), auth, 400, "invalid"),
            ("deep nesting", Data((String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)).utf8), auth, 400, "invalid"),
            ("another device's events", Data(#"{"version":1,"device":"kiosk-z","events":[],"dataKeys":[]}"#.utf8), auth, 403, "wrong-device"),
            ("an event without fields", try JSONSerialization.data(withJSONObject: ["version": 1, "device": "kiosk-a", "dataKeys": [] as [Any],
                "events": Array(repeating: ["r": [:] as [String: Any]], count: 1)] as [String: Any]), auth, 400, "invalid"),
            ("huge body", Data(count: 17 * 1024 * 1024), auth, 413, "too-large"),
            // The binary encoding devices use: damaged, hostile, or claiming another device.
            ("truncated binary", Data(BinaryWire.encode(PushRequest(device: "kiosk-a", events: [])).dropLast()), binary, 400, "invalid"),
            ("JSON labelled binary", Data(#"{"version":1,"device":"kiosk-a","events":[],"dataKeys":[]}"#.utf8), binary, 400, "invalid"),
            ("binary with a count past its end", Data(Array("TCW1".utf8) + [1, 1, 7] + Array("kiosk-a".utf8) + [1, 0, 0xFF, 0xFF, 0x03]), binary, 400, "invalid"),
            ("binary for another device", Data(BinaryWire.encode(PushRequest(device: "kiosk-z", events: []))), binary, 403, "wrong-device"),
        ]
        for (name, body, headers, status, code) in cases {
            let reply = try Server.request("\(server.url)/v1/push", method: "POST", body: body, headers: headers)
            #expect(reply.status == status, "\(name): \(reply.status) \(reply.body)")
            #expect(reply.body.contains("\"\(code)\""), "\(name): \(reply.body)")
        }
        for query in ["v1/pull?cursor=-1", "v1/snapshot?cursor=0&limit=0", "v1/snapshot?cursor=abc"] {
            let reply = try Server.request("\(server.url)/\(query)", headers: auth)
            #expect(reply.status == 400 && reply.body.contains("whole number"), "\(query): \(reply.status) \(reply.body)")
        }
        #expect(try centre.events(cli) == before, "nothing was applied")
        let audit = try await centre.auditLog()
        // A refusal of the enrolled device is written at once; those without a valid credential are
        // counted and written as one row per address per minute (checked when the server stops, below).
        let ofTheDevice = cases.filter { $0.2["Authorization"] == auth["Authorization"] }.count
        #expect(audit.count >= audited + ofTheDevice, "every refusal of the device is in the audit log: \(audit)")
        // A replayed batch gets the same answers and applies nothing; the same numbers with other content are refused.
        #expect(try cli.run(["sync", "--db", a]).status == 0)
        #expect(try cli.run(["record", "--password-stdin", "T0000002", "withdraw", "--attribute", "email", "--purpose", "service-updates-email",
                             "--staff", "S1", "--db", a], stdin: Data("correct horse battery\n".utf8)).status == 0)
        let device = try ConsentDatabase.open(at: a, validator: content.validator, key: try KeyFile.read(KeyLocation.defaultPath(for: a)))
        var batch = try device.outbox()
        try device.close()
        let body = try JSONEncoder().encode(batch)
        let first = try Server.request("\(server.url)/v1/push", method: "POST", body: body, headers: auth)
        let events = try centre.events(cli)
        let replay = try Server.request("\(server.url)/v1/push", method: "POST", body: body, headers: auth)
        let answers = try [first, replay].map { try JSONDecoder().decode(PushResponse.self, from: Data($0.body.utf8)).results }
        #expect(first.status == 200 && replay.status == 200 && answers[0] == answers[1] && answers[0].first?.outcome == .applied,
                "\(first.body) / \(replay.body)")
        #expect(try centre.events(cli) == events, "the replay applied nothing")
        batch.events[0].record.evidence = "changed after the fact"
        let changed = try Server.request("\(server.url)/v1/push", method: "POST", body: try JSONEncoder().encode(batch), headers: auth)
        #expect(changed.status == 400, "\(changed.body)")
        #expect(try cli.run(["device", "revoke", "kiosk-a"] + centre.arguments).status == 0)
        let refused = try cli.run(["sync", "--db", a])
        #expect(refused.status != 0 && refused.stderr.contains("revoked"), "\(refused.stderr)")
        let verify = try centre.auditVerify(cli)
        #expect(verify.ok && verify.events == events, "nothing bad was applied: \(verify.output)")
        server.stopGracefully()
        let unauthenticated = try await centre.auditLog().filter { $0.hasPrefix("unauthenticated requests from 127.0.0.1 refused") }
        #expect(!unauthenticated.isEmpty && unauthenticated.count <= 2, "one row a minute for the address: \(unauthenticated)")
    }

    @Test(arguments: Backend.allCases) func theServerSpeaksTLSWhenGivenACertificate(backend: Backend) throws {
        let cli = try CLI()
        defer { cli.remove() }
        let centre = try SyncCentre.make(cli, backend, tenants: 0)
        let cert = cli.dir.appendingPathComponent("cert.pem").path, key = cli.dir.appendingPathComponent("key.pem").path
        let made = try Subprocess.run("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                                       "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                                                       "-keyout", key, "-out", cert])
        #expect(made.status == 0, "\(made.stderr)")
        // A busy CI machine may start the server slowly, or a random port may be taken: wait up to 20 s
        // while the server runs, and try another port if it exits.
        var reply = "", port = 0
        var servers: [RunningProgram] = []
        defer { for server in servers { kill(server.pid, SIGKILL) } }
        for _ in 0..<3 where !reply.contains("\"ok\"") {
            port = Int.random(in: 40_001...50_000)
            let process = try CLI.start(["serve"] + centre.arguments + ["--listen", "127.0.0.1:\(port)", "--tls-certificate", cert, "--tls-key", key])
            servers.append(process)
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning && Date() < deadline {
                let curl = try Subprocess.run("/usr/bin/env", ["curl", "-s", "--cacert", cert, "https://127.0.0.1:\(port)/healthz"])
                reply = curl.stdout
                if curl.status == 0 { break }
                usleep(100_000)
            }
        }
        #expect(reply.contains("\"ok\""), "healthz over TLS, checked against the certificate: \(reply)")
        let plain = try Subprocess.run("/usr/bin/env", ["curl", "-s", "-m", "5", "http://127.0.0.1:\(port)/healthz"])
        #expect(!plain.stdout.contains("\"ok\""), "plain HTTP is not served on a TLS port")
        let half = try cli.run(["serve"] + centre.arguments + ["--tls-certificate", cert])
        #expect(half.status != 0 && half.stderr.contains("both --tls-certificate and --tls-key"))
    }

    @Test(arguments: Backend.allCases) func theKioskSyncsInTheBackgroundWithoutFreezingItsScreen(backend: Backend) throws {
        let cli = try CLI()
        defer { cli.remove() }
        let centre = try SyncCentre.make(cli, backend, tenants: 10)
        let server = try Server(store: centre.arguments)
        let a = try enrolKiosk(cli, "kiosk-a", server: server, centre: centre)
        let forms = CLI.repo.appendingPathComponent("Forms").path, localization = CLI.repo.appendingPathComponent("Localization").path
        let tmux = try Tmux("env CONSENT_FORMS='\(forms)' CONSENT_LOCALIZATION='\(localization)' '\(CLI.binary.path)' kiosk --db '\(a)' --sync-every 1")
        try tmux.waitFor("Choose your language")
        // The register arrives in the background, then a change made at the centre follows it.
        var pulled = 0
        for _ in 0..<100 where pulled < 20 {
            pulled = try SyncCrashTests().events(cli, a)
            usleep(100_000)
        }
        #expect(pulled >= 20, "the kiosk pulled the register by itself")
        try centre.withdrawAtTheCentre(cli, server: server)
        let target = try centre.events(cli)
        var now = 0
        for _ in 0..<100 where now < target {
            now = try SyncCrashTests().events(cli, a)
            usleep(100_000)
        }
        #expect(now == target, "the centre's withdrawal reached the kiosk within seconds")
        #expect(try emailUse(cli, a).hasPrefix("withdrawn"))
        try tmux.keys("Enter")
        try tmux.waitFor("Tenancy reference", seconds: 5)
    }
}
