import CentralStore
import CentralStorePostgres
import CentralStoreSQLite
import ConsentCore
import ConsentForms
import ConsentRegister
import ConsentStore
import Foundation
import Testing
import TestSupport

/// A central store for the CLI sync tests, and the commands a test runs at the centre. The register
/// is made with `consent demo --centre` in a SQLite centre; on PostgreSQL that centre is then moved
/// with `consent migrate` into a fresh database of the test process's throwaway server, and every
/// later command at the centre names it with `--database`. Changes "made at the centre" are made,
/// on PostgreSQL, on the central office's desk (a device enrolled like the kiosks, which syncs at
/// once), since a PostgreSQL centre has no writer of its own.
struct SyncCentre {
    let backend: Backend
    /// The SQLite centre (on PostgreSQL: the one migrated, kept for its key file: the organisation's key-encryption key).
    let sqlite: String
    /// The PostgreSQL database (nil on SQLite).
    let url: String?

    /// `--db PATH` or `--database URL`: how every command at the centre names it.
    var arguments: [String] { url.map { ["--database", $0] } ?? ["--db", sqlite] }

    /// The members of staff in the centre's registry.
    static let staff = ["S1", "S2", "sam", "pat"]

    /// A centre with `tenants` demo tenants (an empty centre when 0), and ``staff`` in its registry.
    static func make(_ cli: CLI, _ backend: Backend, tenants: Int) throws -> SyncCentre {
        let central = cli.dir.appendingPathComponent("central.sqlite").path
        let made = try cli.run(tenants > 0 ? ["demo", "--centre", "--tenants", "\(tenants)", "--db", central] : ["init", "--centre", "--db", central])
        #expect(made.status == 0, "\(made.stderr)")
        // The staff whose changes kiosks push: the centre accepts changes only from staff it knows
        // (on PostgreSQL, `consent migrate` copies them).
        for id in staff {
            let added = try cli.run(["staff", "add", id, "--role", "supervisor", "--name", "Staff \(id)", "--password-stdin", "--db", central],
                                    stdin: Data("correct horse battery\n".utf8))
            #expect(added.status == 0, "\(added.stderr)")
        }
        guard backend == .postgres else { return SyncCentre(backend: backend, sqlite: central, url: nil) }
        let postgres = try ThrowawayPostgres.shared()
        let url = postgres.url(database: try postgres.createDatabase(prefix: "cli"))
        let migrate = try cli.run(["migrate", "--from", central, "--to", url, "--json"])
        #expect(migrate.status == 0, "\(migrate.stdout) \(migrate.stderr)")
        #expect((try migrate.json() as? [String: Any])?["matches"] as? Bool == true, "\(migrate.stdout)")
        return SyncCentre(backend: backend, sqlite: central, url: url)
    }

    /// Adds the demo register's staff (S001–S040) to a PostgreSQL centre's registry, for a kiosk that
    /// pushes a demo register of its own there.
    static func registerDemoStaff(at url: String) async throws {
        let content = try #require(VaultCLITests.content)
        let store = try await PostgresCentralStore.open(PostgresLocation(url: url), catalogue: content.catalogue)
        defer { store.shutdown() }
        try await store.addStaff(DemoRegister.staff)
    }

    /// A one-time enrolment code issued at the centre.
    func issueCode(_ cli: CLI) throws -> String {
        let issued = try cli.run(["device", "issue-code", "--office", "Leeds"] + arguments)
        #expect(issued.status == 0, "\(issued.stderr)")
        return issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `consent audit verify --json` at the centre: every chain, every signed head (and on PostgreSQL
    /// the decision projection against the ledger).
    func auditVerify(_ cli: CLI) throws -> (ok: Bool, events: Int, signedHeadsChecked: Bool, output: String) {
        let audit = try cli.run(["audit", "verify", "--json"] + arguments)
        let report = try? audit.json() as? [String: Any]
        return (audit.status == 0 && report?["ok"] as? Bool == true, report?["events"] as? Int ?? -1,
                report?["signedHeadsChecked"] as? Bool == true, audit.stdout + audit.stderr)
    }

    /// The events at the centre, counted by `audit verify` (which must pass).
    func events(_ cli: CLI) throws -> Int {
        let audit = try auditVerify(cli)
        #expect(audit.ok, "\(backend) centre: \(audit.output)")
        return audit.events
    }

    /// What the centre's audit log holds (refusals and warnings), oldest first.
    func auditLog() async throws -> [String] {
        let content = try #require(VaultCLITests.content)
        guard let url else { return try ConsentDatabase.open(at: sqlite, validator: content.validator).syncAudit().map(\.what) }
        let store = try await PostgresCentralStore.open(PostgresLocation(url: url), catalogue: content.catalogue)
        defer { store.shutdown() }
        return try await store.auditEntries().map(\.what)
    }

    /// T0000002's email for service-updates-email at the centre, as `SyncCLITests.emailUse` words it.
    func emailUse(_ cli: CLI) async throws -> String {
        guard let url else { return try SyncCLITests().emailUse(cli, sqlite) }
        // The centre's row itself: an export's read of a purpose carries only what the gate reads, not who must re-confirm.
        let row = try Subprocess.run("/usr/bin/psql", [url, "-Atc", """
            SELECT d.state || '|' || (d.reconfirm_seq IS NOT NULL) FROM decision d JOIN tenant t ON t.id = d.tenant_id
            WHERE t.ref = 'T0000002' AND d.attribute_id = 'email' AND d.purpose_id = 'service-updates-email'
            """])
        let cells = row.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").map(String.init)
        guard cells.count == 2 else { return "? \(row.stdout) \(row.stderr)" }
        return "\(cells[0]) usable=\(cells[0] == "granted") reconfirm=\(cells[1] == "true")"
    }

    /// The central office's desk of a PostgreSQL centre: a device enrolled like a kiosk (it gets no copy of
    /// the organisation's key-encryption key, and seals special-category values to the organisation's key),
    /// made and synced the first time it is asked for.
    func officeDesk(_ cli: CLI, server: SyncCLITests.Server) throws -> String {
        let db = cli.dir.appendingPathComponent("office.sqlite").path
        guard !FileManager.default.fileExists(atPath: db) else { return db }
        #expect(try cli.run(["init", "--db", db, "--device", "office"]).status == 0)
        let enrol = try cli.run(["device", "enrol", "--db", db, "--server", server.url, "--code", try issueCode(cli)])
        #expect(enrol.status == 0, "\(enrol.stderr)")
        #expect(try cli.run(["sync", "--db", db]).status == 0)
        return db
    }

    /// Records what `body` records at the centre: on SQLite in the central store (opened with its key),
    /// on PostgreSQL on the central office's desk, synced at once.
    func recordAtTheCentre(_ cli: CLI, server: SyncCLITests.Server, _ body: (ConsentDatabase) throws -> Void) throws {
        let content = try #require(VaultCLITests.content)
        let path = backend == .postgres ? try officeDesk(cli, server: server) : sqlite
        let key = backend == .postgres ? nil : try KeyFile.read(KeyLocation.defaultPath(for: sqlite))
        let db = try ConsentDatabase.open(at: path, validator: content.validator, key: key)
        try body(db)
        try db.close()
        if backend == .postgres {
            let sync = try cli.run(["sync", "--db", path])
            #expect(sync.status == 0, "\(sync.stderr)")
        }
    }

    /// Every value the centre holds, opened with the organisation's key-encryption key: the special
    /// categories apart from the rest.
    func heldValues() async throws -> (special: Set<String>, other: Set<String>) {
        let content = try #require(VaultCLITests.content)
        let kek = try KeyFile.read(KeyLocation.defaultPath(for: sqlite))
        guard let url else {
            let db = try ConsentDatabase.open(at: sqlite, validator: content.validator, key: kek)
            defer { try? db.close() }
            return try VaultCLITests.heldValues(db)
        }
        let store = try await PostgresCentralStore.open(PostgresLocation(url: url), catalogue: content.catalogue)
        defer { store.shutdown() }
        let opener = try SealedValueOpener(kek: kek, dataKeys: try await store.wrappedDataKeys())
        let attributes = content.catalogue.attributes.map(\.id)
        let special = Set(content.catalogue.attributes.filter(\.isSpecial).map(\.id))
        var found: (special: Set<String>, other: Set<String>) = ([], [])
        _ = try await store.eachTenant(TenantSlice(purpose: PurposeID("all"), attributes: attributes, special: special, readsDecisions: false),
                                       opener: opener) { _, state in
            for (attribute, record) in state.values {
                guard case .held(.value(let text), _) = record.state else { continue }
                if special.contains(attribute) { found.special.insert(text) } else { found.other.insert(text) }
            }
        }
        return found
    }

    /// Staff at the centre withdraw T0000002's email for service-updates-email: on SQLite in the
    /// central store, on PostgreSQL on the central office's desk, synced at once.
    func withdrawAtTheCentre(_ cli: CLI, server: SyncCLITests.Server) throws {
        var db = sqlite
        if backend == .postgres { db = try officeDesk(cli, server: server) }
        let add = try cli.run(["staff", "add", "S9", "--role", "support", "--name", "Centre", "--password-stdin", "--db", db],
                              stdin: Data("correct horse battery\n".utf8))
        #expect(add.status == 0, "\(add.stderr)")
        if let url {
            // The office desk's staff must be known to the PostgreSQL centre's registry too.
            let known = try cli.run(["staff", "add", "S9", "--role", "support", "--name", "Centre", "--database", url])
            #expect(known.status == 0, "\(known.stderr)")
        }
        let record = try cli.run(["record", "--password-stdin", "T0000002", "withdraw", "--attribute", "email", "--purpose", "service-updates-email", "--staff", "S9", "--db", db], stdin: Data("correct horse battery\n".utf8))
        #expect(record.status == 0, "\(record.stderr)")
        if backend == .postgres { #expect(try cli.run(["sync", "--db", db]).status == 0) }
    }
}
