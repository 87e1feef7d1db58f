import CentralStore
@testable import CentralStorePostgres
import CentralStoreSQLite
import ConsentCore
import ConsentStore
import Foundation
import GRDB
import PostgresNIO
import SyncEngine
import SyncProtocol
import Testing
import TestSupport

/// The centre under test, with what a test reads from it through the backend in use: the events
/// (pulled through the `CentralStore` protocol, as devices see them), the decision projection, the
/// audit log and the integrity checks. On SQLite it is a central `ConsentDatabase`; on PostgreSQL a
/// fresh database on the test process's throwaway server, and changes "made at the centre" are made
/// on the central office's desk (a device that syncs at once), since a PostgreSQL centre has no
/// writer of its own.
final class Centre: @unchecked Sendable {
    let backend: Backend
    /// The SQLite centre (nil on PostgreSQL).
    private(set) var sqlite: ConsentDatabase?
    /// The PostgreSQL centre and its database's name (nil on SQLite).
    let postgres: PostgresCentralStore?
    let databaseName: String?
    /// PostgreSQL only: the central office's desk, enrolled like any device, which records what staff
    /// at the centre record and pushes it at once.
    private(set) var office: ConsentDatabase?

    init(sqlite: ConsentDatabase) {
        backend = .sqlite
        self.sqlite = sqlite
        postgres = nil
        databaseName = nil
    }

    /// The centre as the sync server sees it.
    var store: any CentralStore {
        if let sqlite { return SQLiteCentralStore(database: sqlite) }
        return postgres!
    }

    private init(postgres: PostgresCentralStore, databaseName: String) {
        backend = .postgres
        sqlite = nil
        self.postgres = postgres
        self.databaseName = databaseName
    }

    /// A fresh PostgreSQL centre (its own database) with the office desk at `officePath`, enrolled; the centre
    /// reads `clock`, the test's, as a SQLite centre does.
    static func postgres(officePath: String, clock: ManualClock) async throws -> Centre {
        let server = try ThrowawayPostgres.shared()
        let name = "sync_\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        try await admin("CREATE DATABASE \(name) TEMPLATE \(try await template.value)")
        let store = try await PostgresCentralStore.open(PostgresLocation(url: server.url(database: name)), catalogue: Shipped.content.catalogue,
                                                        keyEncryptionKey: sharedKey, clock: { clock.read() })
        let centre = Centre(postgres: store, databaseName: name)
        let office = try ConsentDatabase.create(at: officePath, validator: Shipped.content.validator, device: DeviceID("office"),
                                                clock: { clock.read() }, key: sharedKey)
        try await centre.enrol(office)
        centre.office = office
        return centre
    }

    /// An empty centre, its schema made once per test process and copied for each test (quicker
    /// than making it each time); no one stays connected to it.
    private static let template = Task { () async throws -> String in
        let name = "sync_template_\(UInt32.random(in: 0...UInt32.max))"
        try await admin("CREATE DATABASE \(name)")
        let store = try await PostgresCentralStore.open(PostgresLocation(url: try ThrowawayPostgres.shared().url(database: name)),
                                                        catalogue: Shipped.content.catalogue)
        store.shutdown()
        try await admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(name)' AND pid <> pg_backend_pid()")
        return name
    }

    /// Runs one statement as the superuser in `database`, over a connection of its own. (Not with
    /// `psql`: waiting for a process would hold one of the few threads other tests' pushes need.)
    static func admin(_ sql: String, database: String = "postgres") async throws {
        try await admin(PostgresQuery(unsafeSQL: sql), database: database)
    }

    static func admin(_ query: PostgresQuery, database: String) async throws {
        let server = try ThrowawayPostgres.shared()
        let logger = Logger(label: "sync-tests")
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(unixSocketPath: server.socketPath, username: server.superuser, password: nil, database: database),
            id: 1, logger: logger)
        do {
            try await connection.query(query, logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    deinit {
        guard let postgres, let databaseName else { return }
        postgres.shutdown()
        Task.detached { try? await Centre.admin("DROP DATABASE \(databaseName) WITH (FORCE)") }
    }

    /// Brings the centre back to how an older program left it and opens it again, as an upgrade does: runs
    /// `sqlite`'s statements on a SQLite centre's file (then reopened, reading `clock`), or `postgres`'s in a
    /// PostgreSQL centre's database (then opened once more, which migrates it).
    func reopenUpgrading(sqlite sqliteSQL: String, postgres statements: [String], clock: ManualClock) async throws {
        if let sqlite {
            try sqlite.write { db in try db.execute(sql: sqliteSQL) }
            try sqlite.close()
            self.sqlite = try ConsentDatabase.open(at: sqlite.path, validator: Shipped.content.validator, clock: { clock.read() }, key: sharedKey)
            return
        }
        guard let databaseName else { return }
        for statement in statements { try await Self.admin(statement, database: databaseName) }
        let server = try ThrowawayPostgres.shared()
        let again = try await PostgresCentralStore.open(PostgresLocation(url: server.url(database: databaseName)), catalogue: Shipped.content.catalogue,
                                                        keyEncryptionKey: sharedKey, clock: { clock.read() })
        again.shutdown()
    }

    /// Enrols `device` here as `kind` (through the protocol, as `consent device enrol` does) and saves its
    /// credential. A staff terminal by default: the test devices act for staff and tenants alike.
    func enrol(_ device: ConsentDatabase, office: String = "Leeds", kind: DeviceKind = .staff) async throws {
        let code = try await store.issueEnrolmentCode(office: office, lifetime: 3600, kind: kind)
        let enrolment = try await store.enrol(EnrolRequest(code: code, device: device.device.rawValue,
                                                           signingKey: try device.signingKey().publicKey.rawRepresentation))
        try device.saveEnrolment(SyncSettings(server: "local", secret: enrolment.secret), sealingKey: enrolment.sealingKey)
    }

    /// Adds members of staff to the centre's registry (without passwords), so that changes devices
    /// push in their names are accepted.
    func registerStaff(_ ids: [String], role: StaffRole = .supervisor) async throws {
        let members = ids.map { StaffMember(id: $0, name: "Staff \($0)", role: role) }
        if let sqlite { return try sqlite.registerStaff(members) }
        try await postgres?.addStaff(members)
    }

    /// Disables (a leaver) or enables a member of staff in the centre's registry.
    func setStaffActive(_ id: String, _ active: Bool) async throws {
        if let sqlite { return try sqlite.setStaffActive(id, active) }
        try await postgres?.setStaffActive(id, active)
    }

    /// Every value the centre holds, opened with the organisation's key-encryption key (at PostgreSQL in
    /// this process, as an export does): the special categories apart from the rest.
    func heldValues() async throws -> (special: Set<String>, other: Set<String>) {
        let catalogue = Shipped.content.catalogue
        var found: (special: Set<String>, other: Set<String>) = ([], [])
        func add(_ state: TenantState) {
            for (attribute, record) in state.values {
                guard case .held(.value(let text), _) = record.state else { continue }
                if catalogue.attribute(attribute)?.isSpecial == true { found.special.insert(text) } else { found.other.insert(text) }
            }
        }
        if let sqlite {
            _ = try sqlite.eachTenant { _, state in add(state) }
        } else if let postgres {
            let opener = try SealedValueOpener(kek: sharedKey, dataKeys: try await postgres.wrappedDataKeys())
            let special = Set(catalogue.attributes.filter(\.isSpecial).map(\.id))
            _ = try await postgres.eachTenant(TenantSlice(purpose: PurposeID("all"), attributes: catalogue.attributes.map(\.id), special: special,
                                                          readsDecisions: false), opener: opener) { _, state in add(state) }
        }
        return found
    }

    /// Syncs the office desk (PostgreSQL) so what it recorded reaches the centre.
    private func syncOffice() async throws {
        guard let office else { return }
        _ = try await SyncClient(database: office, transport: LocalTransport(store: store, device: office.device.rawValue)).syncOnce()
    }

    /// Records changes made by staff at the centre.
    @discardableResult
    func record(_ changes: [ChangeRequest]) async throws -> [StoredEvent] {
        if let sqlite { return try sqlite.record(changes) }
        guard let office else { return [] }
        try await syncOffice()
        let stored = try office.record(changes)
        try await syncOffice()
        return stored
    }

    /// Sets or clears a marker at the centre.
    func setMarker(_ marker: String, on: Bool, for ref: TenantRef, by staff: StaffID) async throws {
        if let sqlite { return try sqlite.setMarker(marker, on: on, for: ref, by: staff) }
        try await syncOffice()
        try office?.setMarker(marker, on: on, for: ref, by: staff)
        try await syncOffice()
    }

    /// A database that records like the centre does (the SQLite centre, or the office desk), for bulk loads; call `flush` after.
    var recorder: ConsentDatabase {
        get throws {
            guard let db = sqlite ?? office else { throw TestFailure("the centre has no recorder") }
            return db
        }
    }

    /// Sends what was loaded through `recorder` to the centre (PostgreSQL).
    func flush() async throws { try await syncOffice() }

    /// Every event at the centre, pulled in central order through the protocol.
    func events() async throws -> [WireEvent] {
        var cursor: Int64 = 0, events: [WireEvent] = []
        while true {
            let page = try await store.pull(after: cursor, limit: 1000)
            events += page.events
            cursor = page.cursor
            if !page.more { return events }
        }
    }

    func eventCount() async throws -> Int { try await events().count }

    /// A tenant's events in central order, as `Event`s.
    func history(_ tenant: TenantRef) async throws -> [Event] {
        try await events().filter { $0.record.tenant == tenant.rawValue }.map { $0.record.event(centralSequence: $0.central, answers: [:]) }
    }

    /// The centre's decision projection for a tenant (the `decision` table on PostgreSQL).
    func decisions(_ tenant: TenantRef) async throws -> [DecisionKey: DecisionRecord] {
        if let sqlite { return try sqlite.tenantState(tenant)?.decisions ?? [:] }
        guard let postgres else { return [:] }
        return try await postgres.transaction { connection in
            let projection = try await PostgresProjection(connection: connection, logger: postgres.logger)
            var out: [DecisionKey: DecisionRecord] = [:]
            for try await row in try await connection.query("""
                SELECT d.attribute_id, d.purpose_id, \(unescaped: PostgresProjection.decisionColumns)
                FROM decision d JOIN tenant t ON t.id = d.tenant_id WHERE t.ref = \(tenant.rawValue)
                """, logger: postgres.logger) {
                var cells = CellReader(row)
                let key = DecisionKey(AttributeID(try cells.string()), PurposeID(try cells.string()))
                out[key] = try projection.decisionRecord(&cells)
            }
            return out
        }
    }

    /// The grants held for a second person at the centre. PostgreSQL keeps no table of them: its
    /// ledger, folded in central order, is the record.
    func heldGrants(_ tenant: TenantRef) async throws -> Set<EventID> {
        if let sqlite { return Set(try sqlite.tenantState(tenant)?.heldGrants.keys ?? [:].keys) }
        return Set(TenantState.fold(tenant, try await history(tenant)).heldGrants.keys)
    }

    /// The markers the centre shows for a tenant; nil on PostgreSQL, whose marker projection is
    /// read and checked by CentralStorePostgresTests' MarkerAndErasureTests (here its ledger is).
    func markers(_ tenant: TenantRef) throws -> [String]? {
        try sqlite?.findTenant(reference: tenant)?.markers
    }

    /// What the centre's own checks find wrong: every chain, the devices' signed heads and (on
    /// PostgreSQL) the decision projection against the ledger, as `consent audit verify` runs them.
    func problems() async throws -> [String] {
        if let sqlite { return try sqlite.verify().problems + sqlite.verifySignedHeads() }
        return try await postgres?.verify().problems ?? []
    }

    /// The centre's audit log of refusals and warnings.
    func audit() async throws -> [String] {
        if let sqlite { return try sqlite.syncAudit().map(\.what) }
        return try await postgres?.auditEntries().map(\.what) ?? []
    }

    /// Rewrites `device`'s event `sequence` at the centre, as someone with direct access to its
    /// storage could: the evidence changed, its hash and the chain head recomputed (not the signed head).
    func rewrite(device: String, sequence: Int64, hash: Data) async throws {
        if let sqlite {
            let path = sqlite.path
            try sqlite.close()
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(sql: "DROP TRIGGER ledger_append_only_update")
                let no = try Int64.fetchOne(db, sql: "SELECT no FROM device WHERE id = ?", arguments: [device])
                try db.execute(sql: "UPDATE ledger SET evidence = 'rewritten', hash = ? WHERE device_no = ? AND device_seq = ?",
                               arguments: [hash, no, sequence])
                try db.execute(sql: "UPDATE chain_head SET hash = ? WHERE device_no = ?", arguments: [hash, no])
            }
            try queue.close()
            self.sqlite = try ConsentDatabase.open(at: path, validator: Shipped.content.validator, key: sharedKey)
            return
        }
        guard let databaseName else { return }
        try await Self.admin("ALTER TABLE ledger DISABLE TRIGGER ledger_append_only", database: databaseName)
        let ledger: PostgresQuery = """
            UPDATE ledger SET evidence = 'rewritten', hash = \(ByteBuffer(bytes: hash)) WHERE device_seq = \(sequence) AND device_no = (SELECT no FROM device WHERE id = \(device))
            """
        let head: PostgresQuery = "UPDATE chain_head SET hash = \(ByteBuffer(bytes: hash)) WHERE device_no = (SELECT no FROM device WHERE id = \(device))"
        try await Self.admin(ledger, database: databaseName)
        try await Self.admin(head, database: databaseName)
    }
}

/// A test's own failure with a message.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
