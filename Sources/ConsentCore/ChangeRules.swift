import Foundation

/// A change someone asks to record, before the ledger gives it an id, a clock time and a place in
/// the hash chain. Every channel (kiosk, phone, paper, import, scripts) builds one of these.
public struct ChangeRequest: Hashable, Sendable {
    public var tenant: TenantRef
    public var payload: EventPayload
    public var actor: Actor
    public var channel: Channel
    /// When the tenant expressed the choice; nil means now (kiosk and phone). Paper forms give the signed date.
    public var effectiveAt: Date?

    public init(tenant: TenantRef, payload: EventPayload, actor: Actor, channel: Channel, effectiveAt: Date? = nil) {
        self.tenant = tenant
        self.payload = payload
        self.actor = actor
        self.channel = channel
        self.effectiveAt = effectiveAt
    }
}

/// Why a change was refused before anything was written.
public enum ChangeError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownAttribute(AttributeID)
    case unknownPurpose(PurposeID)
    case attributeNotInPurpose(AttributeID, PurposeID)
    /// A decision must name the purpose's attributes it covers, each once.
    case attributesRequired(PurposeID)
    /// Contract and legal-obligation purposes cannot be switched.
    case notSwitchable(PurposeID)
    case decisionNotAllowed(DecisionState, PurposeID)
    /// A grant for a consent purpose must record the notice version and language shown.
    case noticeRequired(PurposeID)
    case unknownNoticeVersion(PurposeID, Int)
    case invalidValue(AttributeID, ValidationError)
    case emptyRegistration
    case effectiveInFuture

    public var description: String {
        switch self {
        case .unknownAttribute(let a): "no attribute '\(a)' in Forms/attributes.yaml"
        case .unknownPurpose(let p): "no purpose '\(p)' in Forms/purposes.yaml"
        case let .attributeNotInPurpose(a, p): "purpose '\(p)' does not use attribute '\(a)'"
        case .attributesRequired(let p): "a decision for '\(p)' must name the attributes it covers, each once"
        case .notSwitchable(let p): "purpose '\(p)' is needed for the tenancy or by law and cannot be switched off or on"
        case let .decisionNotAllowed(d, p): "'\(d.rawValue)' cannot be recorded for purpose '\(p)' (see its legal basis)"
        case .noticeRequired(let p): "a grant for '\(p)' must record which notice version was shown, and in which language"
        case let .unknownNoticeVersion(p, v): "purpose '\(p)' has no notice version \(v) in Forms/notices.yaml"
        case let .invalidValue(a, e): "\(a): \(e.description)"
        case .emptyRegistration: "a new tenant needs at least one value"
        case .effectiveInFuture: "the effective date is in the future"
        }
    }
}

/// The rules every change must pass, whatever the channel: pure, so the kiosk, staff mode, paper
/// forms and imports refuse exactly the same things.
public enum ChangeRules {
    /// Made once: creating a calendar on every grant cost more than storing the grant.
    private static let gregorian: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar
    }()

    /// The request with its values normalised, or why it is refused.
    public static func check(_ request: ChangeRequest, validator: Validator, now: Date) throws(ChangeError) -> ChangeRequest {
        let catalogue = validator.catalogue
        var request = request
        if let effective = request.effectiveAt, effective > now.addingTimeInterval(300) { throw .effectiveInFuture }
        switch request.payload {
        case .registration(let values):
            guard !values.isEmpty else { throw .emptyRegistration }
            var checked: [AttributeID: AttributeValue] = [:]
            for (attribute, value) in values {
                checked[attribute] = try checkValue(value, attribute, validator, now)
            }
            request.payload = .registration(values: checked)
        case let .decision(purposeID, attributes, state, notice, validUntil):
            guard let purpose = catalogue.purpose(purposeID) else { throw .unknownPurpose(purposeID) }
            guard !attributes.isEmpty, Set(attributes).count == attributes.count else { throw .attributesRequired(purposeID) }
            for attribute in attributes {
                guard catalogue.attribute(attribute) != nil else { throw .unknownAttribute(attribute) }
                guard purpose.attributes.contains(attribute) else { throw .attributeNotInPurpose(attribute, purposeID) }
            }
            guard purpose.legalBasis.control != .fixed else { throw .notSwitchable(purposeID) }
            guard purpose.legalBasis.allowedDecisions.contains(state) else { throw .decisionNotAllowed(state, purposeID) }
            if state == .granted && purpose.legalBasis.control == .optIn {
                guard let notice else { throw .noticeRequired(purposeID) }
                guard purpose.notices.contains(where: { $0.version == notice.version }) else {
                    throw .unknownNoticeVersion(purposeID, notice.version)
                }
            }
            var until = validUntil
            if until == nil, state == .granted, purpose.legalBasis.control == .optIn, catalogue.consentValidityMonths > 0 {
                let from = request.effectiveAt ?? now
                until = gregorian.date(byAdding: .month, value: catalogue.consentValidityMonths, to: from)
            }
            request.payload = .decision(purposeID, attributes.sorted(), state, notice: notice, validUntil: until)
        case let .correction(attribute, value, pending):
            let checked = try checkValue(value, attribute, validator, now)
            request.payload = .correction(attribute, checked, pending: pending)
        case .verification(_, let attribute, _), .erasure(let attribute):
            guard catalogue.attribute(attribute) != nil else { throw .unknownAttribute(attribute) }
        case .credentialChange:
            break
        }
        return request
    }

    private static func checkValue(
        _ value: AttributeValue, _ attribute: AttributeID, _ validator: Validator, _ now: Date
    ) throws(ChangeError) -> AttributeValue {
        switch validator.check(value, for: attribute, today: now) {
        case .success(let normal): return normal
        case .failure(.unknownAttribute): throw .unknownAttribute(attribute)
        case .failure(let error): throw .invalidValue(attribute, error)
        }
    }
}
