import ConsentCore
import Foundation

/// The one gate every export passes: for a purpose, which columns exist, and for each tenant which
/// cells may be filled. Pure; fails closed (the policy denies anything unknown or unclear).
public struct ExportGate: Sendable {
    public let catalogue: Catalogue
    public let purpose: PurposeDefinition
    public let at: Date

    /// The columns chosen (the purpose's own, in its order, unless a subset was asked for).
    public let columns: [AttributeID]
    /// Who receives the export: every recipient the purpose names, unless one of them was named.
    public let recipients: [String]
    /// What is evaluated for each tenant: the columns and the attributes the purpose requires.
    public var evaluated: [AttributeID] { policy.attributes }
    private let required: [Bool]
    /// Whether the output is pseudonymised (a regulator return): special categories then follow the
    /// purpose's Art. 9 condition instead of needing an explicit grant.
    public let pseudonymised: Bool
    /// The policy for `evaluated`, worked out once.
    public let policy: PurposePolicy
    /// Whether a tenant's recorded decisions matter here (not for a contract purpose without special categories).
    public var needsDecisions: Bool { policy.readsDecisions || (!pseudonymised && policy.isSpecial.contains(true)) }

    /// The required attributes no row leaves without a granted decision for: all of them under a
    /// purpose that needs consent, and the special categories among them in rows not pseudonymised
    /// (unless the purpose carries refusals, whose withdrawal is sent as an answer). A tenant without
    /// a grant for each is left out whatever their values (``row(_:into:withheld:)``), so a source
    /// may pass them over unread.
    public var grantsNeeded: [AttributeID] {
        let consent = purpose.legalBasis.control == .optIn
        let specialNeedsGrant = !pseudonymised && !purpose.legalBasis.carriesRefusal
        // Required: a required column, or a required attribute evaluated beyond the columns.
        return evaluated.indices.filter { index in
            (index >= columns.count || required[index]) && (consent || (policy.isSpecial[index] && specialNeedsGrant))
        }.map { evaluated[$0] }
    }

    /// Why the gate refused to open for a purpose.
    public enum GateError: Error, Equatable, CustomStringConvertible {
        case unknownPurpose(String)
        case columnNotAllowed(String, purpose: String, allowed: [String])
        case recipientNotAllowed(String, purpose: String, allowed: [String])
        public var description: String {
            switch self {
            case let .recipientNotAllowed(recipient, purpose, allowed):
                "'\(recipient)' is not a recipient of purpose '\(purpose)' (Forms/purposes.yaml); name one of: \(allowed.joined(separator: ", ")); nothing was exported"
            case .unknownPurpose(let id): "no purpose '\(id)' in Forms/purposes.yaml; nothing was exported"
            case let .columnNotAllowed(column, purpose, allowed):
                "'\(column)' is not a column of purpose '\(purpose)'; choose from: \(allowed.joined(separator: ", "))"
            }
        }
    }

    /// The cell sent for a tenant's refusal under a purpose that carries refusals (a legal obligation:
    /// ``LegalBasis/carriesRefusal``): the CORE log's own answer. Never a held value, so nothing leaks.
    public static let prefersNotToSay = "tenant prefers not to say"

    /// Opens the gate for a purpose, optionally for a subset of its declared attributes, and for one of
    /// the recipients it names (all of them when `recipient` is nil).
    public init(purpose id: String, catalogue: Catalogue, at date: Date, columns chosen: [String]? = nil,
                recipient: String? = nil, pseudonymised: Bool = false) throws(GateError) {
        guard let purpose = catalogue.purpose(PurposeID(id)) else { throw .unknownPurpose(id) }
        if let recipient, !purpose.recipients.contains(recipient) {
            throw .recipientNotAllowed(recipient, purpose: id, allowed: purpose.recipients)
        }
        self.recipients = recipient.map { [$0] } ?? purpose.recipients
        var columns = purpose.attributes
        if let chosen {
            columns = []
            for name in chosen {
                guard purpose.attributes.contains(AttributeID(name)) else {
                    throw .columnNotAllowed(name, purpose: id, allowed: purpose.attributes.map(\.rawValue))
                }
                if !columns.contains(AttributeID(name)) { columns.append(AttributeID(name)) }
            }
        }
        self.catalogue = catalogue
        self.purpose = purpose
        self.at = date
        self.columns = columns
        self.required = columns.map { purpose.requires.contains($0) }
        self.pseudonymised = pseudonymised
        self.policy = PurposePolicy(purpose: purpose, attributes: columns + purpose.requires.filter { !columns.contains($0) },
                                    catalogue: catalogue)
    }

    /// One tenant's row: a cell per column (nil where withheld), or nil when the tenant is left out
    /// because an attribute the purpose requires is withheld. `withheld` counts each reason.
    public func row(_ tenant: TenantState, withheld: inout [String: Int]) -> [String?]? {
        var cells: [String?] = []
        return row(tenant, into: &cells, withheld: &withheld) ? cells : nil
    }

    /// The same, reusing `cells`' storage; false when the tenant is left out.
    public func row(_ tenant: TenantState, into cells: inout [String?], withheld: inout [String: Int]) -> Bool {
        cells.removeAll(keepingCapacity: true)
        for index in columns.count..<evaluated.count {
            if case .denied = decide(index, tenant.value(evaluated[index]), tenant) { return false }
        }
        var reasons: [DenialReason] = []
        for (index, attribute) in columns.enumerated() {
            // Each value is looked up once: the cell sent is the value the policy allowed.
            let value = tenant.value(attribute)
            switch decide(index, value, tenant) {
            case .allowed:
                cells.append(value.answer?.text)
            case .denied(let reason) where reason.isTenantRefusal && purpose.legalBasis.carriesRefusal:
                // A legal obligation: the tenant's refusal is the form's own answer, not a dropped row.
                cells.append(Self.prefersNotToSay)
            case .denied(let reason):
                if required[index] { return false }
                reasons.append(reason)
                cells.append(nil)
            }
        }
        for reason in reasons { withheld[reason.rawValue, default: 0] += 1 }
        return true
    }

    /// The columns of a row (from ``row(_:withheld:)``) that carry a tenant's refusal as
    /// ``prefersNotToSay``: what staff are told about after a return.
    public func refusedColumns(_ cells: [String?]) -> [AttributeID] {
        guard purpose.legalBasis.carriesRefusal else { return [] }
        return zip(columns, cells).filter { $0.1 == Self.prefersNotToSay }.map(\.0)
    }

    private func decide(_ index: Int, _ value: ValueState, _ tenant: TenantState) -> PolicyDecision {
        let decision = policy.evaluate(index, value: value, of: tenant, at: at)
        // Special categories leave the system as rows only where the tenant explicitly granted them
        // for this purpose (or pseudonymised, under the purpose's Art. 9 condition): equality
        // monitoring on another basis gets statistics, not rows.
        if decision == .allowed, !pseudonymised, policy.isSpecial[index], policy.recorded(index, of: tenant)?.state != .granted {
            return .denied(.noConsent)
        }
        return decision
    }
}
