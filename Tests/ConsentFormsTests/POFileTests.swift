import Testing
@testable import ConsentForms

/// The PO reader (read as UTF-8 bytes) as a translator's file meets it: escapes, strings continued
/// over lines, plurals, flags, right-to-left and combining text, Windows line ends, and each mistake
/// named with its line.
@Suite struct POFileTests {
    static let file = #"""
        # Urdu translation
        msgid ""
        msgstr ""
        "Language: ur\n"
        "Plural-Forms: nplurals=2; plural=(n != 1);\n"

        #. the sign-in screen
        #, fuzzy, c-format
        msgctxt "show.title"
        msgid "Your \"details\"\tnow"
        msgstr "آپ کی "
        "تفصیلات\\n"

        msgctxt "years"
        msgid "{count} year"
        msgid_plural "{count} years"
        msgstr[0] "Zoë’s 🇵🇱 {count} rok"
        msgstr[1]  "e\#u{301} {count} lat"
        """#

    @Test func entriesHeaderAndTextsReadAsWritten() throws {
        let po = try POFile(text: Self.file, name: "ur.po")
        #expect(po.header["Language"] == "ur")
        #expect(po.header["Plural-Forms"] == "nplurals=2; plural=(n != 1);")
        #expect(po.entries.count == 2)
        let title = try #require(po.entries.first)
        #expect(title.context == "show.title")
        #expect(title.source == "Your \"details\"\tnow")
        #expect(title.translations == ["آپ کی تفصیلات\\n"])
        #expect(title.flags == ["fuzzy", "c-format"])
        #expect(title.line == 9)
        let years = po.entries[1]
        #expect(years.sourcePlural == "{count} years")
        #expect(years.translations == ["Zoë’s 🇵🇱 {count} rok", "e\u{301} {count} lat"])
        #expect(years.line == 14)
    }

    @Test func windowsLineEndsReadTheSame() throws {
        let windows = Self.file.replacingOccurrences(of: "\n", with: "\r\n")
        let po = try POFile(text: windows, name: "ur.po")
        #expect(po.entries == (try POFile(text: Self.file, name: "ur.po")).entries)
    }

    @Test(arguments: [
        (#"msgstr "a\qb""#, "unknown escape '\\q'"),
        (#"msgstr "a\é""#, "unknown escape '\\é'"),
        (#"msgstr "ends\""#, "a string ends with a lone backslash"),
        (#"msgstr "a"b""#, "an unescaped quote inside a string"),
        (#"msgstr no quotes"#, "expected a string in double quotes"),
        (#"msgstr ""#, "expected a string in double quotes"),
        (#"msgstr"#, "cannot read 'msgstr'"),
        (#"msgtxt "x""#, "unknown keyword 'msgtxt'"),
    ])
    func mistakesAreNamedWithTheirLine(line: String, message: String) throws {
        let text = "msgctxt \"k\"\nmsgid \"English\"\n\(line)\n"
        #expect { try POFile(text: text, name: "pl.po") } throws: { error in
            guard let error = error as? FormsError else { return false }
            return error.file == "pl.po" && error.line == 3 && error.message == message
        }
    }

    @Test func aContinuationWithoutAKeywordIsRefused() throws {
        #expect { try POFile(text: "\n\"stray\"\n", name: "ro.po") } throws: { error in
            (error as? FormsError)?.line == 2 && (error as? FormsError)?.message.contains("no keyword before it") == true
        }
    }
}
