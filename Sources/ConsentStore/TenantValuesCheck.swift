import ConsentCore
import Foundation
import GRDB
import SyncProtocol

extension ConsentDatabase {
    /// `consent ledger verify`'s check of `tenant_values`: each tenant's row holds exactly its
    /// `current_value` rows (attribute, status, source event, clock, writer) with the text of each one's value row
    /// (none for a special category, "prefer not to say" or an erased value), no more and no fewer, and every row
    /// belongs to a tenant. `verifyProjection` proves `current_value`
    /// equal to the fold of the ledger, so together they prove the row the export reads equal to the fold.
    /// One ordered scan of each table, merged, so memory stays flat.
    static func verifyTenantValues(_ db: Database, _ report: inout VerificationReport) throws {
        let current = try RawStatement(db, """
            SELECT c.tenant_id, c.attribute_id, c.status, c.source_device, c.source_seq, c.hlc, d.id, v.value
            FROM current_value c LEFT JOIN device d ON d.no = c.writer_device \(LeanCurrentValue.textJoin("c.", as: "v"))
            ORDER BY c.tenant_id, c.attribute_id
            """)
        let rows = try RawStatement(db, "SELECT tenant_id, cells FROM tenant_values ORDER BY tenant_id")
        defer {
            current.done()
            rows.done()
        }
        let names = try NumberedCells.numbers(db)
        var hasCurrent = try current.step()
        var hasRow = try rows.step()
        var reported = 0
        func problem(_ tenantID: Int64, _ what: String) throws {
            reported += 1
            guard reported <= VerificationReport.limit else { return }
            let ref = try String.fetchOne(db, sql: "SELECT ref FROM tenant WHERE id = ?", arguments: [tenantID]).map { "tenant \($0)" }
            report.problem("\(ref ?? "a tenant no longer registered (id \(tenantID))"): \(what)")
        }
        while hasCurrent || hasRow {
            let next = [hasCurrent ? current.int64(0) : nil, hasRow ? rows.int64(0) : nil].compactMap { $0 }.min() ?? 0
            var expected: [String: Expected] = [:]
            while hasCurrent, current.int64(0) == next {
                expected[current.string(1) ?? ""] = Expected(
                    status: current.string(2) ?? "", sourceDevice: current.int64(3) ?? 0, sourceSequence: current.int64(4) ?? 0,
                    hlc: current.int64(5) ?? 0, writer: current.string(6) ?? "", value: current.string(7))
                hasCurrent = try current.step()
            }
            var found: [String: Expected]?
            if hasRow, rows.int64(0) == next {
                found = rows.withBytes(1) { bytes in Self.decodedCells(bytes, names: names) }
                if found == nil { try problem(next, "the projection's row of current values is damaged") }
                hasRow = try rows.step()
            } else {
                found = [:]
            }
            guard let found else { continue }
            if found != expected {
                let attributes = Set(found.keys).union(expected.keys).filter { found[$0] != expected[$0] }.sorted()
                try problem(next, "the projection's row of current values differs from the ledger (\(attributes.joined(separator: ", ")))")
            }
        }
    }

    /// A row's cells by attribute, as `current_value` would hold them (`names`: the attributes by their numbers); nil
    /// when damaged, an attribute repeats or a number names no attribute.
    private static func decodedCells(_ bytes: UnsafeRawBufferPointer, names: [Int64: AttributeID]) -> [String: Expected]? {
        guard let cells = ValueCells.cells(bytes) else { return nil }
        var out: [String: Expected] = [:]
        func text(_ range: Range<Int>) -> String { String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
        for cell in cells {
            guard let attribute = cell.attributeNumber.map({ names[$0]?.rawValue }) ?? text(cell.attribute) else { return nil }
            guard out[attribute] == nil else { return nil }
            out[attribute] = Expected(status: cell.statusName ?? "?\(cell.status)", sourceDevice: cell.sourceDevice,
                                      sourceSequence: cell.sourceSequence, hlc: cell.hlc, writer: text(cell.writer),
                                      value: cell.value.map(text))
        }
        return out
    }

    /// One `current_value` row without its key.
    private struct Expected: Equatable {
        var status: String
        var sourceDevice: Int64
        var sourceSequence: Int64
        var hlc: Int64
        var writer: String
        var value: String?
    }
}
