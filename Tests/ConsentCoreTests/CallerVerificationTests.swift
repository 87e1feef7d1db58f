import ConsentCore
import Foundation
import Testing

/// A caller is never verified by what the tenant's own post carries alone, and a tenant with a
/// safe-address or vulnerable marker needs a one-time code or a call-back on top of the details.
@Suite struct CallerVerificationTests {
    static let mobile = AttributeID("mobile")
    static let policy = StaffPolicy(
        checks: [Fixture.dob, Fixture.postcode, mobile, Fixture.email], required: 2,
        reasons: [ReasonCode(id: "caller-request", label: "asked")], heldAttributes: [],
        markers: [MarkerDefinition(id: "safe-address", alert: "SAFE ADDRESS", hides: [Fixture.postcode]),
                  MarkerDefinition(id: "interpreter", alert: "Needs an interpreter", hides: [])],
        onTenantPost: [Fixture.postcode, mobile, Fixture.email],
        stronger: StrongerCheckPolicy(markers: ["safe-address"], methods: [.oneTimeCode, .callBack], codeTo: mobile, callBackTo: [mobile]))
    static let validator = try! Validator(catalogue: Fixture.catalogue)
    static let postOnly: [AttributeID: String] = [Fixture.postcode: "LS1 4AB", mobile: "07700900123", Fixture.email: "ann@example.org"]
    static let withBirth: [AttributeID: String] = [Fixture.dob: "01/02/1980", Fixture.postcode: "LS1 4AB"]

    static var held: TenantState {
        var state = TenantState(ref: Fixture.ref)
        state.apply(Fixture.event(Fixture.kiosk, 1, .registration(values: [
            Fixture.dob: .value("1980-02-01"), Fixture.postcode: .value("LS1 4AB"), Fixture.email: .value("ann@example.org"),
            mobile: .value("07700900123"),
        ]), hlc: 1000))
        return state
    }

    func check(_ answers: [AttributeID: String], markers: [String] = []) -> CallerCheck {
        StaffRules.checkCaller(answers, state: Self.held, policy: Self.policy, validator: Self.validator, today: Fixture.day0, markers: markers)
    }

    @Test func detailsFromTheTenantsPostAloneNeverPass() throws {
        let post = check(Self.postOnly)
        #expect(post.matched == [Fixture.postcode, Self.mobile, Fixture.email], "all three match what is held")
        #expect(!post.isVerified)
        #expect(post.method == "unverified")
        #expect(post.shortfall?.contains("only details on the tenant's own post matched") == true)
        #expect(StaffRules.visibility(of: try #require(Fixture.catalogue.attribute(Fixture.email)), role: .supervisor, markers: [],
                                      caller: post, policy: Self.policy) == .hidden)
        let context = StaffContext(staff: StaffID("sam"), role: .support, caller: post)
        #expect(throws: StaffRefusal.callerNotVerified) {
            try StaffRules.onBehalf(.correction(Fixture.email, .value("new@example.org"), pending: false), tenant: Fixture.ref, context: context,
                                    reason: "caller-request", scriptRead: false, policy: Self.policy, catalogue: Fixture.catalogue)
        }

        let birth = check(Self.withBirth)
        #expect(birth.isVerified, "date of birth is off the post, with one more detail")
        #expect(birth.method == "date-of-birth+postcode")
    }

    @Test func aMarkedTenantNeedsACodeOrACallBack() throws {
        let details = check(Self.withBirth, markers: ["safe-address"])
        #expect(details.detailsPassed && details.needsStronger)
        #expect(!details.isVerified, "the details that pass for anyone else are not enough")
        #expect(details.method == "unverified")
        let context = StaffContext(staff: StaffID("sam"), role: .supervisor, caller: details)
        #expect(throws: StaffRefusal.callerNotVerified) {
            try StaffRules.onBehalf(.decision(Fixture.updates, [Fixture.email], .granted, notice: nil, validUntil: nil), tenant: Fixture.ref,
                                    context: context, reason: "caller-request", scriptRead: true, policy: Self.policy, catalogue: Fixture.catalogue)
        }

        let coded = try StaffRules.passStronger(details, .oneTimeCode, policy: Self.policy)
        #expect(coded.isVerified)
        #expect(coded.method == "date-of-birth+postcode+one-time-code", "the ledger records the stronger check")
        #expect(try StaffRules.passStronger(details, .callBack, policy: Self.policy).method == "date-of-birth+postcode+call-back")

        #expect(!check(Self.withBirth, markers: ["interpreter"]).needsStronger, "only the markers the policy names")
        #expect(throws: StaffRefusal.callerNotVerified) { try StaffRules.passStronger(check(Self.postOnly, markers: ["safe-address"]), .oneTimeCode, policy: Self.policy) }
        var codeOnly = Self.policy
        codeOnly.stronger?.methods = [.oneTimeCode]
        #expect(throws: StaffRefusal.strongerNotAllowed(.callBack)) { try StaffRules.passStronger(details, .callBack, policy: codeOnly) }
    }

    @Test func aOneTimeCodeIsSixDigitsGoodForTenMinutesAndThreeTries() {
        var generator = SystemRandomNumberGenerator()
        let made = OneTimeCode.make(at: Fixture.day0, using: &generator)
        #expect(made.code.count == 6 && made.code.allSatisfy(\.isNumber))

        var code = OneTimeCode(code: "482913", madeAt: Fixture.day0)
        let right = code.check("482 913", at: Fixture.day0.addingTimeInterval(60))
        #expect(right)
        var old = OneTimeCode(code: "482913", madeAt: Fixture.day0)
        let late = old.check("482913", at: Fixture.day0.addingTimeInterval(OneTimeCode.lifetime + 1))
        #expect(!late, "too old")

        var guessed = OneTimeCode(code: "482913", madeAt: Fixture.day0)
        for wrong in ["000000", "111111", "222222"] {
            let passed = guessed.check(wrong, at: Fixture.day0)
            #expect(!passed)
        }
        #expect(guessed.isSpent(at: Fixture.day0))
        let afterSpent = guessed.check("482913", at: Fixture.day0)
        #expect(!afterSpent, "spent after three wrong answers, even the right code")
        #expect(OneTimeCode.maskedNumber("07700 900123") == "07… ending 123")
    }
}
