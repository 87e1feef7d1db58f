import ConsentStore
import Foundation
import Testing
import TestSupport

/// `consent keys rotate --data-keys --database` on a real PostgreSQL centre: values sealed again under
/// a new data key and unchanged (their digests still check), the old data keys and key-encryption key
/// gone, so a copy of the database from before opens nothing with the new key file; killed part-way
/// (`kill -9`), every value still opens and a rerun finishes.
@Suite(.serialized, .ownThreads) struct PostgresKeyRotationCLITests {
    /// A PostgreSQL centre holding a kiosk's demo register, pushed with its values sealed under the
    /// kiosk's own data keys (a device from before organisation keys, given the organisation's key
    /// file), and the organisation's key pair made by the server; `key` opens them all.
    struct Centre {
        let cli: CLI
        let database: String
        let url: String
        let key: String

        static func make() async throws -> Centre {
            let cli = try CLI()
            let key = cli.dir.appendingPathComponent("organisation.key").path
            let kiosk = cli.dir.appendingPathComponent("kiosk.sqlite").path
            #expect(try cli.run(["demo", "--tenants", "200", "--db", kiosk, "--key-file", key]).status == 0)
            let postgres = try ThrowawayPostgres.shared()
            let database = try postgres.createDatabase()
            let url = postgres.url(database: database)
            try await SyncCentre.registerDemoStaff(at: url)
            let code = try cli.run(["device", "issue-code", "--database", url, "--office", "Leeds"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let server = try SyncCLITests.Server(store: ["--database", url, "--key-file", key])
            defer { server.stop() }
            let enrol = try cli.run(["device", "enrol", "--db", kiosk, "--key-file", key, "--server", server.url, "--code", code])
            #expect(enrol.status == 0, "\(enrol.stderr)")
            let sync = try cli.run(["sync", "--db", kiosk, "--key-file", key])
            #expect(sync.status == 0, "\(sync.stderr)")
            return Centre(cli: cli, database: database, url: url, key: key)
        }

        /// `audit verify` with `keyFile` on `url`: how many sealed values opened and checked, and how many did not.
        func audit(_ url: String, keyFile: String) throws -> (ok: Bool, opened: Int, unopened: Int, text: String) {
            let run = try cli.run(["audit", "verify", "--database", url, "--key-file", keyFile, "--json"])
            let report = try? run.json() as? [String: Any]
            return (run.status == 0 && report?["ok"] as? Bool == true, report?["sealedOpened"] as? Int ?? 0,
                    report?["sealedUnopened"] as? Int ?? 0, run.stdout + run.stderr)
        }

        func rotate(environment: [String: String?] = [:]) throws -> CLI.Output {
            try cli.run(["keys", "rotate", "--data-keys", "--json", "--database", url, "--key-file", key], environment: environment)
        }

        func sql(_ query: String) throws -> String { try ThrowawayPostgres.shared().query(query, database: database) }
    }

    @Test func aRotationSealsEveryValueAgainAndABackupFromBeforeOpensNothingWithTheNewKey() async throws {
        let c = try await Centre.make()
        defer { c.cli.remove() }
        let before = try c.audit(c.url, keyFile: c.key)
        #expect(before.ok && before.opened > 100 && before.unopened == 0, "\(before.text)")
        let underDataKeys = Int(try c.sql("SELECT count(*) FROM sealed_value WHERE key_id LIKE 'dk-%' AND sealed IS NOT NULL")) ?? 0
        #expect(underDataKeys > 100, "the demo seals values under data keys")
        let oldKeys = Set(try c.sql("SELECT DISTINCT key_id FROM data_key WHERE key_id NOT LIKE 'org-%'").split(separator: "\n").map(String.init))
        // A backup of the database and of the key file, taken before.
        let backup = c.database + "_before"
        try ThrowawayPostgres.shared().execute("CREATE DATABASE \(backup) TEMPLATE \(c.database)", database: "postgres")
        let backupURL = try ThrowawayPostgres.shared().url(database: backup)
        let oldKey = c.cli.dir.appendingPathComponent("old.key").path
        try FileManager.default.copyItem(atPath: c.key, toPath: oldKey)

        let rotated = try c.rotate()
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(rotated.stderr.isEmpty, "a pipe gets no progress: \(rotated.stderr.debugDescription)")
        let report = try #require(try rotated.json() as? [String: Any])
        #expect(report["resealedValues"] as? Int == underDataKeys)
        #expect(Set(report["destroyedDataKeys"] as? [String] ?? []) == oldKeys)
        #expect(report["resumed"] as? Bool == false)
        #expect(!FileManager.default.fileExists(atPath: c.key + ".new"))

        // Every value opens with the new key and matches its digest (so it is unchanged); the old key opens nothing here.
        let after = try c.audit(c.url, keyFile: c.key)
        #expect(after.ok && after.opened == before.opened && after.unopened == 0, "\(after.text)")
        #expect(try c.audit(c.url, keyFile: oldKey).opened == 0)
        let newKeys = Set(try c.sql("SELECT DISTINCT key_id FROM data_key WHERE key_id NOT LIKE 'org-%'").split(separator: "\n").map(String.init))
        #expect(newKeys.isDisjoint(with: oldKeys) && newKeys.count == 1, "\(newKeys)")
        #expect(try c.sql("SELECT count(DISTINCT kek_id) FROM data_key") == "1")
        // The backup opens with the old key file only: the new one opens nothing in it.
        #expect(try c.audit(backupURL, keyFile: oldKey).opened == before.opened)
        #expect(try c.audit(backupURL, keyFile: c.key).opened == 0)
        // The server starts with the new key (the organisation's private key was wrapped again), and a second run has nothing to do.
        let status = try c.cli.run(["keys", "status", "--database", c.url, "--key-file", c.key, "--json"])
        #expect((try? status.json() as? [String: Any])?["opensOrganisationSeals"] as? Bool == true, "\(status.stdout) \(status.stderr)")
        let again = try c.rotate()
        #expect(again.status == 0 && (try? again.json() as? [String: Any])?["resealedValues"] as? Int == underDataKeys, "\(again.stderr)")
        #expect(try c.audit(c.url, keyFile: c.key).opened == before.opened)
    }

    @Test(arguments: [["CONSENT_TEST_KILL_AFTER_RESEALED", "100"], ["CONSENT_TEST_KILL_AT_ROTATION_STEP", "2"],
                      ["CONSENT_TEST_KILL_AT_ROTATION_STEP", "3"]])
    func aRotationKilledPartWayIsFinishedByARerunWithEveryValueOpening(kill: [String]) async throws {
        let c = try await Centre.make()
        defer { c.cli.remove() }
        let before = try c.audit(c.url, keyFile: c.key)
        #expect(before.ok && before.opened > 100, "\(before.text)")
        let oldKEK = try c.sql("SELECT DISTINCT kek_id FROM data_key")

        let killed = try c.rotate(environment: [kill[0]: kill[1]])
        #expect(killed.killedBySignal && killed.status == 9, "not killed (\(kill)): \(killed.status) \(killed.stderr)")
        let between = try c.audit(c.url, keyFile: c.key)
        #expect(between.ok && between.opened == before.opened && between.unopened == 0, "values unreadable after a kill (\(kill)): \(between.text)")

        let rerun = try c.rotate()
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect((try? rerun.json() as? [String: Any])?["resumed"] as? Bool == true, "\(rerun.stdout)")
        let after = try c.audit(c.url, keyFile: c.key)
        #expect(after.ok && after.opened == before.opened && after.unopened == 0, "\(after.text)")
        #expect(try c.sql("SELECT count(*) FROM key_rotation") == "0")
        let keks = try c.sql("SELECT DISTINCT kek_id FROM data_key")
        #expect(!keks.contains("\n") && keks != oldKEK, "one key-encryption key, the new one: \(keks)")
        #expect(try c.sql("SELECT count(DISTINCT key_id) FROM sealed_value WHERE key_id LIKE 'dk-%'") == "1")
    }

    @Test func onATerminalItShowsProgress() async throws {
        let c = try await Centre.make()
        defer { c.cli.remove() }
        let forms = CLI.repo.appendingPathComponent("Forms").path, localization = CLI.repo.appendingPathComponent("Localization").path
        let tmux = try Tmux("env CONSENT_FORMS='\(forms)' CONSENT_LOCALIZATION='\(localization)' CONSENT_TEST_KILL_AFTER_RESEALED=100 "
                            + "'\(CLI.binary.path)' keys rotate --data-keys --database '\(c.url)' --key-file '\(c.key)'; echo EXIT-$?")
        let screen = try tmux.waitFor("EXIT-")
        #expect(screen.contains("Sealing values under the new data key: "), "\(screen)")
        #expect(screen.contains("EXIT-137"), "\(screen)")
    }
}
