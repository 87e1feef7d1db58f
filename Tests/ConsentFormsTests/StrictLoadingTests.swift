import ConsentCore
import Testing
@testable import ConsentForms

/// Each broken Forms or Localization file must fail with a message naming the file and the entry.
@Suite struct StrictLoadingTests {
    func loadError(_ path: String, _ old: String, _ new: String) throws -> FormsError {
        let scratch = try ScratchContent()
        defer { scratch.remove() }
        try scratch.edit(path, replacing: old, with: new)
        do {
            _ = try Content.load(forms: scratch.forms, localization: scratch.localization)
        } catch {
            return error
        }
        Issue.record("loading succeeded although \(path) was broken")
        return FormsError(file: "", "")
    }

    @Test func unknownAttributeInAPurpose() throws {
        let error = try loadError("Forms/purposes.yaml", "attributes: [preferred-name, mobile, preferred-language]",
                                  "attributes: [preferred-name, mobile-phone, preferred-language]")
        #expect(error.file == "purposes.yaml")
        #expect(error.entry == "purpose 'service-updates-sms'")
        #expect(error.message.contains("unknown attribute 'mobile-phone'"))
    }

    @Test func aPseudonymisedPurposeMayNotListAContactDetailAndRowsTakesOnlyKnownWords() throws {
        let email = try loadError("Forms/purposes.yaml", "  - id: service-updates-email\n", "  - id: service-updates-email\n    rows: pseudonymised\n")
        #expect(email.entry == "purpose 'service-updates-email'")
        #expect(email.message.contains("pseudonymised rows but lists 'email', which identifies the tenant"), "\(email.message)")
        let unknown = try loadError("Forms/purposes.yaml", "    rows: pseudonymised\n", "    rows: pseudonymous\n")
        #expect(unknown.entry == "purpose 'equality-monitoring'")
        #expect(unknown.message.contains("rows: 'pseudonymous' is not known"), "\(unknown.message)")
    }

    @Test func duplicateAttributeID() throws {
        let error = try loadError("Forms/attributes.yaml", "  - id: preferred-name\n", "  - id: full-name\n")
        #expect(error.file == "attributes.yaml")
        #expect(error.entry == "attribute 'full-name'")
        #expect(error.message == "duplicate id")
    }

    @Test func badRegularExpression() throws {
        let error = try loadError("Forms/attributes.yaml", "pattern: '^(\\+447|07)[0-9]{9}$'", "pattern: '^(\\+447|07[0-9]{9}$'")
        #expect(error.entry == "attribute 'mobile'")
        #expect(error.message.contains("not a valid regular expression"))
        #expect(error.line != nil)
    }

    @Test func misspelledKeyIsNotIgnored() throws {
        let error = try loadError("Forms/attributes.yaml", "    needs-evidence: true\n  - id: preferred-name",
                                  "    needs-evidense: true\n  - id: preferred-name")
        #expect(error.entry == "attribute 'full-name'")
        #expect(error.message.contains("unknown key 'needs-evidense'"))
    }

    @Test func specialCategoryWithoutItsArt9ConditionIsRefusedNamingThePurposeAndTheField() throws {
        let error = try loadError("Forms/purposes.yaml", "    art9-condition: \"9(2)(a)\"\n", "")
        #expect(error.file == "purposes.yaml")
        #expect(error.entry == "purpose 'tailoring-services'")
        #expect(error.message.contains("uses special-category 'health-needs' without its Art. 9 condition: fill in 'art9-condition'"), "\(error.message)")
    }

    @Test func aScheduleOneConditionNeedsItsParagraphAndItsPolicyDocument() throws {
        let noParagraph = try loadError("Forms/purposes.yaml", "    schedule-1-paragraph: 6\n", "")
        #expect(noParagraph.entry == "purpose 'regulator-returns'")
        #expect(noParagraph.message.contains("fill in 'schedule-1-paragraph' (6 to 28)"), "\(noParagraph.message)")
        let wrongParagraph = try loadError("Forms/purposes.yaml", "    schedule-1-paragraph: 8\n", "    schedule-1-paragraph: 2\n")
        #expect(wrongParagraph.message.contains("schedule-1-paragraph 2 does not meet art9-condition 9(2)(g)"), "\(wrongParagraph.message)")
        let consentWithoutExplicit = try loadError("Forms/purposes.yaml", "    art9-condition: \"9(2)(a)\"\n", "    art9-condition: \"9(2)(g)\"\n")
        #expect(consentWithoutExplicit.message.contains("set 'art9-condition: 9(2)(a)'"), "\(consentWithoutExplicit.message)")
    }

    @Test func aMissingPolicyDocumentFieldIsNamed() throws {
        let scratch = try ScratchContent()
        defer { scratch.remove() }
        try scratch.edit("Forms/purposes.yaml", replacing: "    appropriate-policy-document: \"DEMO: none written; the DPO's file DP-02, section on equality monitoring\"\n", with: "")
        #expect {
            _ = try Content.load(forms: scratch.forms, localization: scratch.localization)
        } throws: { error in
            guard let error = error as? FormsError else { return false }
            return error.entry == "purpose 'equality-monitoring'" && error.message.contains("fill in 'appropriate-policy-document'")
                && error.message.contains("paragraph 8")
        }
    }

    @Test func missingTranslationKeyForAFormsEntry() throws {
        let error = try loadError("Localization/messages.pot", "msgctxt \"recipient.resident-panel\"", "msgctxt \"recipient.resident-panels\"")
        // The template lost a key Forms needs: the Polish file now has a key the template lacks.
        #expect(error.file == "pl.po")
        #expect(error.entry == "msgctxt \"recipient.resident-panel\"")
    }

    @Test func missingTranslationInOneLanguage() throws {
        let scratch = try ScratchContent()
        defer { scratch.remove() }
        let url = scratch.localization.appendingPathComponent("ro.po")
        var text = try String(contentsOf: url, encoding: .utf8)
        let start = try #require(text.range(of: "msgctxt \"show.title\""))
        let end = try #require(text.range(of: "\n\n", range: start.upperBound..<text.endIndex))
        text.removeSubrange(start.lowerBound..<end.upperBound)
        try text.write(to: url, atomically: true, encoding: .utf8)
        #expect {
            try Content.load(forms: scratch.forms, localization: scratch.localization)
        } throws: { error in
            let e = error as? FormsError
            return e?.file == "ro.po" && e?.entry == "msgctxt \"show.title\"" && e?.message.contains("missing translation") == true
        }
    }

    @Test func placeholderDroppedInATranslation() throws {
        let scratch = try ScratchContent()
        defer { scratch.remove() }
        let url = scratch.localization.appendingPathComponent("ur.po")
        let text = try String(contentsOf: url, encoding: .utf8)
        let start = try #require(text.range(of: "msgctxt \"show.reference\""))
        let msgstrLine = try #require(text.range(of: "msgstr", range: start.upperBound..<text.endIndex))
        let msgstr = try #require(text.range(of: "{reference}", range: msgstrLine.upperBound..<text.endIndex))
        try text.replacingCharacters(in: msgstr, with: "{ref}").write(to: url, atomically: true, encoding: .utf8)
        #expect {
            try Content.load(forms: scratch.forms, localization: scratch.localization)
        } throws: { error in
            let e = error as? FormsError
            return e?.file == "ur.po" && e?.entry == "msgctxt \"show.reference\"" && e?.message.contains("placeholders") == true
        }
    }

    @Test func staleTranslationOfChangedEnglish() throws {
        let error = try loadError("Localization/messages.pot", "msgid \"What we hold about you\"", "msgid \"Everything we hold about you\"")
        #expect(error.file == "pl.po")
        #expect(error.message.contains("older English text"))
    }

    @Test func pluralRuleParsesGettextHeaders() throws {
        let pl = try PluralRule(header: "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);")
        #expect([1, 2, 3, 4, 5, 11, 12, 21, 22, 104, 112].map(pl.form) == [0, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2])
        #expect(throws: PluralRuleError.self) { try PluralRule(header: "nplurals=2; plural=(n != ;") }
        #expect(throws: PluralRuleError.self) { try PluralRule(header: "plural=n") }
    }
}
