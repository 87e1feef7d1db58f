import ConsentCore
import Foundation

/// What a retention run reads at a centre, for SQLite and PostgreSQL alike: the SQL of each projection
/// it reads, and the fold of their rows into each tenant's ``Retention/Facts``. Each store runs the
/// queries in one read and feeds the rows in; ``outcome(catalogue:now:dryRun:)`` says what is due.
///
///     var scan = RetentionScan()
///     for row in heldRows { scan.held(row.tenant, ref: row.ref, attribute: row.attribute, hlc: row.hlc) }
///     // … markers, tenancy ends, decisions, disclosures …
///     let outcome = scan.outcome(catalogue: catalogue, now: Date(), dryRun: true)
public struct RetentionScan: Sendable {
    /// Each value held (not erased): tenant id, reference, attribute, HLC (packed) of its recording.
    public static let heldQuery = """
        SELECT c.tenant_id, t.ref, c.attribute_id, c.hlc FROM current_value c JOIN tenant t ON t.id = c.tenant_id
        WHERE c.status <> 'erased'
        """
    /// Each staff marker set now: tenant id, reference, marker, HLC (packed) of its setting.
    public static let markersQuery = """
        SELECT m.tenant_id, t.ref, m.marker, m.hlc FROM tenant_marker m JOIN tenant t ON t.id = m.tenant_id WHERE m.active
        """
    /// Each tenancy end date held: tenant id, the date as entered.
    public static let tenancyEndsQuery = """
        SELECT c.tenant_id, v.value FROM current_value c
        JOIN value v ON v.device_no = c.source_device AND v.device_seq = c.source_seq AND v.attribute_id = c.attribute_id
        WHERE c.attribute_id = '\(Retention.tenancyEndAttribute.rawValue)' AND c.status = 'value'
        """
    /// Each current decision: tenant id, purpose, attribute, state, effective time and end (ms).
    public static let decisionsQuery = "SELECT tenant_id, purpose_id, attribute_id, state, effective_at, valid_until FROM decision"
    /// When each tenant's data were last sent under each purpose: tenant id, purpose, time (ms).
    public static let sentQuery = """
        SELECT d.tenant_id, e.purpose_id, max(e.at) FROM disclosure d JOIN export e ON e.no = d.export_no GROUP BY d.tenant_id, e.purpose_id
        """

    private var byTenant: [Int64: Retention.Facts] = [:]

    public init() {}

    /// A value held for tenant `id`, recorded at `hlc`.
    public mutating func held(_ id: Int64, ref: String, attribute: String, hlc: Int64) {
        byTenant[id, default: Retention.Facts(tenant: TenantRef(ref), held: [:])].held[AttributeID(attribute)] = Self.date(hlc)
    }

    /// A staff marker set on tenant `id` at `hlc`.
    public mutating func marker(_ id: Int64, ref: String, marker: String, hlc: Int64) {
        byTenant[id, default: Retention.Facts(tenant: TenantRef(ref), held: [:])].markers[marker] = Self.date(hlc)
    }

    /// The tenancy end date held for tenant `id` (ignored when it is not a date, or the tenant holds nothing).
    public mutating func tenancyEnd(_ id: Int64, value: String?) {
        if let value, let day = Validator.dayStart(value) { byTenant[id]?.tenancyEnd = day }
    }

    /// A current decision of tenant `id` (ignored when the tenant holds nothing, or the state is unknown).
    public mutating func decision(_ id: Int64, purpose: String, attribute: String, state: String, effectiveAt: Int64, validUntil: Int64?) {
        guard byTenant[id] != nil, let state = DecisionState(rawValue: state) else { return }
        byTenant[id]?.decisions[Retention.Use(PurposeID(purpose), AttributeID(attribute))] =
            Retention.Decided(state: state, effectiveAt: Millis.date(effectiveAt), validUntil: validUntil.map(Millis.date))
    }

    /// When tenant `id`'s data were last sent under `purpose`.
    public mutating func sent(_ id: Int64, purpose: String, at: Int64) {
        byTenant[id]?.lastSent[PurposeID(purpose)] = Millis.date(at)
    }

    /// Every tenant read that holds a value or a marker, in tenant order.
    public var facts: [Retention.Facts] { byTenant.keys.sorted().compactMap { byTenant[$0] } }

    /// What no purpose may keep any longer at `now`.
    public func outcome(catalogue: Catalogue, now: Date, dryRun: Bool) -> RetentionOutcome {
        let facts = self.facts
        let erasures = facts.flatMap { facts in
            Retention.due(facts, catalogue: catalogue, now: now).map { Retention.Erasure(tenant: facts.tenant, attribute: $0) }
        }
        let clearings = facts.flatMap { facts in
            Retention.markersDue(facts, catalogue: catalogue, now: now).map { Retention.MarkerClearing(tenant: facts.tenant, marker: $0) }
        }
        return RetentionOutcome(erasures: erasures, markersCleared: clearings, tenantsChecked: byTenant.count, dryRun: dryRun)
    }

    private static func date(_ hlc: Int64) -> Date { Millis.date(HLCTimestamp(packed: hlc).millis) }
}

/// What a retention run found, or erased.
public struct RetentionOutcome: Codable, Sendable, Equatable {
    /// The values due (erased, unless this was a dry run), tenant by tenant.
    public var erasures: [Retention.Erasure]
    /// The staff markers due (cleared, unless this was a dry run), tenant by tenant.
    public var markersCleared: [Retention.MarkerClearing]
    /// How many tenants were looked at.
    public var tenantsChecked: Int
    /// Whether anything was written.
    public var dryRun: Bool
    /// Tenants due for something whom a change reached after the run read the register: left for the next run,
    /// which looks at them again (a grant or a value given meanwhile must not be erased by an older plan).
    public var changedDuringRun: [TenantRef] = []

    public init(erasures: [Retention.Erasure], markersCleared: [Retention.MarkerClearing], tenantsChecked: Int, dryRun: Bool) {
        self.erasures = erasures
        self.markersCleared = markersCleared
        self.tenantsChecked = tenantsChecked
        self.dryRun = dryRun
    }

    /// Takes `tenants` out of what the run did, into ``changedDuringRun``.
    public mutating func leaveOut(_ tenants: Set<String>) {
        guard !tenants.isEmpty else { return }
        erasures.removeAll { tenants.contains($0.tenant.rawValue) }
        markersCleared.removeAll { tenants.contains($0.tenant.rawValue) }
        changedDuringRun = tenants.sorted().map { TenantRef($0) }
    }

    /// How many changes go into one ledger transaction: a run stopped part-way has done whole batches.
    public static let batch = 500

    /// The ledger changes that carry the run out: an erasure per value and a clearing per marker, by
    /// ``Retention/actor`` on the system channel.
    public var changes: [ChangeRequest] {
        erasures.map {
            ChangeRequest(tenant: $0.tenant, payload: .erasure($0.attribute), actor: Retention.actor, channel: .system,
                          evidence: "retention rule of every purpose using it has ended")
        } + markersCleared.map {
            ChangeRequest(tenant: $0.tenant, payload: .marker($0.marker, set: false), actor: Retention.actor, channel: .system,
                          evidence: "retention rule of the purpose holding it has ended")
        }
    }

    /// The audit log's line for the run by `who`: counts only, no reference or value.
    public func auditLine(by who: String) -> String {
        let tenants = Set(erasures.map(\.tenant) + markersCleared.map(\.tenant)).count
        let markers = markersCleared.count
        let what = "retention \(dryRun ? "dry run" : "run") by \(TextSafety.displaySafe(who)): \(erasures.count) values and "
            + "\(markers) marker\(markers == 1 ? "" : "s") of \(tenants) tenants \(dryRun ? "due" : "erased or cleared") (\(tenantsChecked) tenants checked)"
        return String(what.prefix(1_000))
    }
}

extension Retention {
    /// The device name under which a PostgreSQL centre records its own retention run (a chain of its own that no
    /// device may enrol as: `WireCheck.enrolmentProblem`). A SQLite centre records it under its own device.
    public static let centreChain = "centre-retention"
}
