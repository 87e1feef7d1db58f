import ConsentCore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

extension ConsentDatabase {
    /// Sets a tenant's sign-in PIN: the hash goes to the credential table, and the ledger records
    /// (in the same transaction) that it changed, by whom and how.
    public func setPIN(_ pin: String, for ref: TenantRef, actor: Actor, channel: Channel) throws(StoreError) {
        try storePIN(pin, for: ref, actor: actor, channel: channel, spendingCode: false)
    }

    /// Stores a PIN's hash (and, after a first sign-in with a code, spends the code) with its ledger entry.
    func storePIN(_ pin: String, for ref: TenantRef, actor: Actor, channel: Channel, spendingCode: Bool) throws(StoreError) {
        let secret = try newSecretHash(pin)
        try credentialChange("pin-set", for: ref, actor: actor, channel: channel) { db, tenantID, now, _ in
            try db.execute(sql: "INSERT OR REPLACE INTO credential (tenant_id, kdf, salt, hash, set_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [tenantID, secret.kdf, secret.salt, secret.hash, Millis.from(now)])
            if spendingCode { try db.execute(sql: "DELETE FROM sign_in_code WHERE tenant_id = ?", arguments: [tenantID]) }
        }
    }

    /// Records a credential change in the ledger and applies `change` to the credential tables, in
    /// one transaction: the record of who changed a sign-in secret never goes missing.
    func credentialChange(
        _ what: String, for ref: TenantRef, actor: Actor, channel: Channel,
        _ change: (_ db: Database, _ tenantID: Int64, _ now: Date, _ effective: Date) throws -> Void
    ) throws(StoreError) {
        let now = clock()
        let request = ChangeRequest(tenant: ref, payload: .credentialChange(what), actor: actor, channel: channel)
        try writeLedger { db in
            var appender = try LedgerAppender(db, device: device, catalogue: catalogue, vault: vaultContext, centre: isCentre, wallClock: clock)
            let stored = try appender.append(request, now: now)
            try appender.finish()
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM tenant WHERE ref = ?", arguments: [ref.rawValue]) else {
                throw StoreError.unknownTenant(ref)
            }
            try change(db, id, now, stored.event.effectiveAt)
        }
    }

    /// Whether `pin` is the tenant's PIN. False for an unknown tenant or one without a PIN, after
    /// the same work, so timing does not tell which (``secretMatches(_:_:)``).
    public func checkPIN(_ pin: String, for ref: TenantRef) throws(StoreError) -> Bool {
        let row = try read { db in
            try Row.fetchOne(db, sql: """
                SELECT c.kdf, c.salt, c.hash FROM credential c JOIN tenant t ON t.id = c.tenant_id WHERE t.ref = ?
                """, arguments: [ref.rawValue])
        }
        return try secretMatches(pin, row.flatMap(StoredSecret.init))
    }
}
