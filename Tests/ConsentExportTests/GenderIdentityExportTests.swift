import ConsentCore
@testable import ConsentExport
import ConsentForms
import Crypto
import Foundation
import Testing

/// What leaves about sex and gender identity (issue 24): the CORE return sends sex as the census asks it,
/// a refusal as the log's own "prefers not to say", and never gender identity; a "what we hold" email never
/// names gender identity at all, and shows the retired gender answer only as held.
@Suite struct GenderIdentityExportTests {
    static let values: [AttributeID: AttributeValue] = [
        AttributeID("full-name"): .value("Ann Smith"), AttributeID("email"): .value("ann@example.org"),
        AttributeID("date-of-birth"): .value("1980-02-01"), AttributeID("sex"): .preferNotToSay, AttributeID("postcode"): .value("LS1 4AB"),
        AttributeID("preferred-language"): .value("en"), AttributeID("ethnic-origin"): .value("white-irish"),
        AttributeID("gender-identity"): .value("no"), AttributeID("gender-identity-write-in"): .value("Trans woman"),
        AttributeID("gender"): .value("non-binary"),
    ]

    @Test func theReturnSendsSexWithItsPrefersNotToSayAndNeverGenderIdentity() throws {
        let content = try LegalBasesExportTests.content.get()
        let gate = try ExportGate(purpose: RegulatorReturn.purpose, catalogue: content.catalogue,
                                  at: LegalBasesExportTests.day0.addingTimeInterval(86_400), pseudonymised: true)
        #expect(!gate.columns.contains(AttributeID("gender-identity")) && !gate.columns.contains(AttributeID("gender-identity-write-in")))
        #expect(RegulatorReturn.columns.contains("sex") && !RegulatorReturn.columns.contains { $0.contains("gender") })
        let state = LegalBasesExportTests.tenant("T1", [.registration(values: Self.values)])
        var withheld: [String: Int] = [:]
        let cells = try #require(gate.row(state, withheld: &withheld))
        #expect(gate.refusedColumns(cells) == [AttributeID("sex")], "staff are told the tenant declined the sex question")
        let sent = try RegulatorReturn.transform(gate: gate, key: SymmetricKey(size: .bits256)).cells(state.ref, cells)
        #expect(sent[1] == RegulatorReturn.prefersNotToSay, "\(sent)")
        #expect(!sent.contains { $0?.contains("Trans") == true || $0 == "no" || $0 == "non-binary" }, "\(sent)")
    }

    @Test func aWhatWeHoldEmailNeverNamesGenderIdentity() throws {
        let content = try LegalBasesExportTests.content.get()
        let mailing = try Mailing(content: content, template: "what-we-hold", answering: TenantRef("T1"), at: LegalBasesExportTests.day0)
        let state = LegalBasesExportTests.tenant("T1", [.registration(values: Self.values)])
        let (text, shown) = mailing.body(state, listed: mailing.template.names(content.catalogue))
        #expect(!text.contains("Gender identity") && !text.contains("Trans woman"), "\(text)")
        #expect(!text.lowercased().contains("gender identity") && !text.contains("registered at birth"), "\(text)")
        #expect(!shown.contains(AttributeID("gender-identity")) && !shown.contains(AttributeID("gender-identity-write-in")))
        // The retired gender answer is named as held, never shown: it could say what the gender identity is.
        #expect(text.contains("- Gender: held; we never send this by email"), "\(text)")
        #expect(!text.contains("Non-binary") && !shown.contains(AttributeID("gender")))
        #expect(text.contains("- Sex: you preferred not to say"), "\(text)")
    }
}
