import Foundation
import SyncProtocol

/// One recorded disclosure: what left the system about a tenant, for which purpose, to whom.
public struct Disclosure: Hashable, Sendable, Codable {
    public var exportID: String
    public var purpose: String
    public var recipient: String
    public var attributes: [String]
    public var at: Date
    /// Who ran the export (the operating system's user at the command line), when recorded.
    public var madeBy: String?
    /// The device it was made on, when it came here by sync ("centre" for the centre's own); nil when made here.
    public var origin: String?

    public init(exportID: String, purpose: String, recipient: String, attributes: [String], at: Date, madeBy: String? = nil, origin: String? = nil) {
        self.exportID = exportID
        self.purpose = purpose
        self.recipient = recipient
        self.attributes = attributes
        self.at = at
        self.madeBy = madeBy
        self.origin = origin
    }

    /// The columns of an export (comma-separated) that a tenant's bit mask selects.
    public static func columns(_ list: String, mask: Int64) -> [String] {
        list.split(separator: ",").enumerated().filter { mask & (1 << Int64($0.offset)) != 0 }.map { String($0.element) }
    }
}

/// A change after an export that its recipient must act on: the tenant withdrew or objected for
/// the export's purpose, or had a value erased, for an attribute the export disclosed.
public struct Recall: Codable, Sendable, Equatable {
    public var tenant: String
    /// withdrawn, objected or erased.
    public var change: String
    /// The disclosed attributes the change covers.
    public var attributes: [String]
    public var effectiveAt: Date
    public var ledgerPosition: Int64

    /// The recall a change made after an export asks for, or nil when it touches none of the columns
    /// the export disclosed to that tenant (`mask` over the export's `exportColumns`): an erasure
    /// reads as "erased", a withdrawal or objection as its state. Both centres read changes this way.
    public init?(tenant: String, exportColumns: String, mask: Int64, kind: String?, state: String?, attributes: String?,
                 effectiveAt: Int64, ledgerPosition: Int64) {
        let disclosed = Set(Disclosure.columns(exportColumns, mask: mask))
        let touched = (attributes ?? "").split(separator: ",").map(String.init).filter(disclosed.contains)
        guard !touched.isEmpty else { return nil }
        self.init(tenant: tenant, change: kind == "erasure" ? "erased" : (state ?? ""), attributes: touched,
                  effectiveAt: Millis.date(effectiveAt), ledgerPosition: ledgerPosition)
    }

    public init(tenant: String, change: String, attributes: [String], effectiveAt: Date, ledgerPosition: Int64) {
        self.tenant = tenant
        self.change = change
        self.attributes = attributes
        self.effectiveAt = effectiveAt
        self.ledgerPosition = ledgerPosition
    }
}
