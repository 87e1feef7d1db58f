import Foundation

/// The kind of value an attribute holds; each has its own validation and normal form.
public enum ValueType: String, CaseIterable, Codable, Sendable {
    case text
    case phone
    case email
    case ukPostcode = "uk-postcode"
    case date
    case choice
}

/// One answer of a choice attribute.
public struct Choice: Hashable, Codable, Sendable {
    /// Stable id stored in the ledger, e.g. `white-irish`.
    public var id: String
    /// The heading the choice is shown under (the census groups ethnic origins), if any.
    public var group: String?
    /// A text shown in every language instead of a translation (language names in their own script).
    public var fixedLabel: String?

    public init(id: String, group: String? = nil, fixedLabel: String? = nil) {
        self.id = id
        self.group = group
        self.fixedLabel = fixedLabel
    }
}

/// Something held about a tenant, as defined in `Forms/attributes.yaml`.
public struct AttributeDefinition: Hashable, Sendable {
    public var id: AttributeID
    public var type: ValueType
    /// A UK GDPR Art. 9 special category (ethnic origin, religion, sexual orientation, health).
    public var isSpecial: Bool
    /// Whether "prefer not to say" is offered as an answer.
    public var offersPreferNotToSay: Bool
    /// Whether a tenant's own correction waits for staff to check evidence.
    public var needsEvidence: Bool
    /// Longest value accepted, in characters.
    public var maxLength: Int
    /// An extra regular expression the normalised value must match (whole value).
    public var pattern: String?
    /// The answers of a `choice` attribute, in display order.
    public var choices: [Choice]
    /// No longer asked (`retired: true`): values already held stay in the ledger and are shown to the
    /// tenant, who may erase them; no purpose uses it and no new value is recorded.
    public var isRetired: Bool = false
    /// Not even named in a message to the tenant (`never-mailed: true`): gender identity, which the Gender
    /// Recognition Act 2004 s.22 protects. Always a special category too (masked, sealed, never a value in mail).
    public var neverMailed: Bool = false
    /// Recorded by staff, never asked of the tenant (`kept-by-staff: true`): the day a tenancy ended. The
    /// kiosk lists it only once a value is held.
    public var keptByStaff: Bool = false
    /// Asked only of tenants this old or older (`asked-from-age`), by their date of birth.
    public var askedFromAge: Int?
    /// Asked only while another choice attribute holds a given answer (`asked-if`): a write-in after "No".
    public var askedIf: AskCondition?

    public init(
        id: AttributeID, type: ValueType, isSpecial: Bool = false, offersPreferNotToSay: Bool = false,
        needsEvidence: Bool = false, maxLength: Int = 200, pattern: String? = nil, choices: [Choice] = [],
        isRetired: Bool = false, neverMailed: Bool = false, askedFromAge: Int? = nil, askedIf: AskCondition? = nil,
        keptByStaff: Bool = false
    ) {
        self.keptByStaff = keptByStaff
        self.isRetired = isRetired
        self.neverMailed = neverMailed
        self.askedFromAge = askedFromAge
        self.askedIf = askedIf
        self.id = id
        self.type = type
        self.isSpecial = isSpecial
        self.offersPreferNotToSay = offersPreferNotToSay
        self.needsEvidence = needsEvidence
        self.maxLength = maxLength
        self.pattern = pattern
        self.choices = choices
    }
}

/// One version of the notice shown for a purpose.
public struct NoticeVersion: Hashable, Sendable {
    public var version: Int
    /// The day from which this version is the one shown.
    public var effective: Date
    public init(version: Int, effective: Date) {
        self.version = version
        self.effective = effective
    }
}

/// The UK GDPR Art. 9(2) condition under which a purpose may use special categories
/// (`art9-condition` in `Forms/purposes.yaml`, written as the law numbers it).
public enum Art9Condition: String, CaseIterable, Sendable {
    /// Explicit consent: the purpose's legal basis is consent.
    case explicitConsent = "9(2)(a)"
    /// Employment, social security and social protection law (DPA 2018 Sch. 1 para 1).
    case employment = "9(2)(b)"
    /// To protect someone's life when they cannot consent: the basis is vital interests.
    case vitalInterests = "9(2)(c)"
    /// Substantial public interest (DPA 2018 Sch. 1 Part 2, paragraphs 6 to 28).
    case substantialPublicInterest = "9(2)(g)"
    /// Health or social care (DPA 2018 Sch. 1 para 2).
    case healthOrSocialCare = "9(2)(h)"
    /// Public health (DPA 2018 Sch. 1 para 3).
    case publicHealth = "9(2)(i)"
    /// Archiving, research or statistics (DPA 2018 Sch. 1 para 4).
    case archivingResearchStatistics = "9(2)(j)"

    /// The DPA 2018 Schedule 1 paragraphs that can meet this condition in UK law (DPA 2018 s.10);
    /// empty when it needs none (consent, vital interests).
    public var schedule1Paragraphs: ClosedRange<Int>? {
        switch self {
        case .explicitConsent, .vitalInterests: nil
        case .employment: 1...1
        case .healthOrSocialCare: 2...2
        case .publicHealth: 3...3
        case .archivingResearchStatistics: 4...4
        case .substantialPublicInterest: 6...28
        }
    }

    /// The legal basis this condition goes with, when it fixes one.
    public var requiredBasis: LegalBasis? {
        switch self {
        case .explicitConsent: .consent
        case .vitalInterests: .vitalInterests
        default: nil
        }
    }
}

/// Why the landlord uses attributes, as defined in `Forms/purposes.yaml`.
public struct PurposeDefinition: Hashable, Sendable {
    public var id: PurposeID
    public var legalBasis: LegalBasis
    /// The DPA 2018 Schedule 1 condition that allows special categories on a basis other than
    /// consent, as a text key id: `dpa-2018-sch1-para8` (its words are `special-condition.<id>`).
    public var specialCondition: String?
    /// The UK GDPR Art. 9(2) condition for the special categories the purpose uses.
    public var art9Condition: Art9Condition?
    /// Where the appropriate policy document covers this purpose (DPA 2018 Sch. 1 Part 4), when
    /// its Schedule 1 condition requires one.
    public var policyDocument: String?
    /// The attributes the purpose may use, in display order.
    public var attributes: [AttributeID]
    /// Attributes without which a row for this purpose is useless.
    public var requires: [AttributeID]
    public var recipients: [String]
    /// How long what the purpose uses is kept (`retention` in `Forms/purposes.yaml`).
    public var retention: RetentionRule
    /// Notice versions, oldest first.
    public var notices: [NoticeVersion]
    /// Staff's markers (`Forms/staff.yaml`) this purpose holds. A marker says something about a tenant's
    /// health or safety, so a purpose holding one needs an Art. 9 condition like one using a special category.
    public var markers: [String]
    /// How many months a consent to this purpose lasts before it must be asked again, when it differs
    /// from the register's `consent-validity-months` (`validity-months` in `Forms/purposes.yaml`; 0 = until withdrawn).
    public var validityMonths: Int?
    /// Whether the purpose's rows leave the system only pseudonymised (`rows: pseudonymised` in
    /// `Forms/purposes.yaml`, e.g. equality monitoring): a keyed pseudonym instead of the tenancy
    /// reference and whole years instead of dates, so the people who make the statistics cannot tell
    /// who a row is about; only the holder of the pseudonym key can link it back.
    public var pseudonymisedRows: Bool

    public init(
        id: PurposeID, legalBasis: LegalBasis, specialCondition: String? = nil, art9Condition: Art9Condition? = nil,
        policyDocument: String? = nil, attributes: [AttributeID], requires: [AttributeID] = [], recipients: [String] = [],
        retention: RetentionRule = .untilWithdrawn, notices: [NoticeVersion] = [], markers: [String] = [],
        validityMonths: Int? = nil, pseudonymisedRows: Bool = false
    ) {
        self.id = id
        self.legalBasis = legalBasis
        self.specialCondition = specialCondition
        self.art9Condition = art9Condition
        self.policyDocument = policyDocument
        self.attributes = attributes
        self.requires = requires
        self.recipients = recipients
        self.retention = retention
        self.notices = notices
        self.markers = markers
        self.validityMonths = validityMonths
        self.pseudonymisedRows = pseudonymisedRows
    }

    /// The translation key saying whether the tenant has to give what the purpose uses: its basis's
    /// words, except for a purpose holding staff's markers, which asks the tenant for nothing.
    public var requiredKey: String { markers.isEmpty ? "required.\(legalBasis.rawValue)" : "required.markers" }

    /// The translation key of the legal basis in plain words: consent to a purpose that uses a special
    /// category is explicit consent (UK GDPR Art. 9(2)(a)).
    public func basisKey(in catalogue: Catalogue) -> String {
        let special = attributes.contains { catalogue.attribute($0)?.isSpecial == true }
        return legalBasis == .consent && special ? "basis.explicit-consent" : "basis.\(legalBasis.rawValue)"
    }

    /// The DPA 2018 Schedule 1 paragraph of ``specialCondition``, if it names one.
    ///
    ///     purpose.schedule1Paragraph  // 8 for `dpa-2018-sch1-para8`
    public var schedule1Paragraph: Int? {
        guard let condition = specialCondition, condition.hasPrefix(Self.schedule1Prefix) else { return nil }
        return Int(condition.dropFirst(Self.schedule1Prefix.count))
    }

    /// The id prefix of a Schedule 1 condition; the paragraph number follows.
    public static let schedule1Prefix = "dpa-2018-sch1-para"

    /// Whether what this purpose holds may be used for measures or decisions about the tenant (a
    /// support plan, an adjustment). Not under equality monitoring (DPA 2018 Sch. 1 para 8(3) forbids
    /// it); nor, the safer reading, under the other conditions for statistics and statutory returns
    /// (para 4 research and statistics, para 6 statutory purposes such as the CORE return).
    public var allowsDecisionsAboutTenant: Bool {
        guard let paragraph = schedule1Paragraph else { return true }
        return ![4, 6, 8].contains(paragraph)
    }

    /// The notice version shown at `date`: the highest whose effective day has come.
    public func currentNotice(at date: Date) -> NoticeVersion? {
        notices.filter { $0.effective <= date }.max { $0.version < $1.version }
    }
}

/// Everything `Forms/` defines: the attributes, the purposes and the register's own rules.
/// Built and checked by `ConsentForms`; a pure value here.
public struct Catalogue: Sendable {
    public private(set) var attributes: [AttributeDefinition]
    public private(set) var purposes: [PurposeDefinition]
    /// Tenancy references must match this (whole string, after upper-casing).
    public var tenancyReferencePattern: String
    /// Months a consent lasts before it must be asked again; 0 = until withdrawn.
    public var consentValidityMonths: Int
    /// The attributes whose change by phone waits for a second person (`held-attributes` in
    /// Forms/staff.yaml), so that a receiver of a pushed correction can hold it to
    /// ``ChannelRules/correctionWaits(_:_:channel:evidence:catalogue:heldByPhone:)``; nil when no staff
    /// policy was loaded with the catalogue.
    public var heldByPhone: Set<AttributeID>?

    /// Months a consent to `purpose` lasts: its own `validityMonths`, else the register's; 0 = until withdrawn.
    public func validityMonths(of purpose: PurposeDefinition) -> Int {
        purpose.validityMonths ?? consentValidityMonths
    }

    private var attributeIndex: [AttributeID: Int]
    private var purposeIndex: [PurposeID: Int]

    public init(
        attributes: [AttributeDefinition], purposes: [PurposeDefinition],
        tenancyReferencePattern: String = "^[A-Z0-9][A-Z0-9/-]{2,19}$", consentValidityMonths: Int = 0
    ) {
        self.attributes = attributes
        self.purposes = purposes
        self.tenancyReferencePattern = tenancyReferencePattern
        self.consentValidityMonths = consentValidityMonths
        attributeIndex = Dictionary(attributes.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        purposeIndex = Dictionary(purposes.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The attribute with this id, or nil when Forms/ does not define it.
    public func attribute(_ id: AttributeID) -> AttributeDefinition? {
        attributeIndex[id].map { attributes[$0] }
    }

    /// The purpose with this id, or nil when Forms/ does not define it.
    public func purpose(_ id: PurposeID) -> PurposeDefinition? {
        purposeIndex[id].map { purposes[$0] }
    }

    /// The purposes that use an attribute, in catalogue order.
    public func purposes(using attribute: AttributeID) -> [PurposeDefinition] {
        purposes.filter { $0.attributes.contains(attribute) }
    }

    /// The attribute a tenant signs in with (with the tenancy reference and a PIN).
    public static let signInAttribute = AttributeID("date-of-birth")

    /// Whether a tenant may erase an attribute themselves: not the one they sign in with (erasing it
    /// would lock them out for good), nor one staff keep (the tenancy's end, which starts the retention
    /// clock), nor one that a purpose which cannot be switched off requires (the tenancy needs it). Such
    /// an erasure is a request for staff to decide.
    ///
    ///     catalogue.tenantMayErase(AttributeID("full-name"))  // false: the tenancy requires it
    public func tenantMayErase(_ attribute: AttributeID) -> Bool {
        attribute != Self.signInAttribute && self.attribute(attribute)?.keptByStaff != true
            && !purposes.contains { $0.legalBasis.control == .fixed && $0.requires.contains(attribute) }
    }

    /// Every (attribute, purpose) pair a decision can be recorded for.
    public var decisionKeys: [DecisionKey] {
        purposes.flatMap { p in p.attributes.map { DecisionKey($0, p.id) } }
    }
}
