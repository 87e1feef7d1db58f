import ConsentStore
import Foundation
import ProgramRunner
import Testing
import TestSupport

/// A kiosk syncs with a centre over HTTPS whose certificate is signed by an authority only the
/// office trusts: refused, with what to do, until the device is enrolled with `--ca-file`.
@Suite(.serialized, .ownThreads) struct TLSSyncTests {
    @Test func aKioskEnrolledWithTheOfficeAuthoritySyncsOverTLSAndIsRefusedWithoutIt() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let central = cli.dir.appendingPathComponent("central.sqlite").path
        #expect(try cli.run(["demo", "--centre", "--tenants", "5", "--db", central]).status == 0)
        // The centre takes changes only from staff in its registry.
        #expect(try cli.run(["staff", "add", "S1", "--role", "support", "--name", "Sam", "--password-stdin", "--db", central],
                            stdin: Data("correct horse battery\n".utf8)).status == 0)
        let cert = cli.dir.appendingPathComponent("centre-cert.pem").path, key = cli.dir.appendingPathComponent("centre-key.pem").path
        let made = try Subprocess.run("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                                       "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                                                       "-keyout", key, "-out", cert])
        #expect(made.status == 0, "\(made.stderr)")
        let port = Int.random(in: 50_001...60_000)
        let server = try CLI.start(["serve", "--db", central, "--listen", "127.0.0.1:\(port)", "--tls-certificate", cert, "--tls-key", key])
        defer { kill(server.pid, SIGKILL) }
        let url = "https://127.0.0.1:\(port)"
        // A busy machine may start the server slowly: wait up to 20 s while it runs.
        let deadline = Date().addingTimeInterval(20)
        while server.isRunning, Date() < deadline,
              try Subprocess.run("/usr/bin/env", ["curl", "-s", "--cacert", cert, "\(url)/healthz"]).status != 0 {
            usleep(100_000)
        }
        #expect(server.isRunning, "consent serve is up on port \(port)")

        let kiosk = cli.dir.appendingPathComponent("kiosk.sqlite").path
        #expect(try cli.run(["init", "--db", kiosk, "--device", "kiosk-tls"]).status == 0)
        func code() throws -> String {
            try cli.run(["device", "issue-code", "--db", central, "--office", "Leeds"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        // Nothing listening at the address: said plainly, at once.
        let nobody = try cli.run(["device", "enrol", "--db", kiosk, "--server", "https://127.0.0.1:\(port + 1)", "--code", "X"])
        #expect(nobody.status != 0 && nobody.stderr.contains("not enrolled") && nobody.stderr.contains("connection refused"), "\(nobody.stderr)")

        // Without the authority: refused, saying what to do, and nothing is recorded as enrolled.
        let untrusted = try cli.run(["device", "enrol", "--db", kiosk, "--server", url, "--code", try code()])
        #expect(untrusted.status != 0)
        #expect(untrusted.stderr.contains("not trusted") && untrusted.stderr.contains("--ca-file"), "\(untrusted.stderr)")
        let notEnrolled = try cli.run(["sync", "--db", kiosk])
        #expect(notEnrolled.status != 0 && notEnrolled.stderr.contains("not enrolled"), "\(notEnrolled.stderr)")

        // A file that is not a certificate, or is missing: a clear error naming it.
        let missing = try cli.run(["device", "enrol", "--db", kiosk, "--server", url, "--code", try code(), "--ca-file", "/nonexistent/ca.pem"])
        #expect(missing.status != 0 && missing.stderr.contains("/nonexistent/ca.pem"), "\(missing.stderr)")
        let notPEM = try cli.run(["device", "enrol", "--db", kiosk, "--server", url, "--code", try code(), "--ca-file", central])
        #expect(notPEM.status != 0 && notPEM.stderr.contains("no PEM certificate"), "\(notPEM.stderr)")

        // With it: enrolled, and every later sync checks the centre against the same authority.
        let enrol = try cli.run(["device", "enrol", "--db", kiosk, "--server", url, "--code", try code(), "--ca-file", cert])
        #expect(enrol.status == 0, "\(enrol.stderr)")
        let first = try cli.run(["sync", "--db", kiosk, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect((try first.json() as? [String: Any])?["pulled"] as? Int ?? 0 >= 5, "the register arrives over TLS: \(first.stdout)")
        let staff = try cli.run(["staff", "add", "S1", "--role", "support", "--name", "Sam", "--password-stdin", "--db", kiosk],
                                stdin: Data("correct horse battery\n".utf8))
        #expect(staff.status == 0, "\(staff.stderr)")
        #expect(try cli.run(["record", "--password-stdin", "T0000002", "withdraw", "--attribute", "email", "--purpose", "service-updates-email",
                             "--staff", "S1", "--db", kiosk], stdin: Data("correct horse battery\n".utf8)).status == 0)
        let second = try cli.run(["sync", "--db", kiosk, "--json"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect((try second.json() as? [String: Any])?["pushed"] as? Int ?? 0 >= 1, "the withdrawal reaches the centre: \(second.stdout)")
        let history = try cli.run(["tenant", "history", "T0000002", "--db", central, "--json"])
        #expect(history.stdout.contains("kiosk-tls"), "the centre holds the kiosk's withdrawal")

        // The authority's file goes missing later: the sync says which file, and so does the status.
        let moved = cert + ".moved"
        try FileManager.default.moveItem(atPath: cert, toPath: moved)
        let lost = try cli.run(["sync", "--db", kiosk])
        #expect(lost.status != 0 && lost.stderr.contains(cert), "\(lost.stderr)")
        let status = try cli.run(["sync", "--status", "--db", kiosk, "--json"])
        let problem = (try status.json() as? [String: Any])?["problem"] as? String ?? ""
        #expect(problem.contains(cert) && problem.contains("cannot be read"), "\(status.stdout)")
        try FileManager.default.moveItem(atPath: moved, toPath: cert)
        #expect(try cli.run(["sync", "--db", kiosk]).status == 0)
        let healed = try cli.run(["sync", "--status", "--db", kiosk])
        #expect(healed.status == 0 && !healed.stdout.contains("failed") && healed.stdout.contains("0 change(s) to send"), "\(healed.stdout)")
    }
}
