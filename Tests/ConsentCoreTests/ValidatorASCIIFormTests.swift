@testable import ConsentCore
import Foundation
import PropertyBased
import Testing

/// The byte-by-byte forms of ASCII phone numbers, email addresses and postcodes give exactly what the
/// character forms (Foundation, a regular expression) give: a value typed in ASCII is stored, or refused,
/// as it was before.
@Suite struct ValidatorASCIIFormTests {
    /// Values of each form, good and nearly good, to change one character at a time.
    static let phones = ["07700 900123", "+44 (0)7700 900123", "0044 161 496 0000", "(0161) 496-0000", "07700.900.123",
                         "+447700900123", "00447700900123", "0161 4960000", "020 7946 0000", "(0)7700900123",
                         "07700 900123 (0)", "+44 (07700 900123"]
    static let emails = ["ann.smith@example.org", "Ann.Smith@Example.ORG", "a@b.co", "x-y_z+tag@sub.example-1.uk",
                         "ann@example", "ann..x@example.org", ".ann@example.org", "ann@-example.org", "ann@example.123"]
    static let postcodes = ["SW1A 1AA", "sw1a1aa", " M1 1ae ", "LS2 9JT", "CF10 1EP", "GIR 0AA", "gir0aa", "W1 0AX",
                            "EC1A 1BB", "QQ1 1AA", "M1 1AC", "B33 8TH", "CR2 6XH", "DN55 1PT", "JE2 3QQ",
                            "M1 1A", "W1A 0", "SW1 1AA"]

    /// Each seed with every ASCII character put in at every place, and with each of its characters taken out.
    static func variants(of seeds: [String]) -> [String] {
        var out: [String] = []
        for seed in seeds {
            let bytes = Array(seed.utf8)
            for at in 0...bytes.count {
                for byte in UInt8(0)..<0x80 {
                    var changed = bytes
                    changed.insert(byte, at: at)
                    out.append(String(decoding: changed, as: UTF8.self))
                }
                if at < bytes.count {
                    var shorter = bytes
                    shorter.remove(at: at)
                    out.append(String(decoding: shorter, as: UTF8.self))
                }
            }
        }
        return out
    }

    static let dates = ["30/08/2001", "30 08 2001", "30-08-2001", "30.8.2001", "30 / 8 / 2001", "2001-08-30", "29/02/2000",
                        "29/02/1900", "31/04/2001", "1/1/1900", "31/12/2200", "00030/0008/2001", "2001-8-3", "30/08/01"]
    static let references = ["T0000001", " t0000001 ", "\tab-12/3\t", "X", "HA/2024-0001", "t 1"]

    /// One normal form: its seeds, its two readings, and how many variants both must accept (so the comparison
    /// covers both answers).
    struct Form: Sendable, CustomTestStringConvertible {
        let name: String
        let seeds: [String]
        let ascii: @Sendable (String) -> String?
        let character: @Sendable (String) -> String?
        let accepted: Int
        var testDescription: String { name }
    }

    static let forms = [
        Form(name: "phone", seeds: phones, ascii: Validator.ukPhoneASCII, character: Validator.ukPhoneUnicode, accepted: 500),
        Form(name: "email", seeds: emails, ascii: Validator.emailASCII, character: Validator.emailUnicode, accepted: 1_000),
        Form(name: "postcode", seeds: postcodes, ascii: Validator.ukPostcodeASCII, character: Validator.ukPostcodeUnicode, accepted: 100),
        Form(name: "date", seeds: dates + ["99999999999999999999/1/2001", "1/99999999999999999999/2001"], ascii: Validator.dateASCII,
             character: Validator.dateUnicode, accepted: 200),
    ]

    @Test(arguments: forms)
    func eachVariantReadsAsTheCharacterFormReadsIt(_ form: Form) {
        var accepted = 0
        for text in Self.variants(of: form.seeds) {
            let ascii = form.ascii(text)
            #expect(ascii == form.character(text), "\(form.name) \(text.debugDescription)")
            if ascii != nil { accepted += 1 }
        }
        #expect(accepted > form.accepted)
    }

    @Test func theQuickFormsGiveTheNormalForms() {
        #expect(Validator.ukPhone("+44 (0)7700 900-123") == "07700900123")
        #expect(Validator.email("Ann.Smith@Example.ORG") == "Ann.Smith@example.org")
        #expect(Validator.ukPostcode("gir0aa") == "GIR 0AA")
        #expect(Validator.date("30.8.2001") == "2001-08-30")
    }

    @Test func tenancyReferencesAreTrimmedAndCapitalisedAsFoundationDoesIt() {
        for text in Self.variants(of: Self.references) {
            #expect(Validator.trimmedUppercaseASCII(text) == text.trimmingCharacters(in: .whitespaces).uppercased(), "\(text.debugDescription)")
        }
    }

    /// Random text over the characters these forms give meaning to.
    @Test func randomTextReadsAlikeByBothForms() async {
        let alphabet = Array("0123456789+44()-. @abAZgirCIKMOVQXJ_\t/2001".utf8)
        await propertyCheck(count: 3_000, input: Gen<UInt8?>.element(of: alphabet).array(of: 0...16)) { bytes in
            let text = String(decoding: bytes.compactMap { $0 }, as: UTF8.self)
            #expect(Validator.ukPhoneASCII(text) == Validator.ukPhoneUnicode(text), "\(text.debugDescription)")
            #expect(Validator.emailASCII(text) == Validator.emailUnicode(text), "\(text.debugDescription)")
            #expect(Validator.ukPostcodeASCII(text) == Validator.ukPostcodeUnicode(text), "\(text.debugDescription)")
            #expect(Validator.dateASCII(text) == Validator.dateUnicode(text), "\(text.debugDescription)")
        }
    }

    /// Text that is not ASCII takes the character forms: an international domain is kept, a full-width digit refused.
    @Test func textBeyondASCIITakesTheCharacterForms() {
        #expect(Validator.email("zoë@ÉXAMPLE.org") == "zoë@éxample.org")
        #expect(Validator.ukPhone("０7700 900123") == nil)
        #expect(Validator.ukPostcode("SW1A 1AA\u{00A0}") == nil)
    }

    /// The quick control-character check refuses exactly what the scalar check refuses.
    @Test func controlCharactersAreRefusedAsBefore() throws {
        let validator = try Validator(catalogue: Fixture.catalogue)
        for byte in UInt8(0)..<0x80 {
            let text = "Ann" + String(UnicodeScalar(byte)) + "Smith"
            let refused = validator.normalise(text, for: Fixture.name) == .failure(.control)
            let scalar = UnicodeScalar(byte)
            #expect(refused == (!"\t\n\r".unicodeScalars.contains(scalar) && TextSafety.isForbidden(scalar)), "\(byte)")
        }
        #expect(validator.normalise(String(repeating: "a", count: 120), for: Fixture.name) == .success(String(repeating: "a", count: 120)))
        #expect(validator.normalise(String(repeating: "a", count: 121), for: Fixture.name) == .failure(.tooLong(max: 120)))
        #expect(validator.normalise("a\r\n" + String(repeating: "a", count: 118), for: Fixture.name) == .success("a " + String(repeating: "a", count: 118)))
    }
}
