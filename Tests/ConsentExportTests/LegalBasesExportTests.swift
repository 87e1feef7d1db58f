import ConsentCore
import ConsentExport
import ConsentForms
import Crypto
import Foundation
import Testing
import TestSupport

/// The shipped purposes' bases as an auditor would check them in what leaves: emergency sharing
/// still goes out after the contact consent is withdrawn or lapses; the CORE return sends a refusal
/// as the log's own "tenant prefers not to say" and tells staff, never dropping the tenant.
@Suite struct LegalBasesExportTests {
    static let content = Result { try Shipped.load() }
    static let day0 = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01

    static func tenant(_ ref: String, _ payloads: [EventPayload]) -> TenantState {
        TenantState.fold(TenantRef(ref), payloads.enumerated().map { i, payload in
            Event(id: EventID(device: DeviceID("kiosk"), sequence: Int64(i + 1)), tenant: TenantRef(ref), hlc: HLCTimestamp(millis: 1_767_225_600_000 + Int64(i)),
                  effectiveAt: day0, actor: .tenant, channel: .kiosk, payload: payload)
        })
    }

    @Test func emergencySharingSurvivesAWithdrawnContactConsentAndThe24MonthExpiry() throws {
        let content = try Self.content.get()
        let catalogue = content.catalogue
        #expect(catalogue.consentValidityMonths == 24)
        let values: [AttributeID: AttributeValue] = [
            AttributeID("full-name"): .value("Ann Smith"), AttributeID("address"): .value("1 High Street, Leeds"),
            AttributeID("postcode"): .value("LS1 1AA"), AttributeID("mobile"): .value("07700900123"),
            AttributeID("emergency-contact"): .value("Bo Smith (son), 07700900456"),
        ]
        let contactPurpose = PurposeID("emergency-contact")
        let attributes = try #require(catalogue.purpose(contactPurpose)).attributes
        let until = ChangeRules.adding(months: catalogue.consentValidityMonths, to: Self.day0)
        let grant = EventPayload.decision(contactPurpose, attributes, .granted, notice: NoticeShown(version: 2, language: "en"), validUntil: until)
        let withdrew = Self.tenant("T1", [.registration(values: values), grant, .decision(contactPurpose, attributes, .withdrawn, notice: nil, validUntil: nil)])
        let lapsed = Self.tenant("T2", [.registration(values: values), grant])
        let after = until.addingTimeInterval(86_400)

        var withheld: [String: Int] = [:]
        let contacts = try ExportGate(purpose: "emergency-contact", catalogue: catalogue, at: after)
        #expect(contacts.row(withdrew, withheld: &withheld) == nil, "the contact is no longer used once consent is withdrawn")
        #expect(contacts.row(lapsed, withheld: &withheld) == nil, "nor once it has lapsed")

        let sharing = try ExportGate(purpose: "emergency-sharing", catalogue: catalogue, at: after)
        #expect(sharing.columns.map(\.rawValue) == ["full-name", "address", "postcode", "mobile", "landline"])
        for state in [withdrew, lapsed] {
            let row = try #require(sharing.row(state, withheld: &withheld), "\(state.ref) was left out of emergency sharing")
            #expect(row == ["Ann Smith", "1 High Street, Leeds", "LS1 1AA", "07700900123", nil])
        }
        #expect(!sharing.needsDecisions, "vital interests: no decision can switch it off")
        #expect(sharing.purpose.legalBasis == .vitalInterests && sharing.purpose.recipients == ["emergency-services"])
    }

    @Test func aRefusalInTheRegulatorReturnIsSentAsPrefersNotToSayAndFlaggedToStaff() throws {
        let content = try Self.content.get()
        let gate = try ExportGate(purpose: RegulatorReturn.purpose, catalogue: content.catalogue, at: Self.day0.addingTimeInterval(86_400), pseudonymised: true)
        #expect(gate.purpose.legalBasis == .legalObligation)
        let base: [AttributeID: AttributeValue] = [
            AttributeID("date-of-birth"): .value("1980-02-01"), AttributeID("sex"): .value("female"), AttributeID("postcode"): .value("LS1 4AB"),
            AttributeID("preferred-language"): .value("pl"), AttributeID("health-needs"): .value("Hearing loss"), AttributeID("ethnic-origin"): .value("white-irish"),
        ]
        var declined = base
        declined[AttributeID("ethnic-origin")] = .preferNotToSay
        let saidNo = Self.tenant("T1", [.registration(values: declined)])
        // An objection recorded while the return rested on public task is the tenant's refusal too.
        let objectedEarlier = Self.tenant("T2", [.registration(values: base),
                                                 .decision(PurposeID(RegulatorReturn.purpose), [AttributeID("ethnic-origin")], .objected, notice: nil, validUntil: nil)])
        let transform = try RegulatorReturn.transform(gate: gate, key: SymmetricKey(size: .bits256))
        var withheld: [String: Int] = [:]
        for state in [saidNo, objectedEarlier] {
            let cells = try #require(gate.row(state, withheld: &withheld), "\(state.ref) was dropped from the return")
            #expect(gate.refusedColumns(cells) == [AttributeID("ethnic-origin")], "staff are told which field")
            let sent = transform.cells(state.ref, cells)
            #expect(sent == ["45", "female", "LS1", "pl", "yes", "tenant prefers not to say"], "\(sent)")
            #expect(!sent.contains("white-irish"))
        }
        #expect(withheld.isEmpty, "a refusal is sent as the form's answer, not counted as withheld")
        // An ordinary tenant is unchanged and not flagged.
        let answered = try #require(gate.row(Self.tenant("T3", [.registration(values: base)]), withheld: &withheld))
        #expect(gate.refusedColumns(answered).isEmpty)
        // A purpose on another basis never invents the answer: a "prefer not to say" stays an empty cell.
        let equality = try ExportGate(purpose: "equality-monitoring", catalogue: content.catalogue, at: Self.day0, pseudonymised: true)
        let row = try #require(equality.row(saidNo, withheld: &withheld))
        #expect(!row.contains(ExportGate.prefersNotToSay) && equality.refusedColumns(row).isEmpty)
    }

    @Test func messagesAboutWorksInTheAreaNeedNoConsentAndStopOnObjection() throws {
        let content = try Self.content.get()
        let works = PurposeID("works-in-your-area")
        let purpose = try #require(content.catalogue.purpose(works))
        #expect(purpose.legalBasis == .legitimateInterests && purpose.legalBasis.control == .optOut, "a service message, not marketing")
        let values: [AttributeID: AttributeValue] = [AttributeID("postcode"): .value("LS1 4AB"), AttributeID("email"): .value("ann@example.org")]
        let gate = try ExportGate(purpose: "works-in-your-area", catalogue: content.catalogue, at: Self.day0.addingTimeInterval(86_400), columns: ["postcode", "email"])
        var withheld: [String: Int] = [:]
        #expect(gate.row(Self.tenant("T1", [.registration(values: values)]), withheld: &withheld) == ["LS1 4AB", "ann@example.org"],
                "never asked: told all the same")
        let objected = Self.tenant("T2", [.registration(values: values), .decision(works, purpose.attributes, .objected, notice: nil, validUntil: nil)])
        #expect(gate.row(objected, withheld: &withheld) == nil, "an objection stops the messages")
        let notice = content.localizer.text("notice.works-in-your-area.v1", "en")
        #expect(notice.contains("not advertising") && notice.contains("ask us to stop"))
    }
}
