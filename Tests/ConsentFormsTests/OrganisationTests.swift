import ConsentCore
import Foundation
import Testing
@testable import ConsentForms
import TestSupport

/// `Forms/organisation.yaml`: a deployment that does not name its controller, data protection officer,
/// privacy notice and the ICO complaint line is refused, naming the field and the file.
@Suite struct OrganisationTests {
    func loadError(_ edit: (ScratchContent) throws -> Void) throws -> FormsError? {
        let scratch = try ScratchContent()
        defer { scratch.remove() }
        try edit(scratch)
        do {
            _ = try Content.load(forms: scratch.forms, localization: scratch.localization)
        } catch {
            return error
        }
        return nil
    }

    @Test func shippedDemoOrganisationLoads() throws {
        let content = try Content.load(forms: Shipped.forms, localization: Shipped.localization)
        let org = content.organisation
        #expect(org.controller.name == "Example Housing Association (demo)")
        #expect(org.controller.email == "privacy@example.org")
        #expect(org.dataProtectionOfficer.email == "dpo@example.org")
        #expect(org.privacyNoticeURL == "https://example.org/privacy")
        #expect(org.complaintsURL == "https://ico.org.uk/make-a-complaint")
        #expect(org.complaintsPhone == "0303 123 1113")
        #expect(Set(org.documents.keys) == ["dpia", "appropriate-policy-document", "legitimate-interests-assessment"])
        let lines = org.lines(content.localizer, "en")
        #expect(lines.first == "Example Housing Association (demo) is in charge of your information. Contact: Example House, 1 Sample Street, Exampletown, 01632 960000, privacy@example.org.")
        #expect(lines.last?.contains("The ICO is the body that checks how we use your details: https://ico.org.uk/make-a-complaint, phone 0303 123 1113") == true)
        // The values stay as written in every language; the sentence around them is translated.
        for language in content.localizer.languages {
            let shown = org.lines(content.localizer, language.code).joined(separator: " ")
            for value in ["Example Housing Association (demo)", "dpo@example.org", "https://example.org/privacy", "0303 123 1113"] {
                #expect(shown.contains(value), "\(language.code) lacks \(value)")
            }
            if language.code != "en" { #expect(!shown.contains("is in charge of your information"), "\(language.code) is English") }
        }
    }

    @Test func controllerEmailRemovedIsRefusedNamingFieldAndFile() throws {
        let error = try #require(try loadError { try $0.edit("Forms/organisation.yaml", replacing: "  email: \"privacy@example.org\"\n", with: "") })
        #expect(error.file == "organisation.yaml")
        #expect(error.entry == "controller")
        #expect(error.message == "'email' is required: fill in controller.email in Forms/organisation.yaml")
    }

    @Test func complaintLineRemovedIsRefused() throws {
        let error = try #require(try loadError { try $0.edit("Forms/organisation.yaml", replacing: "  phone: \"0303 123 1113\"\n", with: "") })
        #expect(error.file == "organisation.yaml")
        #expect(error.entry == "complaints")
        #expect(error.message.contains("complaints.phone"))
    }

    @Test func dataProtectionOfficerRemovedIsRefused() throws {
        let error = try #require(try loadError {
            try $0.edit("Forms/organisation.yaml", replacing: "data-protection-officer:\n  name: \"Data Protection Officer\"\n  email: \"dpo@example.org\"\n  phone: \"01632 960001\"\n", with: "")
        })
        #expect(error.file == "organisation.yaml")
        #expect(error.message.contains("'data-protection-officer' is required"))
    }

    @Test func privacyNoticeNeedsAWebAddressOrAPaperCopy() throws {
        let error = try #require(try loadError {
            try $0.edit("Forms/organisation.yaml", replacing: "  url: \"https://example.org/privacy\"\n  paper-copy: \"the housing office reception, Example House\"\n", with: "  url: \"\"\n")
        })
        #expect(error.entry == "privacy-notice")
        #expect(error.message.contains("'paper-copy'"))
    }

    @Test func missingFileIsRefused() throws {
        let error = try #require(try loadError { try FileManager.default.removeItem(at: $0.forms.appendingPathComponent("organisation.yaml")) })
        #expect(error.file == "organisation.yaml")
        #expect(error.message.hasPrefix("is missing"))
    }

    @Test func legitimateInterestsNeedTheirAssessment() throws {
        let error = try #require(try loadError {
            try $0.edit("Forms/organisation.yaml", replacing: "  legitimate-interests-assessment:", with: "  # legitimate-interests-assessment:")
        })
        #expect(error.entry == "documents")
        #expect(error.message.contains("'legitimate-interests-assessment' is required (purpose 'works-in-your-area' relies on legitimate interests)"))
    }

    @Test func aLineBreakOrControlCharacterIsRefused() throws {
        let error = try #require(try loadError {
            try $0.edit("Forms/organisation.yaml", replacing: "Example House, 1 Sample Street", with: "Example House\\e[2J, 1 Sample Street")
        })
        #expect(error.entry == "controller")
        #expect(error.message.contains("one line of plain text"))
    }
}

/// Every purpose's notice states, in every language, what UK GDPR Art. 13 asks; a notice lacking one
/// element is refused, naming the purpose, the language and the element.
@Suite struct NoticeCompletenessTests {
    func loadError(_ edit: (ScratchContent) throws -> Void) throws -> FormsError? {
        try OrganisationTests().loadError(edit)
    }

    /// Removes one `msgctxt` entry from a catalogue.
    static func removeEntry(_ key: String, from file: URL) throws {
        var text = try String(contentsOf: file, encoding: .utf8)
        guard let start = text.range(of: "msgctxt \"\(key)\"\n"),
              let end = text.range(of: "\n\n", range: start.upperBound..<text.endIndex) ?? text.range(of: "\n", options: .backwards) else {
            throw CocoaError(.fileReadUnknown)
        }
        text.removeSubrange(start.lowerBound..<end.upperBound)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }

    @Test func shippedNoticesAreComplete() throws {
        let content = try Content.load(forms: Shipped.forms, localization: Shipped.localization)
        for purpose in content.catalogue.purposes {
            for language in content.localizer.languages {
                let parts = content.noticeParts(purpose, language.code)
                #expect(parts.count == 5)
                for part in parts { #expect(!part.contains("required.") && !part.contains("rights.") && !part.contains("{"), "\(purpose.id) \(language.code): \(part)") }
                if language.code != "en" {
                    #expect(parts.last != content.noticeParts(purpose, "en").last, "\(purpose.id): rights not translated in \(language.code)")
                }
            }
        }
        let emergency = try #require(content.catalogue.purpose(PurposeID("emergency-contact")))
        #expect(content.noticeParts(emergency, "en") == [
            "Why: Only with your consent. You can withdraw it at any time.",
            "Who receives it: Our housing staff; Emergency services, when needed",
            "How long: Until you withdraw",
            "You do not have to agree. If you say no, nothing else in your tenancy will change.",
            "You can withdraw your consent at any time, here or by phone. You can also see and correct what we hold, and ask us to delete it.",
        ])
    }

    @Test func rightsMissingInPolishNamesPurposeLanguageAndElement() throws {
        let error = try #require(try loadError { try Self.removeEntry("rights.consent", from: $0.localization.appendingPathComponent("pl.po")) })
        #expect(error.file == "pl.po")
        #expect(error.entry == "notice for purpose 'emergency-contact'")
        #expect(error.message.contains("in pl it does not say the tenant's rights"))
        #expect(error.message.contains("rights.consent"))
    }

    @Test func whetherRequiredMissingFromTheTemplateNamesEnglish() throws {
        let error = try #require(try loadError { scratch in
            for file in ["messages.pot", "pl.po", "ro.po", "ur.po"] {
                try Self.removeEntry("required.contract", from: scratch.localization.appendingPathComponent(file))
            }
        })
        #expect(error.file == "messages.pot")
        #expect(error.entry == "notice for purpose 'tenancy-management'")
        #expect(error.message.contains("in en it does not say whether giving it is required"))
    }

    @Test func complaintMissingInUrduIsRefused() throws {
        let error = try #require(try loadError { try Self.removeEntry("org.complain", from: $0.localization.appendingPathComponent("ur.po")) })
        #expect(error.file == "ur.po")
        #expect(error.message.contains("in ur it does not say the right to complain to the ICO"))
    }

    @Test func recipientsRemovedFromAPurposeIsRefused() throws {
        let error = try #require(try loadError {
            try $0.edit("Forms/purposes.yaml", replacing: "    recipients: [resident-panel, landlord-staff]\n", with: "")
        })
        #expect(error.file == "purposes.yaml")
        #expect(error.entry == "notice for purpose 'resident-involvement'")
        #expect(error.message.contains("does not say who receives it"))
    }

    @Test func untilWithdrawnOnANonConsentPurposeIsRefused() throws {
        let error = try #require(try loadError {
            try $0.edit("Forms/purposes.yaml", replacing: "    retention: 6 years after tenancy end\n", with: "    retention: until withdrawn\n")
        })
        #expect(error.entry == "notice for purpose 'tenancy-management'")
        #expect(error.message.contains("does not say how long it is kept"))
        #expect(error.message.contains("'until withdrawn' fits only consent"))
    }
}
