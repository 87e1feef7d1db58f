import ConsentCore
@testable import ConsentStore
import Foundation
import GRDB
import TestSupport
import SyncProtocol
import Testing

/// The projection's one row per tenant of current values (`tenant_values`, issue 20): the export
/// reads ordinary values from it, so it must follow every change the ledger records, be filled in
/// files made before it, stop an export when damaged, and be checked against the fold by `verify`.
@Suite struct TenantValuesTests {
    static let ordinary = ["full-name", "date-of-birth", "address", "postcode", "email", "mobile"].map { AttributeID($0) }
    static let special: Set<AttributeID> = [AttributeID("religion"), AttributeID("health-needs"), AttributeID("ethnic-origin")]
    /// A value holding the row's own delimiters (digits, `:`, `,`, `-`) and text beyond ASCII.
    static let awkwardAddress = "12:3-5, Mill Road - 9:0, ścieżka — لازم"

    var slice: TenantSlice {
        TenantSlice(purpose: PurposeID("tenancy-management"), attributes: Self.ordinary + Self.special.sorted(), special: Self.special,
                    readsDecisions: false)
    }

    /// What the export reads of each tenant (the sliced scan) against the whole read of the projection,
    /// attribute by attribute; returns the sliced states.
    @discardableResult
    func expectExportReadsTheProjection(_ t: TempDatabase, sourceLocation: SourceLocation = #_sourceLocation) throws -> [TenantRef: TenantState] {
        var seen: [TenantRef: TenantState] = [:]
        _ = try t.db.eachTenant(slice) { ref, state in seen[ref] = state }
        #expect(seen.count == (try t.db.tenantCount()), sourceLocation: sourceLocation)
        for (ref, state) in seen {
            let whole = try #require(try t.db.tenantState(ref))
            for attribute in slice.attributes {
                #expect(state.value(attribute) == whole.value(attribute), "\(ref) \(attribute)", sourceLocation: sourceLocation)
            }
        }
        return seen
    }

    /// Takes a file back to before `tenant_values` (its migrations undone), as a file of then was.
    static let fromBefore = """
        \(LeanCurrentValueTests.undo)
        DROP TRIGGER current_value_row_insert; DROP TRIGGER current_value_row_update; DROP TRIGGER current_value_row_delete;
        DROP TABLE tenant_values;
        DELETE FROM grdb_migrations WHERE identifier IN ('\(TenantValueRow.migration)', '\(TenantValueRow.appendMigration)',
                                                         '\(TenantValueRow.sharedSourceMigration)');
        """

    /// Every table, index and trigger of the file at `path`, as SQLite holds their SQL.
    static func schema(_ path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            try String.fetchAll(db, sql: "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name")
        }
    }

    func twoTenants() throws -> TempDatabase {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(register("T0000002", ["full-name": "Bob Jones", "postcode": "LS2 2BB"]))
        return t
    }

    @Test func theRowFollowsEveryChangeTheLedgerRecords() throws {
        let t = try twoTenants()
        try expectExportReadsTheProjection(t)
        let steps: [ChangeRequest] = [
            ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("full-name"), .value("Ann Jones"), pending: false), actor: .tenant, channel: .kiosk),
            ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("address"), .value(Self.awkwardAddress), pending: false),
                          actor: .tenant, channel: .kiosk),
            ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("mobile"), .value("07700900999"), pending: true), actor: .tenant, channel: .kiosk),
            ChangeRequest(tenant: "T0000001", payload: .erasure(AttributeID("email")), actor: .tenant, channel: .kiosk),
            ChangeRequest(tenant: "T0000001", payload: .erasure(AttributeID("ethnic-origin")), actor: .tenant, channel: .kiosk),
            ChangeRequest(tenant: "T0000002", payload: .correction(AttributeID("postcode"), .value("LS2 3BD"), pending: false), actor: .tenant, channel: .kiosk),
        ]
        for step in steps {
            try t.db.record(step)
            try expectExportReadsTheProjection(t)
            let report = try t.db.verify()
            #expect(report.ok, "\(report.problems)")
        }
        let seen = try expectExportReadsTheProjection(t)
        let ann = try #require(seen["T0000001"])
        #expect(ann.value(AttributeID("full-name")).answer == .value("Ann Jones"))
        #expect(ann.value(AttributeID("address")).answer == .value(Self.awkwardAddress))
        #expect(ann.value(AttributeID("mobile")).answer == .value("07700900123"), "a pending correction is not yet the value")
        #expect({ if case .erased = ann.value(AttributeID("email")) { true } else { false } }())
        #expect(ann.value(AttributeID("religion")).answer == .preferNotToSay)
        #expect(seen["T0000002"]?.value(AttributeID("postcode")).answer == .value("LS2 3BD"))
    }

    @Test func aTamperedRowIsCaughtByVerify() throws {
        let t = try twoTenants()
        #expect(try t.db.verify().ok)
        // Same length, so the row still reads: only the comparison with the ledger can tell.
        try t.tamper("UPDATE tenant_values SET cells = replace(cells, 'Ann Smith', 'Eve Smith')")
        let report = try t.db.verify()
        #expect(!report.ok)
        #expect(report.problems.contains { $0.contains("tenant T0000001") && $0.contains("row of current values") && $0.contains("full-name") },
                "\(report.problems)")
        #expect(!report.problems.contains { $0.contains("T0000002") })
    }

    @Test func aMissingOrStrayRowIsCaughtByVerify() throws {
        let t = try twoTenants()
        try t.tamper("""
            DELETE FROM tenant_values WHERE tenant_id = (SELECT id FROM tenant WHERE ref = 'T0000002');
            INSERT INTO tenant_values (tenant_id, cells) VALUES (999, '9:full-namev1,1,1,10:kiosk-test3:Eve');
            """)
        let report = try t.db.verify()
        #expect(report.problems.contains { $0.contains("tenant T0000002") && $0.contains("full-name") && $0.contains("postcode") }, "\(report.problems)")
        #expect(report.problems.contains { $0.contains("no longer registered (id 999)") }, "\(report.problems)")
        #expect(!report.problems.contains { $0.contains("T0000001") })
    }

    @Test func aDamagedRowStopsTheExportAndIsReported() throws {
        let t = try twoTenants()
        try t.tamper("UPDATE tenant_values SET cells = '9:full-namev1,1' WHERE tenant_id = (SELECT id FROM tenant WHERE ref = 'T0000002')")
        #expect(throws: StoreError.damagedProjection("T0000002")) {
            _ = try t.db.eachTenant(slice) { _, _ in }
        }
        let report = try t.db.verify()
        #expect(report.problems.contains { $0.contains("tenant T0000002") && $0.contains("damaged") }, "\(report.problems)")
    }

    /// An ordinary value whose text is gone from the projection (the row says "value", its text is NULL) is not an
    /// empty answer: the export and the kiosk's read both show it unavailable, so the gate withholds it, and
    /// `verify` names it. Before, both read it as the answer "".
    @Test func aValueWithNoTextReadsAsUnavailableNotAsAnEmptyAnswer() throws {
        let t = try twoTenants()
        try t.tamper("UPDATE value SET value = NULL WHERE attribute_id = 'postcode' AND tenant_id = (SELECT id FROM tenant WHERE ref = 'T0000002')")
        let seen = try expectExportReadsTheProjection(t)
        #expect(seen["T0000002"]?.value(AttributeID("postcode")).isUnavailable == true,
                "\(String(describing: seen["T0000002"]?.value(AttributeID("postcode"))))")
        #expect(seen["T0000002"]?.value(AttributeID("full-name")).answer == .value("Bob Jones"), "the tenant's other values are read")
        #expect(!(try t.db.verify().ok))
    }

    /// A cell whose status letter is none of `v`, `p`, `e` is not read as a value: the export stops, naming the tenant.
    @Test func aCellWithAnUnknownStatusStopsTheExport() throws {
        let t = try twoTenants()
        let fullName = NumberedCellsTests.head("full-name")
        try t.tamper("UPDATE tenant_values SET cells = replace(cells, \(fullName) || 'v', \(fullName) || 'x') WHERE tenant_id = (SELECT id FROM tenant WHERE ref = 'T0000002')")
        #expect(throws: StoreError.damagedProjection("T0000002")) {
            _ = try t.db.eachTenant(slice) { _, _ in }
        }
    }

    /// A file made before the row existed: the migration fills it in the same transaction as it adds the
    /// table, and the export and `verify` then read the same values as before.
    @Test func aFileFromBeforeIsMigrated() throws {
        let t = try twoTenants()
        try t.db.record(ChangeRequest(tenant: "T0000002", payload: .erasure(AttributeID("postcode")), actor: .tenant, channel: .kiosk))
        let before = try expectExportReadsTheProjection(t)
        try t.db.close()
        let schema = try Self.schema(t.path)
        let queue = try DatabaseQueue(path: t.path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: Self.fromBefore) }
        try queue.close()
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key)
        // Both migrations ran again: the file's tables and triggers are those of a file made today.
        #expect(try Self.schema(t.path) == schema)
        let after = try expectExportReadsTheProjection(t)
        for (ref, state) in before {
            for attribute in slice.attributes { #expect(after[ref]?.value(attribute) == state.value(attribute), "\(ref) \(attribute)") }
        }
        #expect(after["T0000001"]?.value(AttributeID("full-name")).answer == .value("Ann Smith"))
        #expect(try t.db.verify().ok)
        // And the triggers came with it: a later change reaches the row.
        try t.db.record(ChangeRequest(tenant: "T0000002", payload: .correction(AttributeID("full-name"), .value("Robert Jones"), pending: false),
                                      actor: .tenant, channel: .kiosk))
        #expect(try expectExportReadsTheProjection(t)["T0000002"]?.value(AttributeID("full-name")).answer == .value("Robert Jones"))
    }

    /// The text of tenant `ref`'s row.
    func cells(_ t: TempDatabase, _ ref: String) throws -> String {
        let queue = try DatabaseQueue(path: t.path)
        defer { try? queue.close() }
        return try queue.read { db in
            try String.fetchOne(db, sql: "SELECT cells FROM tenant_values WHERE tenant_id = (SELECT id FROM tenant WHERE ref = ?)", arguments: [ref]) ?? ""
        }
    }

    /// How often `part` occurs in `text`.
    func occurrences(of part: String, in text: String) -> Int { text.components(separatedBy: part).count - 1 }

    /// A registration's values share one source, written once at the head of the row; a correction's cell carries
    /// its own, whichever path wrote the row (the appending insert trigger, or a rewrite after an update).
    @Test func aRowWritesItsRegistrationsSourceOnce() throws {
        let t = try twoTenants()
        let registered = try cells(t, "T0000001")
        // Ann's 9 values, every one from her registration: the device's name once, 9 cells holding `=`.
        #expect(occurrences(of: "kiosk-test", in: registered) == 1, "\(registered)")
        #expect(registered.hasPrefix("1,1,"), "\(registered)")
        for attribute in annValues.keys {
            let head = "#\(try NumberedCellsTests.number(t, attribute))"
            #expect(registered.contains("\(head)v=") || registered.contains("\(head)p="), "\(attribute)")
        }

        try t.db.record(ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("full-name"), .value("Ann Jones"), pending: false),
                                      actor: .tenant, channel: .kiosk))
        let corrected = try cells(t, "T0000001")
        #expect(occurrences(of: "kiosk-test", in: corrected) == 2, "\(corrected)")
        #expect(corrected.contains("#\(try NumberedCellsTests.number(t, "full-name"))v1,3,"), "the correction's cell names its own event: \(corrected)")
        #expect(corrected.count < registered.count + 40, "\(registered) → \(corrected)")
        try expectExportReadsTheProjection(t)
        #expect(try t.db.verify().ok)
    }

    /// Someone with the file edits a row's shared source (its device number 1 becomes 11): the row still reads, so
    /// only `verify`'s comparison with the projection can tell, and it names every value that took that source.
    @Test func anEditedSharedSourceIsCaughtByVerify() throws {
        let t = try twoTenants()
        try t.tamper("UPDATE tenant_values SET cells = '1' || cells WHERE tenant_id = (SELECT id FROM tenant WHERE ref = 'T0000001')")
        #expect(try cells(t, "T0000001").hasPrefix("11,"))
        var read: [TenantRef: TenantState] = [:]
        _ = try t.db.eachTenant(slice) { ref, state in read[ref] = state }
        #expect(read["T0000001"]?.value(AttributeID("full-name")).answer == .value("Ann Smith"), "the edited row still reads")
        let report = try t.db.verify()
        #expect(report.problems.contains { $0.contains("tenant T0000001") && $0.contains("full-name") && $0.contains("postcode") },
                "\(report.problems)")
        #expect(!report.problems.contains { $0.contains("T0000002") })
    }

    /// The row of tenant id 900 after `sql` runs on the file with its triggers (no register row: only the text is
    /// looked at), and its cells read back. The store's connection must be closed first.
    func rowAfter(_ t: TempDatabase, _ sql: String) throws -> (text: String, cells: [(attribute: String, source: String, value: String?)]) {
        let queue = try DatabaseQueue(path: t.path)
        defer { try? queue.close() }
        try queue.write { db in try db.execute(sql: sql) }
        let text = try queue.read { db in try String.fetchOne(db, sql: "SELECT cells FROM tenant_values WHERE tenant_id = 900") } ?? ""
        let cells = try #require(Array(text.utf8).withUnsafeBytes { bytes in
            ValueCells.cells(bytes).map { cells in
                cells.map { cell in
                    let text = { (range: Range<Int>) in String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
                    return (text(cell.attribute), "\(cell.sourceDevice),\(cell.sourceSequence),\(cell.hlc),\(text(cell.writer))", cell.value.map(text))
                }
            }
        })
        return (text, cells)
    }

    static func insert(_ attribute: String, _ device: Int, _ seq: Int, _ hlc: Int, _ writer: String, _ value: String) -> String {
        """
        INSERT OR IGNORE INTO device (id) VALUES ('\(writer)');
        INSERT OR REPLACE INTO value (device_no, device_seq, attribute_id, tenant_id, value, prefer_not, digest)
            VALUES (\(device), \(seq), '\(attribute)', 900, '\(value)', 0, X'00000000');
        INSERT OR IGNORE INTO attribute (id) VALUES ('\(attribute)');
        INSERT INTO current_value (tenant_id, attribute_id, status, source_device, source_seq, hlc, writer_device)
            VALUES (900, '\(attribute)', 'value', \(device), \(seq), \(hlc), (SELECT no FROM device WHERE id = '\(writer)'));
        """
    }

    /// Sequence numbers are each device's own, so they do not say which value came first: a correction from a device
    /// whose counter is low must not become the shared source when the row is rewritten. The earliest clock does.
    @Test func theSharedSourceIsTheEarliestValueByClockWhateverTheDevice() throws {
        let t = try TempDatabase()
        try t.db.close()
        let row = try rowAfter(t, Self.insert("a", 5, 1000, 100, "kiosk", "x") + Self.insert("b", 5, 1000, 100, "kiosk", "y")
            + Self.insert("c", 5, 1000, 100, "kiosk", "z")
            // c corrected from the centre (sequence 3, a later clock), then b rewritten the same: the row is written again.
            + "DELETE FROM current_value WHERE tenant_id = 900 AND attribute_id = 'c';" + Self.insert("c", 1, 3, 200, "centre", "zz")
            + "UPDATE current_value SET hlc = hlc WHERE tenant_id = 900 AND attribute_id = 'b';")
        #expect(row.text.hasPrefix("5,1000,100,5:kiosk;"), "\(row.text)")
        let (a, b, c) = (try NumberedCellsTests.number(t, "a"), try NumberedCellsTests.number(t, "b"), try NumberedCellsTests.number(t, "c"))
        #expect(row.text.contains("#\(a)v=") && row.text.contains("#\(b)v=") && row.text.contains("#\(c)v1,3,200,6:centre"), "\(row.text)")
        #expect(row.cells.map(\.source).sorted() == ["1,3,200,centre", "5,1000,100,kiosk", "5,1000,100,kiosk"])
    }

    /// A writer holding the row's delimiters and text beyond ASCII: the insert trigger's check of the row's leading
    /// source (by characters on both sides) still finds it, and so does a rewrite.
    @Test func aWriterHoldingDelimitersAndNonASCIIIsSharedByBothPaths() throws {
        let t = try TempDatabase()
        try t.db.close()
        let writer = "dé;v,:ü=1"
        let appended = try rowAfter(t, Self.insert("a", 2, 7, 100, writer, "x") + Self.insert("b", 2, 7, 100, writer, "ÿ;"))
        let (a, b) = (try NumberedCellsTests.number(t, "a"), try NumberedCellsTests.number(t, "b"))
        #expect(appended.text == "2,7,100,\(writer.utf8.count):\(writer);#\(a)v=1:x#\(b)v=3:ÿ;", "\(appended.text)")
        let rewritten = try rowAfter(t, "UPDATE value SET value = 'w' WHERE tenant_id = 900 AND attribute_id = 'a';"
                                       + "UPDATE current_value SET hlc = hlc WHERE tenant_id = 900 AND attribute_id = 'a';")
        #expect(rewritten.text == "2,7,100,\(writer.utf8.count):\(writer);#\(a)v=1:w#\(b)v=3:ÿ;", "\(rewritten.text)")
        #expect(rewritten.cells.allSatisfy { $0.source == "2,7,100,\(writer)" })
    }

    /// A file whose rows were written before the shared source: the migration rewrites every row, and the export and
    /// `verify` read the same values as before.
    @Test func rowsWrittenWithoutASharedSourceAreRewritten() throws {
        let t = try twoTenants()
        try t.db.record(ChangeRequest(tenant: "T0000002", payload: .erasure(AttributeID("postcode")), actor: .tenant, channel: .kiosk))
        let before = try expectExportReadsTheProjection(t)
        let rewritten = try cells(t, "T0000001")
        try t.db.close()
        // The rows as the migration before wrote them: every cell with its own source.
        let length = { (text: String) in "length(CAST(\(text) AS BLOB))" }
        let queue = try DatabaseQueue(path: t.path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: """
                \(LeanCurrentValueTests.undo)
                DELETE FROM tenant_values;
                INSERT INTO tenant_values (tenant_id, cells) SELECT tenant_id, group_concat(\(ValueCells.cellSQL("", byteLength: length)), '')
                    FROM current_value GROUP BY tenant_id;
                DELETE FROM grdb_migrations WHERE identifier = '\(TenantValueRow.sharedSourceMigration)';
                PRAGMA user_version = 3;
                """)
        }
        try queue.close()
        let old = try cells(t, "T0000001")
        #expect(occurrences(of: "kiosk-test", in: old) == annValues.count)
        // Opening says it upgrades, once: the caller can tell why it waits.
        var upgrades = 0
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key) { upgrades += 1 }
        #expect(upgrades == 1)
        try t.db.close()
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key) { upgrades += 1 }
        #expect(upgrades == 1, "a file already upgraded opens without a word")
        // The same cells, one source (the order of cells may differ: the insert trigger appends in the order written).
        let migrated = try cells(t, "T0000001")
        #expect(occurrences(of: "kiosk-test", in: migrated) == 1, "\(migrated)")
        #expect(migrated.utf8.count == rewritten.utf8.count, "\(rewritten) → \(migrated)")
        let after = try expectExportReadsTheProjection(t)
        for (ref, state) in before {
            for attribute in slice.attributes { #expect(after[ref]?.value(attribute) == state.value(attribute), "\(ref) \(attribute)") }
        }
        #expect(try t.db.verify().ok)
    }
}
