import ConsentCore
import Foundation

/// One export as it travels between a device and the centre: what left, to whom, when, who ran it,
/// and which tenants it named (each with the columns they got), so that a tenant sees at any kiosk
/// what was sent out about them wherever the export was made.
public struct WireExport: Codable, Hashable, Sendable {
    /// The export's id (`exp-…`, or a mailing's), the same everywhere it is recorded.
    public var id: String
    public var purpose: String
    /// The recipients it went to, `;`-separated.
    public var recipient: String
    public var columns: [String]
    /// When it was made, in milliseconds since 1970.
    public var at: Int64
    /// Who ran it (the operating system's user, or a member of staff), when recorded.
    public var `operator`: String?
    /// The device it was made on; set by the centre when it passes the export on (nil: the centre's own).
    public var origin: String?
    public var entries: [WireDisclosure]

    public init(id: String, purpose: String, recipient: String, columns: [String], at: Int64, operator: String?,
                origin: String? = nil, entries: [WireDisclosure]) {
        self.id = id
        self.purpose = purpose
        self.recipient = recipient
        self.columns = columns
        self.at = at
        self.operator = `operator`
        self.origin = origin
        self.entries = entries
    }
}

/// One tenant named by an export, and a bit mask of the export's columns they got.
public struct WireDisclosure: Codable, Hashable, Sendable {
    public var tenant: String
    public var columns: UInt64
    public init(tenant: String, columns: UInt64) {
        self.tenant = tenant
        self.columns = columns
    }
    enum CodingKeys: String, CodingKey { case tenant = "t", columns = "c" }
}

/// `POST /v1/disclosures`: the exports made on a device since it last sent any, and where it stands
/// in the centre's exports; the reply is the next exports of the centre naming its tenants.
public struct DisclosureExchange: Codable, Sendable {
    public var version: Int
    public var device: String
    /// The centre's last export number this device has taken.
    public var cursor: Int64
    public var exports: [WireExport]
    /// False when the device only sends (before its pull, so a tenant the pull takes away is still
    /// reported): the reply then carries no export and keeps the cursor. Nil means true.
    public var receive: Bool?
    /// The device's pull cursor when it sent these exports: a tenant it held then, who moved to another
    /// office at the centre after it, is still taken (``DisclosureSync/heldScope(mark:)``). Nil (an older device): no such tenant.
    public var pulled: Int64?

    public init(device: String, cursor: Int64, exports: [WireExport], receive: Bool = true, pulled: Int64? = nil,
                version: Int = SyncWire.version) {
        self.version = version
        self.device = device
        self.cursor = cursor
        self.exports = exports
        self.receive = receive ? nil : false
        self.pulled = pulled
    }
}

/// The centre's answer: exports after the cursor made elsewhere, each with only the tenants the device
/// may hold (its office's, those with no office, those it changed); exports naming none are left out.
public struct DisclosureReply: Codable, Sendable {
    public var exports: [WireExport]
    public var cursor: Int64
    public var more: Bool
    public init(exports: [WireExport], cursor: Int64, more: Bool) {
        self.exports = exports
        self.cursor = cursor
        self.more = more
    }
}

/// What both centres check and ask when disclosures are exchanged, whatever their storage.
public enum DisclosureSync {
    /// Most exports a device sends, or the centre answers with, at a time.
    public static let maxExports = 50
    /// Most tenants one exchange may name (a larger export is sent in parts under its id, each part a
    /// request well under the server's JSON body limit); a reply stops adding exports past it.
    public static let maxEntries = 50_000

    /// Problems with an exchange as a whole, before anything is stored: the version, the device it
    /// claims, sizes, and each export's fields. A device's export may name only tenants it may hold,
    /// which the centre checks against its own register (``scope(mark:)``).
    public static func problem(_ request: DisclosureExchange, authenticated device: String, catalogue: Catalogue, now: Date) -> CentralStoreError? {
        if request.version != SyncWire.version {
            return .invalid("protocol version \(request.version) is not supported (this centre speaks \(SyncWire.version)); update the device")
        }
        if request.device != device { return .wrongDevice(claimed: request.device, authenticated: device) }
        guard request.cursor >= 0, (request.pulled ?? 0) >= 0 else { return .invalid("the disclosure and pull cursors must be ≥ 0") }
        guard request.exports.count <= maxExports else {
            return .invalid("at most \(maxExports) exports may be sent at a time; this exchange had \(request.exports.count)")
        }
        var ids = Set<String>()
        let entries = request.exports.reduce(0) { $0 + $1.entries.count }
        guard entries <= maxEntries else { return .invalid("an exchange may name at most \(maxEntries) tenants; this one named \(entries)") }
        for export in request.exports {
            if let problem = exportProblem(export, catalogue: catalogue, now: now) {
                return .invalid("export \(TextSafety.displaySafe(String(export.id.prefix(64)))): \(problem)")
            }
            guard ids.insert(export.id).inserted else { return .invalid("export \(export.id) is sent twice") }
        }
        return nil
    }

    /// Why a later part of an export the centre holds (`purpose`, `recipient`, `columns` joined by ",", `at`) cannot
    /// be added to it: a part is the same export, naming other tenants, so its masks are read against the same columns.
    public static func partProblem(_ part: WireExport, purpose: String, recipient: String, columns: String, at: Int64) -> String? {
        guard part.purpose == purpose, part.recipient == recipient, part.columns.joined(separator: ",") == columns, part.at == at else {
            return "export \(part.id): a later part must carry the purpose, recipient, columns and time of its first; this one differs"
        }
        return nil
    }

    /// The earliest time an export may carry (before this product existed), in milliseconds since 1970.
    static let earliest: Int64 = 946_684_800_000

    private static func exportProblem(_ export: WireExport, catalogue: Catalogue, now: Date) -> String? {
        let idOK = (1...64).contains(export.id.utf8.count)
            && export.id.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }
        guard idOK else { return "an export id is 1 to 64 ASCII letters, digits or '-'" }
        for text in [export.purpose, export.recipient, export.operator ?? ""] + export.columns {
            if text.utf8.count > WireCheck.maxTextBytes { return "a field is longer than \(WireCheck.maxTextBytes) bytes" }
            if TextSafety.hasForbiddenCharacter(text) { return "a field holds a control character" }
        }
        guard let purpose = catalogue.purpose(PurposeID(export.purpose)) else { return "purpose \(export.purpose) is not in this centre's Forms" }
        guard !export.columns.isEmpty, export.columns.count <= 64 else { return "an export has 1 to 64 columns" }
        // What the tenant is sent about themself (their access answer) may name anything held; an export only its
        // purpose's attributes and recipients (as `consent export` names them: one, or all joined by ";").
        let toTheTenant = export.recipient == TenantRecipient.byEmail
        if !toTheTenant, let other = export.recipient.split(separator: ";", omittingEmptySubsequences: false)
            .first(where: { !purpose.recipients.contains(String($0)) }) {
            return "recipient '\(TextSafety.displaySafe(String(other)))' is not one \(export.purpose) names in this centre's Forms"
        }
        if let column = export.columns.first(where: { toTheTenant ? catalogue.attribute(AttributeID($0)) == nil : !purpose.attributes.contains(AttributeID($0)) }) {
            return toTheTenant ? "column \(column) is not an attribute in this centre's Forms" : "column \(column) is not an attribute of \(export.purpose)"
        }
        let latest = Int64((now.timeIntervalSince1970 + 86_400) * 1000)
        guard (earliest...latest).contains(export.at) else { return "its time is before 2000 or more than a day ahead of the centre's clock" }
        let allowed: UInt64 = export.columns.count == 64 ? .max : (1 << UInt64(export.columns.count)) - 1
        var seen = Set<String>()
        for entry in export.entries {
            guard !entry.tenant.isEmpty, entry.tenant.utf8.count <= 100 else { return "a tenant reference is 1 to 100 bytes" }
            guard entry.columns & ~allowed == 0 else { return "\(entry.tenant) is given a column the export does not have" }
            guard seen.insert(entry.tenant).inserted else { return "\(entry.tenant) is named twice" }
        }
        return nil
    }

    /// The SQL condition (on tenant `t`) that a device may hold the tenant, as its pull does
    /// (`OfficePull.filter`): their office (as the centre records it) is the device's or none, or the device
    /// has changed them since they joined their current office. Arguments in order: office, office, the
    /// device's number (or -1), each written by `mark` (1-based). SQLite and PostgreSQL alike.
    public static func scope(mark: (Int) -> String = { _ in "?" }) -> String {
        """
        (coalesce(t.office, \(mark(1))) = \(mark(2)) OR EXISTS (SELECT 1 FROM ledger m WHERE m.tenant_id = t.id AND m.device_no = \(mark(3)) \
        AND m.central_seq >= \(OfficeColumns.officeSetAt)))
        """
    }

    /// The SQL condition (on tenant `t`) that a device may name the tenant in an export it sends: ``scope(mark:)``,
    /// or the tenant's current office was set after the device's pull cursor and the device could hold them at that
    /// cursor (`OfficePull.heldAt`, as the departures have it: they moved away before the device pulled the move, so it
    /// held them when it exported; never a tenant of an office the device never served, nor one a move named only
    /// while it waited). Arguments in order, each written by `mark` (numbered: marks are written more than once):
    /// office, office, the device's number (or -1), pull cursor.
    public static func heldScope(mark: (Int) -> String) -> String {
        """
        (\(scope(mark: mark)) OR (\(OfficeColumns.officeSetAt) > \(mark(4)) AND \(OfficePull.heldAt(cursor: mark(4), office: mark(1), device: mark(3)))))
        """
    }

    /// Groups rows of (export fields, tenant, mask), ordered by export, into exports.
    public static func group(_ rows: [(export: WireExport, tenant: String, columns: UInt64)]) -> [WireExport] {
        var result: [WireExport] = []
        for row in rows {
            if result.last?.id != row.export.id {
                var export = row.export
                export.entries = []
                result.append(export)
            }
            result[result.count - 1].entries.append(WireDisclosure(tenant: row.tenant, columns: row.columns))
        }
        return result
    }
}
