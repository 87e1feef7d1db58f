import Foundation
import Testing
import TestSupport

/// `consent keys rotate --data-keys` on the real binary: quiet in a pipe, JSON for scripts, progress
/// on a terminal, and a rotation killed part-way (`kill -9`) that a rerun finishes with nothing lost.
@Suite(.ownThreads) struct DataKeyRotationCLITests {
    static let refs = ["T0000001", "T0000007", "T0000023", "T0000150"]

    static func revealed(_ cli: CLI) throws -> [[String]] {
        try refs.map { VaultCLITests.specialItems(try cli.run(["tenant", "show", $0, "--reveal-special", "--reason", "test of the vault", "--json", "--db", cli.db])) }
    }

    @Test func inAPipeItDrawsNoProgressAndJSONSaysWhatItDid() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "200", "--db", cli.db]).status == 0)
        let baseline = try Self.revealed(cli)
        let rotated = try cli.run(["keys", "rotate", "--data-keys", "--json", "--db", cli.db])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(rotated.stderr.isEmpty, "a pipe gets no progress: \(rotated.stderr.debugDescription)")
        let report = try #require(try rotated.json() as? [String: Any])
        #expect((report["resealedValues"] as? Int ?? 0) > 200)
        #expect((report["destroyedDataKeys"] as? [String])?.isEmpty == false)
        #expect(report["resumed"] as? Bool == false)
        let words = try cli.run(["keys", "rotate", "--data-keys", "--db", cli.db])
        #expect(words.status == 0 && words.stderr.isEmpty && !words.stdout.contains("\u{1B}"), "\(words.stderr.debugDescription)")
        #expect(words.stdout.contains("sealed again under data key") && words.stdout.contains("backup"), "\(words.stdout)")
        #expect(try Self.revealed(cli) == baseline)
        #expect(try cli.run(["ledger", "verify", "--db", cli.db]).status == 0)
        // At a PostgreSQL centre only the data keys' rotation is offered, with the key file named.
        let postgres = try cli.run(["keys", "rotate", "--database", "postgresql://localhost/nowhere"])
        #expect(postgres.status != 0 && postgres.stderr.contains("give --data-keys and --key-file") && postgres.stderr.contains("nothing was changed"),
                "\(postgres.stderr)")
    }

    @Test(arguments: [["CONSENT_TEST_KILL_AFTER_RESEALED", "100"], ["CONSENT_TEST_KILL_AT_ROTATION_STEP", "2"],
                      ["CONSENT_TEST_KILL_AT_ROTATION_STEP", "3"]])
    func aRotationKilledPartWayIsFinishedByARerunWithNothingLost(kill: [String]) throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "200", "--db", cli.db]).status == 0)
        let baseline = try Self.revealed(cli)
        #expect(baseline.allSatisfy { !$0.isEmpty && !$0.joined().contains("unavailable") })
        let before = try #require(try cli.run(["keys", "status", "--json", "--db", cli.db]).json() as? [String: Any])

        let killed = try cli.run(["keys", "rotate", "--data-keys", "--db", cli.db], environment: [kill[0]: kill[1]])
        #expect(killed.killedBySignal && killed.status == 9, "not killed (\(kill)): \(killed.status) \(killed.stderr)")
        #expect(try Self.revealed(cli) == baseline, "values unreadable after a kill (\(kill))")
        #expect(try cli.run(["ledger", "verify", "--db", cli.db]).status == 0)

        let rerun = try cli.run(["keys", "rotate", "--data-keys", "--json", "--db", cli.db])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let report = try #require(try rerun.json() as? [String: Any])
        #expect(report["resumed"] as? Bool == true)
        #expect(try Self.revealed(cli) == baseline)
        let verify = try cli.run(["ledger", "verify", "--db", cli.db])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let status = try #require(try cli.run(["keys", "status", "--json", "--db", cli.db]).json() as? [String: Any])
        #expect(status["rotationUnfinished"] as? Bool == false)
        #expect((status["wrapsByKey"] as? [String: Any])?.count == 1)
        #expect(status["sealedValues"] as? Int == before["sealedValues"] as? Int)
        #expect(status["keyID"] as? String != before["keyID"] as? String)
    }

    @Test func onATerminalItShowsProgress() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "200", "--db", cli.db]).status == 0)
        let forms = CLI.repo.appendingPathComponent("Forms").path, localization = CLI.repo.appendingPathComponent("Localization").path
        // Killed part-way, so the progress line is left on the screen rather than cleared at the end.
        let tmux = try Tmux("env CONSENT_FORMS='\(forms)' CONSENT_LOCALIZATION='\(localization)' CONSENT_TEST_KILL_AFTER_RESEALED=100 "
                            + "'\(CLI.binary.path)' keys rotate --data-keys --db '\(cli.db)'; echo EXIT-$?")
        let screen = try tmux.waitFor("EXIT-")
        #expect(screen.contains("Sealing values under the new data key: "), "\(screen)")
        #expect(screen.contains("EXIT-137"), "\(screen)")
    }
}
