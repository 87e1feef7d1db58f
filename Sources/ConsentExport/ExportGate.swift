import ConsentCore
import Foundation

/// The one gate every export passes: for a purpose, which columns exist, and for each tenant which
/// cells may be filled. Pure; fails closed (the policy denies anything unknown or unclear).
public struct ExportGate: Sendable {
    public let catalogue: Catalogue
    public let purpose: PurposeDefinition
    public let at: Date

    /// Why the gate refused to open for a purpose.
    public enum GateError: Error, Equatable, CustomStringConvertible {
        case unknownPurpose(String)
        public var description: String {
            switch self {
            case .unknownPurpose(let id): "no purpose '\(id)' in Forms/purposes.yaml; nothing was exported"
            }
        }
    }

    public init(purpose id: String, catalogue: Catalogue, at date: Date) throws(GateError) {
        guard let purpose = catalogue.purpose(PurposeID(id)) else { throw .unknownPurpose(id) }
        self.catalogue = catalogue
        self.purpose = purpose
        self.at = date
    }

    /// The purpose's declared columns, in its order.
    public var columns: [AttributeID] { purpose.attributes }

    /// One tenant's row: a cell per column (nil where withheld), or nil when the tenant is left out
    /// because an attribute the purpose requires is withheld. `withheld` counts each reason.
    public func row(_ tenant: TenantState, withheld: inout [String: Int]) -> [String?]? {
        var cells: [String?] = []
        for attribute in columns {
            var decision = Policy.evaluate(attribute, for: purpose.id, of: tenant, at: at, in: catalogue)
            // Special categories leave the system only where the tenant explicitly granted them for
            // this purpose: a purpose on another basis (equality monitoring) gets statistics, not rows.
            if decision == .allowed, catalogue.attribute(attribute)?.isSpecial != false,
               tenant.decisions[DecisionKey(attribute, purpose.id)]?.state != .granted {
                decision = .denied(.noConsent)
            }
            switch decision {
            case .allowed:
                cells.append(tenant.value(attribute).answer?.text)
            case .denied(let reason):
                withheld[reason.rawValue, default: 0] += 1
                if purpose.requires.contains(attribute) { return nil }
                cells.append(nil)
            }
        }
        return cells
    }
}

/// Spreadsheet-safe text: a cell that a spreadsheet would run as a formula (starting with = + - @,
/// a tab or a line break, their full-width forms, or such a character after leading spaces) is
/// prefixed with an apostrophe, so it shows as text.
public enum FormulaGuard {
    static let triggers: Set<Character> = ["=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠"]

    public static func neutralise(_ text: String) -> String {
        guard let first = text.first(where: { $0 != " " }), triggers.contains(first) else { return text }
        return "'" + text
    }
}

/// RFC 4180 CSV: fields with a comma, quote or line break in double quotes, quotes doubled, CRLF
/// line ends; every cell formula-guarded.
public enum CSVWriter {
    public static func line(_ cells: [String?]) -> String {
        cells.map { cell -> String in
            let text = FormulaGuard.neutralise(cell ?? "")
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",") + "\r\n"
    }
}
