@testable import ConsentCore
import Foundation
import Testing

@Suite struct ValidationTests {
    let v = try! Validator(catalogue: Fixture.catalogue)
    let today = Date(timeIntervalSince1970: 1_790_000_000)

    @Test(arguments: [("sw1a1aa", "SW1A 1AA"), (" M1 1ae ", "M1 1AE"), ("LS2 9JT", "LS2 9JT"), ("CF10 1EP", "CF10 1EP")])
    func postcodesAreNormalised(_ raw: String, _ normal: String) {
        #expect(v.normalise(raw, for: Fixture.postcode, today: today) == .success(normal))
    }

    @Test(arguments: ["SW1A", "12345", "QQ1 1AA", "M1 1AC", "SW1A 1AAA"])
    func badPostcodesAreRefused(_ raw: String) {
        #expect(v.normalise(raw, for: Fixture.postcode, today: today) == .failure(.postcode))
    }

    @Test func phonesAreNormalisedAndPatternChecked() {
        let mobile = AttributeID("mobile")
        #expect(v.normalise("+44 (0)7700 900123", for: mobile, today: today) == .success("07700900123"))
        #expect(v.normalise("07700-900-123", for: mobile, today: today) == .success("07700900123"))
        #expect(v.normalise("0161 496 0000", for: mobile, today: today) == .failure(.pattern))
        #expect(v.normalise("call me", for: mobile, today: today) == .failure(.phone))
    }

    @Test func datesMustExist() {
        #expect(v.normalise("29/02/1984", for: Fixture.dob, today: today) == .success("1984-02-29"))
        #expect(v.normalise("29/02/1983", for: Fixture.dob, today: today) == .failure(.date))
        #expect(v.normalise("1990-13-01", for: Fixture.dob, today: today) == .failure(.date))
        #expect(v.normalise("01/01/2099", for: Fixture.dob, today: today) == .failure(.dateFuture))
    }

    @Test(arguments: ["30/08/2001", "30 08 2001", "30-08-2001", "30.8.2001", "30 / 8 / 2001", " 30/08/2001 ", "2001-08-30"])
    func datesInEveryCommonForm(_ typed: String) {
        #expect(Validator.date(typed) == "2001-08-30")
    }

    @Test(arguments: ["30/08/01", "30082001", "30/08", "thirty/08/2001", "31/02/2001", ""])
    func notADate(_ typed: String) {
        #expect(Validator.date(typed) == nil)
    }

    @Test func emails() {
        #expect(v.normalise("Ann.Smith@Example.ORG", for: Fixture.email, today: today) == .success("Ann.Smith@example.org"))
        for bad in ["ann", "ann@", "@example.org", "a b@example.org", "ann@example", "ann..x@example.org"] {
            #expect(v.normalise(bad, for: Fixture.email, today: today) == .failure(.email), "\(bad)")
        }
    }

    @Test func choicesAndPreferNotToSay() {
        #expect(v.normalise("Muslim", for: Fixture.religion, today: today) == .success("muslim"))
        #expect(v.normalise("jedi", for: Fixture.religion, today: today) == .failure(.choice))
        #expect(v.check(.preferNotToSay, for: Fixture.religion) == .success(.preferNotToSay))
        #expect(v.check(.preferNotToSay, for: Fixture.email) == .failure(.preferNotToSayNotOffered))
    }

    /// Core cases of the naughty-strings list, carried here so the suite does not need ../shared.
    @Test func hostileTextIsStoredVerbatimOrRefusedClearly() {
        let stored = ["Robert'); DROP TABLE tenant;--", "<script>alert(1)</script>", "$(rm -rf /)", "Zoë Ångström",
                      "محمد علي", "田中太郎", "👩‍👩‍👧", "ﷺ", "null", "undefined", "\u{200B}zero\u{200B}width", "Ⅻ ½ ①"]
        for text in stored {
            #expect(v.normalise(text, for: Fixture.name, today: today) == .success(text.precomposedStringWithCanonicalMapping), "\(text)")
        }
        let refused = ["Ann\u{1B}[2J", "bell\u{07}", "nul\u{0}", "\u{202E}evil", "isolate\u{2066}x", "bom\u{FEFF}", "c1\u{85}x"]
        for text in refused {
            #expect(v.normalise(text, for: Fixture.name, today: today) == .failure(.control), "\(text.debugDescription)")
        }
        #expect(v.normalise("   ", for: Fixture.name, today: today) == .failure(.required))
        #expect(v.normalise("line one\nline two\tend", for: Fixture.name, today: today) == .success("line one line two end"))
        let zalgo = "Z" + String(repeating: "\u{0336}", count: 600)
        #expect(v.normalise(zalgo, for: Fixture.name, today: today) == .failure(.tooLong(max: 120)))
    }

    @Test func displaySafeNeutralisesEscapes() {
        let shown = TextSafety.displaySafe("Ann\u{1B}]0;pwned\u{07}\u{202E}x")
        #expect(!shown.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x202E })
        #expect(shown.contains("␛"))
        #expect(TextSafety.displaySafe("Zoë") == "Zoë")
    }

    @Test func changeRulesRefuseWhatNoChannelMayRecord() {
        let now = Fixture.day0.addingTimeInterval(86_400)
        func check(_ payload: EventPayload) -> ChangeError? {
            do {
                _ = try ChangeRules.check(ChangeRequest(tenant: Fixture.ref, payload: payload, actor: .tenant, channel: .kiosk), validator: v, now: now)
                return nil
            } catch { return error }
        }
        #expect(check(Fixture.decide(Fixture.tenancy, [Fixture.email], .withdrawn)) == .notSwitchable(Fixture.tenancy))
        #expect(check(.decision(Fixture.updates, [Fixture.email], .granted, notice: nil, validUntil: nil)) == .noticeRequired(Fixture.updates))
        #expect(check(.decision(Fixture.updates, [Fixture.email], .granted, notice: NoticeShown(version: 9, language: "en"), validUntil: nil))
                == .unknownNoticeVersion(Fixture.updates, 9))
        #expect(check(Fixture.decide(Fixture.updates, [Fixture.email], .objected)) == .decisionNotAllowed(.objected, Fixture.updates))
        #expect(check(Fixture.decide(Fixture.updates, [Fixture.religion], .withdrawn)) == .attributeNotInPurpose(Fixture.religion, Fixture.updates))
        #expect(check(.correction(Fixture.email, .value("nope"), pending: false)) == .invalidValue(Fixture.email, .email))
        #expect(check(Fixture.decide(Fixture.equality, [Fixture.religion], .objected)) == nil)
        // A tenant at the kiosk cannot erase the date of birth they sign in with; staff can.
        #expect(check(.erasure(Fixture.dob)) == .notErasableByTenant(Fixture.dob))
        #expect(check(.erasure(Fixture.email)) == nil)
        let staff = ChangeRequest(tenant: Fixture.ref, payload: .erasure(Fixture.dob), actor: .staff(StaffID("S1"), verification: "in-person", reason: "asked"),
                                  channel: .phone)
        #expect((try? ChangeRules.check(staff, validator: v, now: now)) != nil)
    }
}

@Suite struct CalendarArithmeticTests {
    @Test func addingMonthsClampsTheDay() {
        func day(_ text: String) -> Date { ISO8601DateFormatter().date(from: text + "T10:30:00Z") ?? Date() }
        #expect(ChangeRules.adding(months: 1, to: day("2024-01-31")) == day("2024-02-29"))
        #expect(ChangeRules.adding(months: 24, to: day("2026-11-25")) == day("2028-11-25"))
        #expect(ChangeRules.adding(months: 13, to: day("2025-12-15")) == day("2027-01-15"))
        #expect(ChangeRules.adding(months: -2, to: day("2026-03-31")) == day("2026-01-31"))
        #expect(Validator.isoDay(day("1969-12-31")) == "1969-12-31")
        #expect(Validator.isoDay(day("2000-02-29")) == "2000-02-29")
    }
}

@Suite struct TypedDateTests {
    @Test func aStoredDateIsShownAsItIsTyped() {
        #expect(Validator.typedDate("2001-08-30") == "30/08/2001")
        #expect(Validator.typedDate("2000-02-29") == "29/02/2000")
        // What is not a real stored date is shown as it is.
        #expect(Validator.typedDate("2001-02-30") == "2001-02-30")
        #expect(Validator.typedDate("30/08/2001") == "30/08/2001")
        #expect(Validator.typedDate("") == "")
        // Typed back, it is the same stored date.
        #expect(Validator.date(Validator.typedDate("1970-05-01")) == "1970-05-01")
        #expect(Validator.typed("1970-05-01", as: .date) == "01/05/1970")
        #expect(Validator.typed("1970-05-01", as: .text) == "1970-05-01")
    }

    /// The quick forms of dates and of case-blind choice matching give what Foundation's did.
    @Test func quickFormsAgreeWithFoundation() {
        for year in [1, 999, 1000, 1900, 1970, 2026, 9999, 10_000] {
            for (month, day) in [(1, 1), (2, 29), (9, 9), (10, 10), (12, 31)] {
                #expect(Validator.isoText(year, month, day) == String(format: "%04d-%02d-%02d", year, month, day))
            }
        }
        let texts = ["female", "FEMALE", "Female ", "fEmAlE", "femal", "", "@", "`", "[", "{", "white-british", "White-British",
                     "white_british", "Zoë", "ZOË", "straße", "STRASSE", "İ", "i"]
        for a in texts {
            for b in texts {
                #expect(Validator.sameIgnoringCase(a, b) == (a.caseInsensitiveCompare(b) == .orderedSame), "\(a) \(b)")
            }
        }
    }
}
