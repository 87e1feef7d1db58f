import ConsentCore
import Foundation

/// A small catalogue with one purpose of each kind, for tests that need no Forms/ files.
enum Fixture {
    static let email = AttributeID("email"), name = AttributeID("full-name"), religion = AttributeID("religion")
    static let health = AttributeID("health-needs"), postcode = AttributeID("postcode"), dob = AttributeID("date-of-birth")
    static let updates = PurposeID("updates"), tenancy = PurposeID("tenancy"), equality = PurposeID("equality")
    static let tailoring = PurposeID("tailoring"), regulator = PurposeID("regulator")
    static let day0 = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01

    static let catalogue = Catalogue(
        attributes: [
            AttributeDefinition(id: name, type: .text, needsEvidence: true, maxLength: 120),
            AttributeDefinition(id: email, type: .email),
            AttributeDefinition(id: postcode, type: .ukPostcode),
            AttributeDefinition(id: dob, type: .date),
            AttributeDefinition(id: religion, type: .choice, isSpecial: true, offersPreferNotToSay: true,
                                choices: [Choice(id: "none"), Choice(id: "christian"), Choice(id: "muslim")]),
            AttributeDefinition(id: health, type: .text, isSpecial: true, offersPreferNotToSay: true, maxLength: 500),
            AttributeDefinition(id: AttributeID("mobile"), type: .phone, pattern: "^(\\+447|07)[0-9]{9}$"),
        ],
        purposes: [
            PurposeDefinition(id: tenancy, legalBasis: .contract, attributes: [name, email, postcode],
                              notices: [NoticeVersion(version: 1, effective: day0)]),
            PurposeDefinition(id: updates, legalBasis: .consent, attributes: [name, email],
                              notices: [NoticeVersion(version: 1, effective: day0), NoticeVersion(version: 2, effective: day0.addingTimeInterval(86_400 * 30))]),
            PurposeDefinition(id: equality, legalBasis: .legitimateInterests, specialCondition: "dpa-2018-sch1-para8",
                              attributes: [religion, dob], notices: [NoticeVersion(version: 1, effective: day0)]),
            PurposeDefinition(id: tailoring, legalBasis: .consent, attributes: [health, name],
                              notices: [NoticeVersion(version: 1, effective: day0)]),
            PurposeDefinition(id: regulator, legalBasis: .publicTask, attributes: [religion, postcode],
                              notices: [NoticeVersion(version: 1, effective: day0)]),
        ])

    static let kiosk = DeviceID("kiosk-a"), phone = DeviceID("phone-b")
    static let ref = TenantRef("T0000001")

    static func event(
        _ device: DeviceID, _ seq: Int64, _ payload: EventPayload, hlc: Int64, effective: Date? = nil,
        causal: Int64? = nil, central: Int64? = nil
    ) -> Event {
        Event(id: EventID(device: device, sequence: seq), tenant: ref, hlc: HLCTimestamp(millis: hlc),
              effectiveAt: effective ?? Date(timeIntervalSince1970: Double(hlc) / 1000), actor: .tenant, channel: .kiosk,
              causalContext: causal, centralSequence: central, payload: payload)
    }

    static func decide(_ purpose: PurposeID, _ attributes: [AttributeID], _ state: DecisionState) -> EventPayload {
        .decision(purpose, attributes, state, notice: state == .granted ? NoticeShown(version: 1, language: "en") : nil, validUntil: nil)
    }
}
