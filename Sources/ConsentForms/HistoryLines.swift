import ConsentCore
import Foundation

/// A tenant's ledger in plain words (`consent tenant history`, the access pack): what each event did,
/// when, by whom, how and why. Values are never printed: special categories stay private, and erased
/// values are gone. The wording is English; names of attributes, purposes and decisions are in `language`.
public enum HistoryLines {
    /// The whole history, oldest first.
    public static func lines(_ events: [Event], _ content: Content, _ language: String) -> [Line] {
        let targets = Dictionary(events.map { ($0.id, $0.payload) }, uniquingKeysWith: { a, _ in a })
        return events.map { line($0, content, language, targets: targets) }
    }

    public struct Line: Codable, Sendable, Equatable {
        public var event: String
        public var when: String
        public var effective: String
        public var what: String
        public var how: String
        /// The event kind (decision, held-grant, verification, access, ...) and its parts, for scripts.
        public var kind: String
        public var state: String?
        public var purpose: String?
        public var attributes: [String]
        public var pending: Bool
        public var target: String?
        public var actor: String
        public var staff: String?
        public var verification: String?
        public var reason: String?
        public var channel: String
        public var evidence: String?
    }

    /// One event of the tenant's ledger in plain words: who did what, when, how, on whose behalf, and why.
    /// `targets` holds the payloads of the events a verification may point at, to say what it confirmed.
    public static func line(_ event: Event, _ content: Content, _ language: String, targets: [EventID: EventPayload] = [:]) -> Line {
        let l = content.localizer
        func t(_ key: String) -> String { l.text(key, language) }
        let format = DateFormatter()
        format.dateFormat = "yyyy-MM-dd HH:mm"
        format.timeZone = TimeZone(identifier: "Europe/London")
        let what: String
        switch event.payload {
        case .registration(let values):
            what = "Registered with \(values.count) values (\(values.keys.sorted().map { t("attribute.\($0).label") }.joined(separator: ", ")))"
        case let .decision(purpose, attributes, state, notice, until):
            let decision = EffectiveDecision(recorded: state)
            var text = "\(t("purpose.\(purpose).name")): \(t("decision.\(decision.rawValue)")) — \(attributes.map { t("attribute.\($0).label") }.joined(separator: ", "))"
            if let notice { text += " (notice v\(notice.version), \(notice.language))" }
            if let until { text += ", valid until \(format.string(from: until))" }
            what = text
        case let .correction(attribute, value, pending):
            what = "\(t("attribute.\(attribute).label")) corrected\(value == .preferNotToSay ? " to 'prefer not to say'" : "")\(pending ? ", waiting for staff to verify" : "")"
        case let .verification(target, attribute, approved):
            if case let .heldGrant(purpose, _, _, _)? = targets[target] {
                what = "\(t("purpose.\(purpose).name")): grant \(target) \(approved ? "confirmed, now in effect" : "rejected, never took effect")"
            } else if case let .request(kind, _, _)? = targets[target] {
                let about = attribute.rawValue.isEmpty ? "" : "\(t("attribute.\(attribute).label")): "
                what = "\(about)\(kind.rawValue) request \(target) \(approved ? "carried out" : "refused, or a restriction lifted")"
            } else {
                what = "\(t("attribute.\(attribute).label")): correction \(target) \(approved ? "verified" : "rejected")"
            }
        case .erasure(let attribute):
            what = "\(t("attribute.\(attribute).label")) erased at the tenant's request"
        case let .request(kind, attribute, proposed):
            let about = attribute.map { "\(t("attribute.\($0).label")): " } ?? ""
            what = "\(about)the tenant made a \(kind.rawValue) request\(proposed == nil ? "" : " with the value they say is right")"
                + " (waiting for staff)"
        case let .heldGrant(purpose, attributes, notice, _):
            var text = "\(t("purpose.\(purpose).name")): granted — \(attributes.map { t("attribute.\($0).label") }.joined(separator: ", ")), held until a second member of staff confirms it"
            if let notice { text += " (notice v\(notice.version), \(notice.language))" }
            what = text
        case .access(let attribute):
            what = "\(t("attribute.\(attribute).label")) shown to staff (a special category; the value is not repeated here)"
        case .credentialChange(let change):
            what = ["pin-set": "Sign-in PIN set", "code-issued": "One-time sign-in code issued", "unlocked": "Sign-in unlocked"][change] ?? "Sign-in credential: \(change)"
        case let .marker(id, set):
            what = "Alert '\(id)' \(set ? "set: staff see it before anything else" : "cleared")"
        }
        var how = "\(t("channel.\(event.channel.rawValue)"))"
        switch event.actor {
        case .tenant: how += ", by the tenant"
        case let .staff(id, verification, reason):
            switch event.payload {
            case .access, .marker: how += ", by staff member \(id)"
            case .verification: how += ", by staff member \(id)" + (verification.map { " (\($0))" } ?? "")
            default:
                how += ", by staff member \(id) on the tenant's behalf"
                if verification == "unverified" { how += ", caller not verified" } else if let verification { how += ", identity checked by \(verification)" }
            }
            if let reason { how += ", reason: \(reason)" }
        case .system(let name): how += ", by \(name)"
        }
        if let evidence = event.evidence { how += ", evidence: \(evidence)" }
        how += "; recorded on \(event.id.device)"
        var line = Line(event: event.id.description, when: format.string(from: Date(timeIntervalSince1970: Double(event.hlc.millis) / 1000)),
                        effective: format.string(from: event.effectiveAt), what: what, how: how, kind: event.payload.kind,
                        attributes: [], pending: false, actor: "tenant", channel: event.channel.rawValue, evidence: event.evidence)
        switch event.payload {
        case let .decision(purpose, attributes, state, _, _):
            (line.purpose, line.attributes, line.state) = (purpose.rawValue, attributes.map(\.rawValue), state.rawValue)
        case let .heldGrant(purpose, attributes, _, _):
            (line.purpose, line.attributes, line.state, line.pending) = (purpose.rawValue, attributes.map(\.rawValue), "granted", true)
        case let .correction(attribute, _, pending):
            (line.attributes, line.pending) = ([attribute.rawValue], pending)
        case let .verification(target, attribute, approved):
            (line.attributes, line.target, line.state) = ([attribute.rawValue], target.description, approved ? "approved" : "rejected")
        case .erasure(let attribute), .access(let attribute):
            line.attributes = [attribute.rawValue]
        case .request(_, let attribute, _):
            line.attributes = attribute.map { [$0.rawValue] } ?? []
        case .registration(let values):
            line.attributes = values.keys.map(\.rawValue).sorted()
        case .credentialChange(let change):
            line.state = change
        case let .marker(id, set):
            (line.target, line.state) = (id, set ? "set" : "cleared")
        }
        switch event.actor {
        case .tenant: break
        case let .staff(id, verification, reason): (line.actor, line.staff, line.verification, line.reason) = ("staff", id.rawValue, verification, reason)
        case .system: line.actor = "system"
        }
        return line
    }
}
