import ConsentCore
import ConsentRegister
import ConsentStore
import Foundation
import GRDB
import Testing
import TestSupport

/// A thousand random edits to a ledger made with file access (triggers dropped), each on a fresh
/// copy: `ledger verify` must notice every one. Edits the design allows (the sync columns
/// `central_seq` and `pushed`) are not tampering and are not made.
@Suite struct TamperTests {
    static let columns = ["device_seq", "tenant_id", "kind", "attribute_id", "purpose_id", "state", "notice_version", "language",
                          "valid_until", "values_digest", "hlc", "effective_at", "actor", "actor_id", "verification", "reason",
                          "channel", "evidence", "hash"]

    @Test func everyRandomTamperingIsDetected() throws {
        let t = try TempDatabase()
        for n in 1...4 {
            var values = annValues
            values["full-name"] = "Tenant \(n)"
            try t.db.record(register(TenantRef("T000000\(n)"), values))
            try t.db.record(decide(TenantRef("T000000\(n)"), "service-updates-email", ["email", "full-name"], .granted))
            try t.db.record(decide(TenantRef("T000000\(n)"), "equality-monitoring", ["religion", "health-needs"], .objected))
            try t.db.record(ChangeRequest(tenant: TenantRef("T000000\(n)"), payload: .correction(AttributeID("mobile"), .value("0770090012\(n)"), pending: false),
                                          actor: .staff(StaffID("S1"), verification: "dob", reason: "call"), channel: .phone, evidence: "call"))
        }
        try t.db.close()
        let original = ConsentDatabase.files(at: t.path).filter { FileManager.default.fileExists(atPath: $0) }
        let pristine = try original.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let events = 16
        var generator = SeededRandom(seed: 20_201_124) // deterministic, so any failing round reproduces
        var undetected: [String] = []
        var applied = 0
        for round in 0..<1000 {
            for (file, data) in zip(original, pristine) { try data.write(to: URL(fileURLWithPath: file)) }
            let sql = Self.tampering(&generator, events: events)
            let queue = try DatabaseQueue(path: t.path)
            let changed = try queue.writeWithoutTransaction { d -> Int in
                try d.execute(sql: "ATTACH DATABASE ? AS vault", arguments: [ConsentDatabase.vaultPath(for: t.path)])
                try d.execute(sql: "DROP TRIGGER IF EXISTS ledger_append_only_update; DROP TRIGGER IF EXISTS ledger_append_only_delete")
                do {
                    try d.execute(sql: sql)
                } catch {
                    return 0 // SQLite refused the edit (a constraint): nothing was tampered with
                }
                return d.totalChangesCount
            }
            try queue.close()
            guard changed > 0 else { continue } // the edit changed nothing
            applied += 1
            let db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key)
            if try db.verify().ok { undetected.append("round \(round): \(sql)") }
            try db.close()
        }
        #expect(undetected.isEmpty, "undetected: \(undetected.prefix(5))")
        #expect(applied >= 800, "only \(applied) of 1,000 rounds changed the files")
    }

    /// One random edit: change a field of an event, delete, duplicate or reorder events, or change,
    /// remove or blank a stored value.
    static func tampering(_ g: inout SeededRandom, events: Int) -> String {
        let seq = Int.random(in: 1...events, using: &g)
        switch Int.random(in: 0..<8, using: &g) {
        case 0, 1:
            let column = columns.randomElement(using: &g) ?? "state"
            let value = ["'x'", "'granted'", "'withdrawn'", "1", "0", "NULL", "randomblob(32)", "\(column) || ''", "\(column) + 1"].randomElement(using: &g) ?? "1"
            return "UPDATE ledger SET \(column) = \(value) WHERE device_seq = \(seq) AND \(column) IS NOT \(value)"
        case 2: return "DELETE FROM ledger WHERE device_seq = \(seq)"
        case 3:
            let other = (seq % events) + 1
            return "UPDATE ledger SET device_seq = -1 WHERE device_seq = \(seq); UPDATE ledger SET device_seq = \(seq) WHERE device_seq = \(other); "
                + "UPDATE ledger SET device_seq = \(other) WHERE device_seq = -1"
        case 4:
            return "INSERT INTO ledger (device_no, device_seq, tenant_id, kind, attribute_id, purpose_id, state, hlc, effective_at, actor, channel, hash) "
                + "SELECT device_no, device_seq + 100, tenant_id, kind, attribute_id, purpose_id, 'granted', hlc + 1, effective_at, actor, channel, hash FROM ledger WHERE device_seq = \(seq)"
        case 5:
            if Bool.random(using: &g) {
                return "UPDATE value SET value = value || 'x' WHERE device_seq = (SELECT device_seq FROM value WHERE value IS NOT NULL LIMIT 1 OFFSET \(seq % 5)) AND value IS NOT NULL"
            }
            // A sealed value: replaced by random bytes, or another row's sealed value moved here.
            let target = "device_seq = (SELECT device_seq FROM vault.value LIMIT 1 OFFSET \(seq % 5)) AND attribute_id = (SELECT attribute_id FROM vault.value LIMIT 1 OFFSET \(seq % 5))"
            return Bool.random(using: &g)
                ? "UPDATE vault.value SET sealed = randomblob(length(sealed)) WHERE \(target)"
                : "UPDATE vault.value SET sealed = (SELECT sealed FROM vault.value LIMIT 1 OFFSET \((seq + 1) % 5)) WHERE \(target)"
        case 6:
            let table = Bool.random(using: &g) ? "value" : "vault.value"
            return "DELETE FROM \(table) WHERE device_seq = (SELECT device_seq FROM \(table) LIMIT 1 OFFSET \(seq % 5)) AND attribute_id = (SELECT attribute_id FROM \(table) LIMIT 1 OFFSET \(seq % 5))"
        default:
            if Bool.random(using: &g) {
                return "UPDATE value SET value = NULL, salt = NULL WHERE salt IS NOT NULL AND device_seq = (SELECT device_seq FROM value WHERE salt IS NOT NULL LIMIT 1 OFFSET \(seq % 4))"
            }
            return "UPDATE vault.value SET sealed = NULL, key_id = NULL WHERE sealed IS NOT NULL AND device_seq = (SELECT device_seq FROM vault.value WHERE sealed IS NOT NULL LIMIT 1 OFFSET \(seq % 4))"
        }
    }
}
