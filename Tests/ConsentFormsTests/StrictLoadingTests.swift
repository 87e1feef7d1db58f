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

    @Test func specialCategoryWithoutConditionIsRefused() throws {
        let error = try loadError("Forms/purposes.yaml", "    special-condition: dpa-2018-sch1-para6\n", "")
        #expect(error.entry == "purpose 'regulator-returns'")
        #expect(error.message.contains("without a 'special-condition'"))
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
