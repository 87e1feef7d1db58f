import ConsentCore
import ConsentVault
import Foundation
import GRDB

/// Changes recorded inside one transaction, one at a time, so a million-row import or demo
/// needs no million-element array. Obtained from ``ConsentDatabase/batch(_:)``.
public struct RecordBatch {
    private var appender: LedgerAppender
    private let validator: Validator
    private let now: Date

    /// Whether the batch listed vault values as due for erasure.
    var queuedVaultErasures: Bool { appender.queuedVaultErasures }

    init(appender: LedgerAppender, validator: Validator, now: Date) {
        self.appender = appender
        self.validator = validator
        self.now = now
    }

    /// The member of staff with this id, read inside the batch's transaction.
    public func staffMember(_ id: String) throws -> StaffMember? {
        try appender.staffMember(id)
    }

    /// Which of `tenants` have a ledger event after `position` (the ledger's `position`), read inside the batch's
    /// transaction: what a run planned from a read before it must leave alone.
    public func tenantsChanged(after position: Int64, among tenants: Set<String>) throws -> Set<String> {
        guard !tenants.isEmpty else { return [] }
        let refs = Array(tenants)
        var changed = Set<String>()
        for start in stride(from: 0, to: refs.count, by: 500) {
            let chunk = Array(refs[start..<min(start + 500, refs.count)])
            let marks = chunk.map { _ in "?" }.joined(separator: ",")
            changed.formUnion(try String.fetchAll(appender.db, sql: """
                SELECT DISTINCT t.ref FROM ledger l JOIN tenant t ON t.id = l.tenant_id WHERE l.position > ? AND t.ref IN (\(marks))
                """, arguments: StatementArguments([position]) + StatementArguments(chunk)))
        }
        return changed
    }

    /// Checks and appends one change. A thrown error rolls back the whole batch.
    @discardableResult
    public mutating func record(_ request: ChangeRequest) throws -> StoredEvent {
        let checked: ChangeRequest
        do { checked = try ChangeRules.check(request, validator: validator, now: now) } catch { throw StoreError.refused(error) }
        return try appender.append(checked, now: now)
    }
}

extension ConsentDatabase {
    /// Runs `body` in one write transaction: everything it records commits together, or — when it
    /// throws — nothing does. The error `body` throws is rethrown as it was. `bulk` (an import, the
    /// demo: many registrations) builds each tenant's `tenant_values` row once at the end instead of
    /// cell by cell (``TenantValueDeferral``).
    public func batch<T>(bulk: Bool = false, _ body: (inout RecordBatch) throws -> T) throws -> T {
        let now = clock()
        var failure: (any Error)?
        let result: T, erasures: Bool
        do {
            (result, erasures) = try writeLedger { db in
                var batch = RecordBatch(appender: try LedgerAppender(db, device: device, catalogue: catalogue, vault: vaultContext, centre: isCentre,
                                                                     wallClock: clock, bulk: bulk),
                                        validator: validator, now: now)
                do {
                    let result = try body(&batch)
                    try batch.finish()
                    return (result, batch.queuedVaultErasures)
                } catch {
                    failure = error
                    throw error
                }
            }
        } catch {
            throw failure ?? error
        }
        if erasures { try applyDueErasures() }
        return result
    }
}

extension RecordBatch {
    fileprivate mutating func finish() throws { try appender.finish() }
}
