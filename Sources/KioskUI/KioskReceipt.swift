import ConsentCore
import ConsentForms
import Foundation

/// One line of a receipt: something the tenant changed, with its state when they signed out. Held
/// as ids, so the receipt is drawn in whatever language is chosen, and again after a switch.
public enum ReceiptLine: Equatable, Sendable {
    /// A use chosen on its own screen; nil when its items ended in different states.
    case use(PurposeID, EffectiveDecision?)
    /// A use chosen for one item.
    case decision(AttributeID, PurposeID, EffectiveDecision)
    case correction(AttributeID, pending: Bool)
    case erased(AttributeID)
    /// The tenant asked staff to erase a value they cannot erase at the kiosk.
    case erasureRequested(AttributeID)
    /// The tenant asked staff to correct a value, stop using it, or send a copy of everything held.
    case requested(RequestKind, AttributeID?)
    case preferNotToSay(AttributeID)
}

extension ReceiptLine {
    /// The receipt of a session: each change once, in the order first made, with the final state of
    /// each use (agreeing then withdrawing shows only the withdrawal; removing an objection reads
    /// "in use", not "you agreed").
    static func lines(_ changes: [Message], final tenant: TenantState, content: Content, at now: Date) -> [ReceiptLine] {
        var out: [ReceiptLine] = []
        func effective(_ a: AttributeID, _ p: PurposeID) -> EffectiveDecision {
            Policy.effectiveDecision(DecisionKey(a, p), of: tenant, at: now, in: content.catalogue) ?? .notAsked
        }
        for change in changes {
            let a = AttributeID(change.arguments["attribute"] ?? ""), p = PurposeID(change.arguments["purpose"] ?? "")
            let line: ReceiptLine?
            switch change.key {
            case "kiosk.receipt.use":
                let states = Set((content.catalogue.purpose(p)?.attributes ?? []).map { effective($0, p) })
                line = .use(p, states.count == 1 ? states.first : nil)
            case "kiosk.receipt.decision": line = .decision(a, p, effective(a, p))
            case "kiosk.receipt.correction": line = .correction(a, pending: false)
            case "kiosk.receipt.pending": line = .correction(a, pending: true)
            case "kiosk.receipt.erased": line = .erased(a)
            case "kiosk.receipt.erasure-requested": line = .erasureRequested(a)
            case "kiosk.receipt.request":
                line = RequestKind(rawValue: change.arguments["kind"] ?? "").map { .requested($0, $0.namesAttribute ? a : nil) }
            case "kiosk.receipt.prefer-not": line = .preferNotToSay(a)
            default: line = nil
            }
            if let line, !out.contains(line) { out.append(line) }
        }
        return out
    }

    /// The line in `language`.
    func text(_ content: Content, _ language: String) -> String {
        let l = content.localizer
        func attribute(_ a: AttributeID) -> String { l.text("attribute.\(a).label", language) }
        func purpose(_ p: PurposeID) -> String { l.text("purpose.\(p).name", language) }
        func decision(_ d: EffectiveDecision?) -> String { d.map { l.text("decision.\($0.rawValue)", language) } ?? l.text("kiosk.use.mixed", language) }
        switch self {
        case let .use(p, d): return l.text("kiosk.receipt.use", language, ["purpose": purpose(p), "decision": decision(d)])
        case let .decision(a, p, d):
            return l.text("kiosk.receipt.decision", language, ["attribute": attribute(a), "purpose": purpose(p), "decision": decision(d)])
        case let .correction(a, pending):
            return l.text(pending ? "kiosk.receipt.pending" : "kiosk.receipt.correction", language, ["attribute": attribute(a)])
        case .erased(let a): return l.text("kiosk.receipt.erased", language, ["attribute": attribute(a)])
        case .erasureRequested(let a): return l.text("kiosk.receipt.erasure-requested", language, ["attribute": attribute(a)])
        case .preferNotToSay(let a): return l.text("kiosk.receipt.prefer-not", language, ["attribute": attribute(a)])
        case let .requested(kind, a):
            return l.text("kiosk.receipt.request.\(kind.rawValue)", language, ["attribute": a.map(attribute) ?? ""])
        }
    }

    /// The printed copy: a header with the receipt number and the local date and time, the lines,
    /// then who is responsible, how to reach them and the right to complain, all in `language`.
    static func printed(_ lines: [ReceiptLine], id: String, content: Content, language: String, at now: Date) -> [String] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "dd/MM/yyyy HH:mm"
        let header = [content.localizer.text("kiosk.receipt.header", language, ["id": id]), formatter.string(from: now)]
        let body = lines.isEmpty ? [content.localizer.text("kiosk.receipt.none", language)] : lines.map { $0.text(content, language) }
        return header + body + [""] + content.organisation.lines(content.localizer, language)
    }
}
