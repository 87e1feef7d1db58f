import ConsentCore
import ConsentForms
import ConsentStore
import Foundation
import Testing
import TestSupport

/// The special-category vault seen from outside: what a copy of the files reveals, life without the
/// key, and key rotation interrupted by `kill -9`.
@Suite(.ownThreads) struct VaultCLITests {
    static let content: Content? = try? Content.load(
        forms: CLI.repo.appendingPathComponent("Forms"), localization: CLI.repo.appendingPathComponent("Localization"))

    /// The key file that `demo` and `init` write beside the database.
    static func keyPath(_ cli: CLI) -> String { KeyLocation.defaultPath(for: cli.db) }

    /// Every value held, split into special-category values and the others, read with the key.
    static func heldValues(_ db: ConsentDatabase) throws -> (special: Set<String>, other: Set<String>) {
        var special: Set<String> = [], other: Set<String> = []
        _ = try db.eachTenant { _, state in
            for (attribute, record) in state.values {
                guard case .held(.value(let text), _) = record.state else { continue }
                if db.catalogue.attribute(attribute)?.isSpecial == true { special.insert(text) } else { other.insert(text) }
            }
        }
        return (special, other)
    }

    /// A kiosk started without the key file, where PINs are keyed (the demo's first tenant has one), refuses to start
    /// and says what to do, in a browser or on a terminal: otherwise it would turn every tenant away at the counter.
    @Test func aKioskWithoutTheKeyFileRefusesToStartWherePINsAreKeyed() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "30", "--db", cli.db]).status == 0)
        try FileManager.default.moveItem(atPath: Self.keyPath(cli), toPath: Self.keyPath(cli) + ".away")
        // Through timeout(1): a kiosk that did start would serve until stopped.
        for mode in [["--web", "--listen", "127.0.0.1:\(Int.random(in: 20_000...40_000))"], []] {
            let run = try cli.run(["20", CLI.binary.path, "kiosk", "--db", cli.db] + mode, program: URL(fileURLWithPath: "/usr/bin/timeout"))
            #expect(run.status == 1 && run.stderr.contains("are keyed to its vault's PIN key") && run.stderr.contains("--key-file"),
                    "\(mode): \(run.status) \(run.stderr)")
        }
    }

    @Test func copiesOfTheMainDatabaseAndItsWALHoldNoSpecialValueAndTheVaultNoPlaintext() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let demo = try cli.run(["demo", "--tenants", "400", "--db", cli.db])
        #expect(demo.status == 0, "\(demo.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: Self.keyPath(cli))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let content = try #require(Self.content)
        let db = try ConsentDatabase.open(at: cli.db, validator: content.validator, key: try KeyFile.read(Self.keyPath(cli)))
        // One more special value, written while the database is open, so the WAL holds fresh pages.
        let fresh = "Needs a hearing loop at the front desk QZXYW"
        try db.record(ChangeRequest(tenant: TenantRef("T0000001"), payload: .correction(AttributeID("health-needs"), .value(fresh), pending: false),
                                    actor: .tenant, channel: .kiosk))
        let copies = try ConsentDatabase.files(at: cli.db).filter { FileManager.default.fileExists(atPath: $0) && !$0.hasSuffix("-shm") }
            .map { (path: $0, data: try Data(contentsOf: URL(fileURLWithPath: $0))) }
        let (special, other) = try Self.heldValues(db)
        try db.close()
        #expect(special.contains(fresh))
        // A value inside an ordinary one ("other" in "mother"), or of two or three letters (the "yes" or "no" of gender
        // identity, found by chance in any binary file), cannot be told apart by grep.
        let sought = special.filter { value in value.count > 3 && !other.contains { $0.contains(value) } }
        #expect(sought.count >= 30, "too few distinct special values to make the search meaningful: \(sought.count)")
        let main = copies.filter { !$0.path.contains(".special.") }
        #expect(main.map(\.path).contains(cli.db + "-wal"), "the main database's WAL was not there to search")
        #expect(copies.count > main.count)
        // The search itself works: ordinary values are there in plaintext.
        let names = other.filter { $0.contains(" ") && $0.count > 8 }
        #expect(names.contains { name in main.contains { $0.data.range(of: Data(name.utf8)) != nil } })
        for copy in copies {
            let found = sought.filter { copy.data.range(of: Data($0.utf8)) != nil }
            #expect(found.isEmpty, "\(copy.path) holds special-category values in plaintext: \(found.sorted().prefix(5))")
        }
    }

    @Test func withoutTheKeyCommandsWorkSayValuesAreUnavailableAndLoseNothing() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "30", "--db", cli.db]).status == 0)
        let add = try cli.run(["staff", "add", "S1", "--role", "support", "--name", "Sam Desk", "--password-stdin", "--db", cli.db],
                              stdin: Data("correct horse battery\n".utf8))
        #expect(add.status == 0, "\(add.stderr)")
        let before = try cli.run(["tenant", "show", "T0000001", "--reveal-special", "--reason", "test of the vault", "--json", "--db", cli.db])
        let away = Self.keyPath(cli) + ".away"
        try FileManager.default.moveItem(atPath: Self.keyPath(cli), toPath: away)

        let show = try cli.run(["tenant", "show", "T0000001", "--reveal-special", "--reason", "test of the vault", "--json", "--db", cli.db])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stderr.contains("special-category values are unavailable"))
        let json = try #require(try show.json() as? [String: Any])
        #expect((json["specialValuesUnavailable"] as? String)?.contains("no key file") == true)
        let items = try #require((json["report"] as? [String: Any])?["items"] as? [[String: Any]])
        let special = items.filter { $0["special"] as? Bool == true }
        #expect(special.contains { $0["status"] as? String == "unavailable" })
        #expect(special.allSatisfy { $0["value"] == nil })

        let refused = try cli.run(["correct", "--password-stdin", "T0000001", "--attribute", "religion", "--value", "sikh", "--staff", "S1",
                                   "--reason", "tenant-request", "--db", cli.db], stdin: Data("correct horse battery\n".utf8))
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("special-category values are unavailable"), "\(refused.stderr)")
        let ordinary = try cli.run(["correct", "--password-stdin", "T0000001", "--attribute", "mobile", "--value", "07700900555", "--staff", "S1",
                                    "--reason", "tenant-request", "--db", cli.db], stdin: Data("correct horse battery\n".utf8))
        #expect(ordinary.status == 0, "\(ordinary.stderr)")
        let status = try cli.run(["keys", "status", "--db", cli.db])
        #expect(status.stdout.contains("UNAVAILABLE"))

        try FileManager.default.moveItem(atPath: away, toPath: Self.keyPath(cli))
        let after = try cli.run(["tenant", "show", "T0000001", "--reveal-special", "--reason", "test of the vault", "--json", "--db", cli.db])
        #expect(after.stderr.isEmpty, "\(after.stderr)")
        #expect(Self.specialItems(after) == Self.specialItems(before))
        #expect(try cli.run(["ledger", "verify", "--db", cli.db]).status == 0)

        chmod(Self.keyPath(cli), 0o644)
        let unsafe = try cli.run(["tenant", "list", "--reason", "test", "--db", cli.db])
        #expect(unsafe.status != 0)
        #expect(unsafe.stderr.contains("chmod 600"), "\(unsafe.stderr)")
        chmod(Self.keyPath(cli), 0o600)
        let other = cli.dir.appendingPathComponent("other.key").path
        try KeyFile.create(.generate(), at: other)
        let wrong = try cli.run(["tenant", "list", "--reason", "test", "--db", cli.db, "--key-file", other])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("other.key does not open"), "\(wrong.stderr)")
    }

    @Test func initWritesAPrivateKeyFileAndTheKeyIsFoundByOptionEnvironmentOrSystemdCredential() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let first = try cli.run(["init", "--db", "a.sqlite"])
        #expect(first.status == 0, "\(first.stderr)")
        let key = cli.dir.appendingPathComponent("a.key").path
        #expect(first.stdout.contains("a.key (new, mode 0600)"))
        #expect(try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int == 0o600)
        // A second database sealed under the same key, given by option: no new key file.
        let second = try cli.run(["init", "--db", "b.sqlite", "--key-file", key])
        #expect(second.status == 0 && !second.stdout.contains("(new"), "\(second.stdout)\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.dir.appendingPathComponent("b.key").path))
        let credentials = cli.dir.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: key, toPath: credentials.appendingPathComponent("consent-kek").path)
        for environment in [["CONSENT_KEY_FILE": key], ["CREDENTIALS_DIRECTORY": credentials.path]] {
            let status = try cli.run(["keys", "status", "--json", "--db", "b.sqlite"], environment: environment)
            #expect(status.status == 0, "\(environment): \(status.stderr)")
            let json = try #require(try status.json() as? [String: Any])
            #expect(json["problem"] == nil, "\(environment): \(json)")
        }
        let without = try cli.run(["keys", "status", "--json", "--db", "b.sqlite"])
        #expect(without.stderr.contains("no key file at") && without.stderr.contains("b.key"), "\(without.stderr)")
    }

    /// The special-category items of a `tenant show --json` report (status and value).
    static func specialItems(_ output: CLI.Output) -> [String] {
        guard let json = try? output.json() as? [String: Any],
              let items = (json["report"] as? [String: Any])?["items"] as? [[String: Any]] else { return [] }
        return items.filter { $0["special"] as? Bool == true }.map { "\($0["attribute"] ?? "?")=\($0["status"] ?? "?"):\($0["value"] ?? "-")" }
    }

    @Test(arguments: 1...4)
    func aRotationKilledAtAnyStepLeavesEveryValueReadableAndARerunFinishesIt(step: Int) throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "40", "--db", cli.db]).status == 0)
        let refs = ["T0000001", "T0000007", "T0000023"]
        let baseline = try refs.map { Self.specialItems(try cli.run(["tenant", "show", $0, "--reveal-special", "--reason", "test of the vault", "--json", "--db", cli.db])) }
        #expect(baseline.allSatisfy { !$0.isEmpty && !$0.joined().contains("unavailable") })
        let old = cli.dir.appendingPathComponent("old.key").path
        try FileManager.default.copyItem(atPath: Self.keyPath(cli), toPath: old)

        let killed = try cli.run(["keys", "rotate", "--db", cli.db], environment: ["CONSENT_TEST_KILL_AT_ROTATION_STEP": String(step)])
        #expect(killed.killedBySignal && killed.status == 9, "rotation was not killed at step \(step): \(killed.status) \(killed.stderr)")
        func readable(_ keyFile: String?) throws -> Bool {
            let extra = keyFile.map { ["--key-file", $0] } ?? []
            return try refs.map { Self.specialItems(try cli.run(["tenant", "show", $0, "--reveal-special", "--reason", "test of the vault", "--json", "--db", cli.db] + extra)) } == baseline
        }
        #expect(try readable(nil), "values unreadable with the key file after a kill at step \(step)")
        let pending = ConsentDatabase.pendingKeyPath(for: Self.keyPath(cli))
        if step == 2 { #expect(try readable(old) && readable(pending), "both keys should open the vault after step 2") }
        if step == 3 { #expect(try readable(old) && readable(nil), "both keys should open the vault after step 3") }

        let rerun = try cli.run(["keys", "rotate", "--json", "--db", cli.db])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        // Killed after its last step, the rotation was complete: the rerun is a new rotation.
        #expect((try rerun.json() as? [String: Any])?["resumed"] as? Bool == (step < 4))
        let status = try #require(try cli.run(["keys", "status", "--json", "--db", cli.db]).json() as? [String: Any])
        #expect(status["rotationUnfinished"] as? Bool == false)
        #expect((status["wrapsByKey"] as? [String: Any])?.count == 1)
        #expect(!FileManager.default.fileExists(atPath: pending))
        #expect(try readable(nil))
        let refused = try cli.run(["tenant", "list", "--reason", "test", "--db", cli.db, "--key-file", old])
        #expect(refused.status != 0 && refused.stderr.contains("does not open"), "the old key still opens the vault after the rotation")
        #expect(try cli.run(["ledger", "verify", "--db", cli.db]).status == 0)
    }
}
