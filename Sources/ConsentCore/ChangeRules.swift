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
    /// What staff saw or were given, recorded with the change.
    public var evidence: String?

    public init(tenant: TenantRef, payload: EventPayload, actor: Actor, channel: Channel, effectiveAt: Date? = nil, evidence: String? = nil) {
        self.tenant = tenant
        self.payload = payload
        self.actor = actor
        self.channel = channel
        self.effectiveAt = effectiveAt
        self.evidence = evidence
    }
}

/// Why a change was refused before anything was written.
public enum ChangeError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownAttribute(AttributeID)
    case unknownPurpose(PurposeID)
    case attributeNotInPurpose(AttributeID, PurposeID)
    /// A decision must name the purpose's attributes it covers, each once.
    case attributesRequired(PurposeID)
    /// Contract, legal-obligation and vital-interests purposes cannot be switched.
    case notSwitchable(PurposeID)
    case decisionNotAllowed(DecisionState, PurposeID)
    /// A grant for a consent purpose must record the notice version and language shown.
    case noticeRequired(PurposeID)
    case unknownNoticeVersion(PurposeID, Int)
    case invalidValue(AttributeID, ValidationError)
    case emptyRegistration
    case effectiveInFuture
    /// Evidence, a reason or a staff id with control characters, or too long.
    case badNote(String)
    /// An access event names an attribute that is not a special category (only those are masked).
    case notSpecial(AttributeID)
    /// A tenant at the kiosk cannot erase what they sign in with or what the tenancy requires.
    case notErasableByTenant(AttributeID)
    /// Never erased, by anyone (``Retention/neverErased``): the office routes the tenant's record to that
    /// office's devices alone, and without it every device would pull them.
    case neverErased(AttributeID)
    /// This actor may not record this kind of change through this channel (why, in words).
    case wrongActor(String)
    /// The attribute is no longer asked (`retired` in Forms/attributes.yaml): what is held may be erased, not changed.
    case retired(AttributeID)
    /// A registration gives a value the tenant would not be asked (under the age it is asked from, or
    /// without the answer it follows).
    case notAsked(AttributeID)
    /// A tenant's request that names an attribute where its kind needs none, or none where it needs one.
    case badRequest(String)

    /// Whether this refuses what a device whose Forms or rules predate it may have recorded honestly (a value
    /// of an attribute retired since, an office erased before it was kept): a centre takes such an event, since
    /// refusing it would hold back everything the device recorded after it.
    public var isNewerThanDevices: Bool {
        switch self {
        case .retired, .neverErased: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .unknownAttribute(let a): "no attribute '\(a)' in Forms/attributes.yaml"
        case .unknownPurpose(let p): "no purpose '\(p)' in Forms/purposes.yaml"
        case let .attributeNotInPurpose(a, p): "purpose '\(p)' does not use attribute '\(a)'"
        case .attributesRequired(let p): "a decision for '\(p)' must name the attributes it covers, each once"
        case .notSwitchable(let p): "purpose '\(p)' is needed for the tenancy, by law or to protect life, and cannot be switched off or on; a tenant may still answer 'prefer not to say' where a question offers it"
        case let .decisionNotAllowed(d, p): "'\(d.rawValue)' cannot be recorded for purpose '\(p)' (see its legal basis)"
        case .noticeRequired(let p): "a grant for '\(p)' must record which notice version was shown, and in which language"
        case let .unknownNoticeVersion(p, v): "purpose '\(p)' has no notice version \(v) in Forms/notices.yaml"
        case let .invalidValue(a, e): "\(a): \(e.description)"
        case .emptyRegistration: "a new tenant needs at least one value"
        case .effectiveInFuture: "the effective date is in the future"
        case .badNote(let field): "\(field) must be at most 500 characters of plain text (no control characters)"
        case .notSpecial(let a): "'\(a)' is not a special category; only those are masked and their reveals recorded"
        case .notErasableByTenant(let a): "'\(a)' is needed to sign in or for the tenancy: only staff can erase it, on request"
        case .neverErased(let a): "'\(a)' is never erased: it keeps the tenant's record on their own office's devices; to move them, correct it"
        case .wrongActor(let why): why
        case .retired(let a): "'\(a)' is no longer asked (retired in Forms/attributes.yaml): a value held can be erased, not changed"
        case .badRequest(let why): why
        case .notAsked(let a): "'\(a)' is not asked of this tenant (too young, or it follows an answer not given)"
        }
    }
}

/// The rules every change must pass, whatever the channel: pure, so the kiosk, staff mode, paper
/// forms and imports refuse exactly the same things.
public enum ChangeRules {
    /// `date` plus whole months in UTC, the day clamped to the month's length (31 Jan + 1 month =
    /// 28 or 29 Feb). Plain civil-date arithmetic: Foundation's calendar cost more than storing a grant.
    public static func adding(months: Int, to date: Date) -> Date {
        let seconds = date.timeIntervalSince1970
        let days = Int((seconds / 86_400).rounded(.down))
        let timeOfDay = seconds - Double(days) * 86_400
        let (y, m, d) = civil(fromDays: days)
        let total = y * 12 + (m - 1) + months
        let year = total >= 0 ? total / 12 : (total - 11) / 12
        let month = total - year * 12 + 1
        let day = min(d, Validator.daysIn(month: month, year: year))
        return Date(timeIntervalSince1970: Double(daysFromCivil(year, month, day)) * 86_400 + timeOfDay)
    }

    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The request with its values normalised, or why it is refused.
    public static func check(_ request: ChangeRequest, validator: Validator, now: Date) throws(ChangeError) -> ChangeRequest {
        let catalogue = validator.catalogue
        var request = request
        if let effective = request.effectiveAt, effective > now.addingTimeInterval(300) { throw .effectiveInFuture }
        func checkNote(_ text: String?, _ field: String) throws(ChangeError) {
            if let text, text.count > 500 || TextSafety.hasForbiddenCharacter(text) || text.contains(where: \.isNewline) {
                throw .badNote(field)
            }
        }
        try checkNote(request.evidence, "evidence")
        try checkActor(request.actor, request.channel, request.payload)
        if case let .staff(id, verification, reason) = request.actor {
            try checkNote(id.rawValue, "the staff id")
            try checkNote(verification, "the verification method")
            try checkNote(reason, "the reason")
        }
        switch request.payload {
        case .registration(let values):
            guard !values.isEmpty else { throw .emptyRegistration }
            var checked: [AttributeID: AttributeValue] = [:]
            for (attribute, value) in values {
                checked[attribute] = try checkValue(value, attribute, validator, now)
            }
            // The census asks gender identity from 16 only: a registration carries the date of birth that says so.
            for attribute in checked.keys.sorted(by: { $0.rawValue < $1.rawValue })
            where !catalogue.asks(attribute, at: request.effectiveAt ?? now, answer: { checked[$0] }) {
                throw .notAsked(attribute)
            }
            request.payload = .registration(values: checked)
        case let .decision(purposeID, attributes, state, notice, validUntil):
            let (sorted, until) = try checkDecision(purposeID, attributes, state, notice, validUntil, request.effectiveAt ?? now, catalogue)
            request.payload = .decision(purposeID, sorted, state, notice: notice, validUntil: until)
        case let .heldGrant(purposeID, attributes, notice, validUntil):
            let (sorted, until) = try checkDecision(purposeID, attributes, .granted, notice, validUntil, request.effectiveAt ?? now, catalogue)
            request.payload = .heldGrant(purposeID, sorted, notice: notice, validUntil: until)
        case .access(let attribute):
            guard let definition = catalogue.attribute(attribute) else { throw .unknownAttribute(attribute) }
            guard definition.isSpecial else { throw .notSpecial(attribute) }
        case let .correction(attribute, value, pending):
            let checked = try checkValue(value, attribute, validator, now)
            request.payload = .correction(attribute, checked, pending: pending)
        case .verification(_, let attribute, _):
            // An access request's decision names no attribute; the store checks it names such a request.
            guard attribute.rawValue.isEmpty || catalogue.attribute(attribute) != nil else { throw .unknownAttribute(attribute) }
        case .erasure(let attribute):
            guard catalogue.attribute(attribute) != nil else { throw .unknownAttribute(attribute) }
            guard !Retention.neverErased.contains(attribute) else { throw .neverErased(attribute) }
            if request.actor == .tenant && request.channel == .kiosk && !catalogue.tenantMayErase(attribute) {
                throw .notErasableByTenant(attribute)
            }
        case let .request(kind, attribute, proposed):
            if let attribute {
                guard kind.namesAttribute else { throw .badRequest("an access request covers everything held and names no attribute") }
                guard catalogue.attribute(attribute) != nil else { throw .unknownAttribute(attribute) }
                if kind == .erasure, Retention.neverErased.contains(attribute) { throw .neverErased(attribute) }
                if let proposed {
                    guard kind == .rectification else { throw .badRequest("only a rectification request carries a value (the one the tenant says is right)") }
                    request.payload = .request(kind, attribute, proposed: try checkValue(proposed, attribute, validator, now))
                }
            } else if kind.namesAttribute {
                throw .badRequest("a \(kind.rawValue) request names the attribute it is about")
            }
        case .credentialChange:
            break
        case .marker(let id, _):
            guard !id.isEmpty, id.utf8.count <= 64, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                throw .unknownAttribute(AttributeID(id))
            }
        }
        return request
    }

    /// Who records what, and where: only the tenant records at the kiosk, and a tenant records only
    /// there (staff key a tenant's choice by phone or from paper); markers, held grants and
    /// verifications are staff work, but for a retention run clearing a marker.
    private static func checkActor(_ actor: Actor, _ channel: Channel, _ payload: EventPayload) throws(ChangeError) {
        let byTenant = actor == .tenant
        if byTenant && channel != .kiosk {
            throw .wrongActor("a tenant records their own choices at the kiosk; staff record them by phone or from paper")
        }
        if !byTenant && channel == .kiosk {
            throw .wrongActor("only the tenant signed in records at the kiosk; staff record a choice by phone or from paper")
        }
        switch payload {
        case .marker(_, set: false) where actor == Retention.actor && channel == .system:
            break  // a retention run clears a marker its purpose may no longer keep
        case .marker, .heldGrant, .verification:
            guard case .staff = actor else { throw .wrongActor("only a member of staff sets a marker, holds a grant or verifies a change") }
        case .request:
            guard byTenant || (channel != .system && channel != .importFile) else {
                throw .wrongActor("a request is made by the tenant at the kiosk, or taken by staff by phone or from paper")
            }
        default:
            break
        }
    }

    /// The checks of a decision (or a held grant): its purpose and attributes, what its legal basis
    /// allows, the notice shown for a consent grant, and the consent's validity from when it was expressed.
    private static func checkDecision(
        _ purposeID: PurposeID, _ attributes: [AttributeID], _ state: DecisionState, _ notice: NoticeShown?, _ validUntil: Date?,
        _ from: Date, _ catalogue: Catalogue
    ) throws(ChangeError) -> ([AttributeID], Date?) {
        guard let purpose = catalogue.purpose(purposeID) else { throw .unknownPurpose(purposeID) }
        guard !attributes.isEmpty, attributes.count == 1 || Set(attributes).count == attributes.count else {
            throw .attributesRequired(purposeID)
        }
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
        let months = catalogue.validityMonths(of: purpose)
        if until == nil, state == .granted, purpose.legalBasis.control == .optIn, months > 0 {
            until = Self.adding(months: months, to: from)
        }
        return (attributes.count == 1 ? attributes : attributes.sorted(), until)
    }

    private static func checkValue(
        _ value: AttributeValue, _ attribute: AttributeID, _ validator: Validator, _ now: Date
    ) throws(ChangeError) -> AttributeValue {
        if validator.catalogue.attribute(attribute)?.isRetired == true { throw .retired(attribute) }
        switch validator.check(value, for: attribute, today: now) {
        case .success(let normal): return normal
        case .failure(.unknownAttribute): throw .unknownAttribute(attribute)
        case .failure(let error): throw .invalidValue(attribute, error)
        }
    }
}
