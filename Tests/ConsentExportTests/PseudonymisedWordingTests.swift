import ConsentCore
import ConsentExport
import ConsentForms
import Foundation
import Testing
import TestSupport

/// The regulator return and equality rows carry keyed pseudonyms we can link back: neither is anonymous,
/// so nothing a tenant reads about them may say so.
@Suite struct PseudonymisedWordingTests {
    /// Words that claim anonymity, per shipped language (English is checked in every language too).
    static let claims: [String: [String]] = [
        "en": ["anonymised", "anonymized", "no one is identified", "nobody is identified"],
        "pl": ["zanonimizowan", "anonimizowan", "nikogo nie identyfikujemy"],
        "ro": ["anonimizat", "nimeni nu este identificat"],
        "ur": ["گمنام", "کسی کی شناخت ظاہر نہیں"],
    ]

    @Test func noTenantFacingTextCallsAPseudonymisedOutputAnonymous() throws {
        let content = try Shipped.load()
        // The return's purpose and equality monitoring (keyed pseudonyms and an age in its rows).
        for id in [RegulatorReturn.purpose, "equality-monitoring"] {
            let purpose = try #require(content.catalogue.purpose(PurposeID(id)))
            let latest = try #require(purpose.notices.map(\.version).max())
            let keys = ["purpose.\(id).name", "purpose.\(id).description", "notice.\(id).v\(latest)"] + purpose.recipients.map { "recipient.\($0)" }
            for language in content.localizer.languages {
                let words = try #require(Self.claims[language.code], "no list of anonymity claims for \(language.code): add its words here")
                let texts = keys.map { content.localizer.text($0, language.code) } + [content.noticeSummary(purpose, language.code)]
                for text in texts {
                    for word in words + (Self.claims["en"] ?? []) {
                        #expect(!text.lowercased().contains(word), "\(id) in \(language.code) claims anonymity (\(word)): \(text)")
                    }
                }
            }
        }
    }

    @Test func theNewerNoticesSayTheOutputCanBeLinkedBack() throws {
        let content = try Shipped.load()
        #expect(content.localizer.text("notice.regulator-returns.v2", "en").contains("We can link the code back to you, so this is not anonymous."))
        #expect(content.localizer.text("notice.equality-monitoring.v2", "en").contains("so they are not anonymous"))
        // Equality rows carry a code and an age since version 5, which says so, and the purpose no longer says a reference is shown.
        let equality = content.localizer.text("notice.equality-monitoring.v5", "en")
        #expect(equality.contains("They do not see your tenancy reference or your date of birth.") && equality.contains("So it is not anonymous."))
        #expect(!content.localizer.text("purpose.equality-monitoring.description", "en").contains("shows your tenancy reference"))
        // What a tenant was shown stays as it was: version 1 is kept, word for word.
        #expect(content.localizer.text("notice.regulator-returns.v1", "en").contains("anonymised information"))
    }
}
