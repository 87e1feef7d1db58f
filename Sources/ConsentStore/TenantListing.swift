import ConsentCore
import Foundation
import GRDB
import SyncProtocol

/// One line of a database file's audit log (`sync_audit`): what happened, when, and the device it concerns.
public struct AuditEntry: Codable, Sendable, Equatable {
    public var at: Date
    /// The device concerned, for sync events; nil for what happened here.
    public var device: String?
    public var what: String
}

extension ConsentDatabase {
    /// The most tenants one listing shows: a page for finding someone, not a copy of the register, which
    /// leaves only through an export (a disclosure recorded per tenant).
    public static let listingLimit = 100

    /// Up to `limit` (at most ``listingLimit``) tenants after `after`, in reference order, recorded in the
    /// audit log in the same transaction as they are read: who listed, why, how many and the first and
    /// last reference shown (never the names).
    ///
    ///     let page = try db.listTenants(limit: 100, after: nil, by: "alice", reason: "finding a caller's reference")
    public func listTenants(limit: Int, after: String?, by who: String, reason: String, now: Date = Date()) throws(StoreError) -> [TenantSummary] {
        try write { db in
            let page = try Self.tenantPage(db, limit: max(0, min(limit, Self.listingLimit)), after: after)
            let shown = page.first.map { first in " (\(first.reference) … \(page.last?.reference ?? first.reference))" } ?? ""
            let what = "tenant list by \(TextSafety.displaySafe(who)), reason: \(TextSafety.displaySafe(reason)): \(page.count) tenants shown\(shown)"
            try db.execute(sql: "INSERT INTO sync_audit (at, device, what) VALUES (?, NULL, ?)",
                           arguments: [Millis.from(now), String(what.prefix(1_000))])
            return page
        }
    }

    /// This file's audit log, oldest first: listings of tenants, and at a centre or device what sync noted.
    public func auditLog() throws(StoreError) -> [AuditEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT at, device, what FROM sync_audit ORDER BY id").map {
                AuditEntry(at: Millis.date($0["at"]), device: $0["device"], what: $0["what"])
            }
        }
    }
}
