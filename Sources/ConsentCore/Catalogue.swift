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

    public init(
        id: AttributeID, type: ValueType, isSpecial: Bool = false, offersPreferNotToSay: Bool = false,
        needsEvidence: Bool = false, maxLength: Int = 200, pattern: String? = nil, choices: [Choice] = []
    ) {
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

/// Why the landlord uses attributes, as defined in `Forms/purposes.yaml`.
public struct PurposeDefinition: Hashable, Sendable {
    public var id: PurposeID
    public var legalBasis: LegalBasis
    /// The Art. 9 condition (a DPA 2018 Schedule 1 paragraph) that allows special categories on a
    /// basis other than consent.
    public var specialCondition: String?
    /// The attributes the purpose may use, in display order.
    public var attributes: [AttributeID]
    /// Attributes without which a row for this purpose is useless.
    public var requires: [AttributeID]
    public var recipients: [String]
    /// Years kept after the tenancy ends; 0 means until the tenant withdraws.
    public var retentionYears: Int
    /// Notice versions, oldest first.
    public var notices: [NoticeVersion]

    public init(
        id: PurposeID, legalBasis: LegalBasis, specialCondition: String? = nil, attributes: [AttributeID],
        requires: [AttributeID] = [], recipients: [String] = [], retentionYears: Int = 0,
        notices: [NoticeVersion] = []
    ) {
        self.id = id
        self.legalBasis = legalBasis
        self.specialCondition = specialCondition
        self.attributes = attributes
        self.requires = requires
        self.recipients = recipients
        self.retentionYears = retentionYears
        self.notices = notices
    }

    /// The translation key of the legal basis in plain words: consent to a purpose that uses a special
    /// category is explicit consent (UK GDPR Art. 9(2)(a)).
    public func basisKey(in catalogue: Catalogue) -> String {
        let special = attributes.contains { catalogue.attribute($0)?.isSpecial == true }
        return legalBasis == .consent && special ? "basis.explicit-consent" : "basis.\(legalBasis.rawValue)"
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
    /// would lock them out for good), nor one that a purpose which cannot be switched off requires
    /// (the tenancy needs it). Such an erasure is a request for staff to decide.
    ///
    ///     catalogue.tenantMayErase(AttributeID("full-name"))  // false: the tenancy requires it
    public func tenantMayErase(_ attribute: AttributeID) -> Bool {
        attribute != Self.signInAttribute
            && !purposes.contains { $0.legalBasis.control == .fixed && $0.requires.contains(attribute) }
    }

    /// Every (attribute, purpose) pair a decision can be recorded for.
    public var decisionKeys: [DecisionKey] {
        purposes.flatMap { p in p.attributes.map { DecisionKey($0, p.id) } }
    }
}
