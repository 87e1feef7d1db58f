import CentralStore
import ConsentCore
import ConsentStore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

/// Staff reveal at a SQLite centre: a staff device asks for one special-category value it cannot
/// open; the centre opens it only for a read the device recorded and pushed (`RevealCheck`).
extension ConsentDatabase {
    /// Opens one special-category value for `device` when `RevealCheck` allows it, and records in the
    /// centre's audit log that it did; every refusal is a `CentralStoreError.revealRefused`.
    public func revealAtCentre(_ request: RevealRequest, from device: String) throws(StoreError) -> RevealAnswer {
        try requireCentre()
        let now = clock()
        let attribute = AttributeID(request.attribute)
        let facts = try read { db in try Self.revealFacts(db, request, device: device) }
        if let refusal = RevealCheck.problem(request, facts, now: Millis.from(now), isSpecial: catalogue.attribute(attribute)?.isSpecial == true) {
            throw .sync(.revealRefused(refusal))
        }
        guard specialValuesAvailable else { throw .sync(.revealRefused(Self.noKey)) }
        guard let state = try tenantState(TenantRef(request.tenant)) else {
            throw .sync(.revealRefused(RevealRefusal(.unknownTenant, "the centre holds no tenant \(request.tenant.prefix(32))")))
        }
        if let refusal = RevealCheck.purposeProblem(attribute, of: state, at: now, catalogue: catalogue) { throw .sync(.revealRefused(refusal)) }
        let answer: RevealAnswer
        switch state.value(attribute) {
        case .held(.value(let text), _): answer = RevealAnswer(value: text)
        case .held(.preferNotToSay, _): answer = RevealAnswer(value: nil, preferNotToSay: true)
        case .unavailable: throw .sync(.revealRefused(Self.noKey))
        default: answer = .notHeld
        }
        try write { db in
            try Self.audit(db, at: now, device: device, what: "revealed \(request.attribute) of \(request.tenant) to \(request.staff) (a recorded read)")
        }
        return answer
    }

    static let noKey = RevealRefusal(.centreHasNoKey, "the centre cannot open special-category values: start `consent serve` with the "
        + "organisation's key file (--key-file), then ask again")

    /// What this centre knows of the request: the tenant, its office, the device's office and latest read.
    private static func revealFacts(_ db: Database, _ request: RevealRequest, device: String) throws -> RevealFacts {
        guard let enrolled = try Row.fetchOne(db, sql: "SELECT office, kind FROM sync_device WHERE id = ?", arguments: [device]) else {
            throw CentralStoreError.unauthenticated(device)
        }
        let office: String = enrolled["office"], kind = DeviceKind.recorded(enrolled["kind"])
        let numbered: (Int) -> String = { "?\($0)" }
        guard let tenant = try Row.fetchOne(db, sql: RevealCheck.tenantQuery(mark: numbered), arguments: [request.tenant, device]) else {
            return RevealFacts(tenantKnown: false, tenantOffice: nil, deviceOffice: office, deviceChangedTenant: false, access: nil, deviceKind: kind)
        }
        let access = try Row.fetchOne(db, sql: RevealCheck.accessQuery(mark: numbered),
                                      arguments: [request.tenant, device, request.attribute, request.staff]).map { row in
            RecordedAccess(actor: row["actor"], staff: row["actor_id"], channel: row["channel"], at: row["effective_at"],
                           role: (row["role"] as String?).flatMap(StaffRole.init(rawValue:)), active: (row["disabled"] as Int64?) == 0)
        }
        return RevealFacts(tenantKnown: true, tenantOffice: tenant["office"], deviceOffice: office,
                           deviceChangedTenant: (tenant["changed"] as Int64?) == 1, access: access, deviceKind: kind)
    }
}
