import ConsentCore
import ConsentForms
import Foundation
@testable import KioskUI
import Testing

/// Gender identity at the kiosk and in staff mode (issue 24): masked like a special category, asked only
/// of tenants aged 16 and over, its write-in only after "No"; sex asked as the census asks it.
@Suite struct GenderIdentityKioskTests {
    /// The sample tenant (born 1 May 1970, postcode LS1 1AA) with `extra` values held.
    static func state(_ extra: [String: AttributeValue], dob: String = "1970-05-01") -> TenantState {
        var values: [String: AttributeValue] = ["full-name": .value("Ann Smith"), "date-of-birth": .value(dob), "postcode": .value("LS1 1AA"),
                                                "email": .value("ann@example.org")]
        values.merge(extra) { _, new in new }
        let registration = Event(
            id: EventID(device: DeviceID("kiosk"), sequence: 1), tenant: Sample.ref, hlc: HLCTimestamp(millis: 1_700_000_000_000),
            effectiveAt: Date(timeIntervalSince1970: 1_700_000_000), actor: .system("test"), channel: .importFile,
            payload: .registration(values: Dictionary(uniqueKeysWithValues: values.map { (AttributeID($0.key), $0.value) })))
        return TenantState.fold(Sample.ref, [registration])
    }

    static func signedIn(_ state: TenantState) -> Drive {
        var d = Drive()
        d.keys(.enter)
        d.send(.signedIn(TenantSession(ref: Sample.ref, state: state, started: d.now)))
        d.effects = []
        return d
    }

    static func labels(_ d: Drive) -> [String] { d.model.items(now: d.now).items().map(\.text) }
    static func actions(_ d: Drive) -> [String] {
        d.model.selectable(now: d.now).compactMap { $0.action?.token }
    }

    static let told = ["gender-identity": AttributeValue.value("no"), "gender-identity-write-in": .value("Trans woman")]

    @Test func genderIdentityAndItsWriteInAreMaskedAtTheKioskUntilTheTenantShowsThem() {
        var d = Self.signedIn(Self.state(Self.told))
        let overview = Self.labels(d)
        #expect(overview.contains("Gender identity: Hidden for your privacy"), "\(overview)")
        #expect(overview.contains("Gender identity, in your words: Hidden for your privacy"), "\(overview)")
        #expect(!d.text.contains("Trans woman") && !overview.joined().contains("Trans woman"))
        d.press("attr:gender-identity-write-in")
        #expect(Self.labels(d).first == "Hidden for your privacy")
        #expect(!Self.labels(d).joined().contains("Trans woman"))
        d.press("toggle-show")
        #expect(Self.labels(d).first == "Trans woman", "the tenant may see their own answer")
    }

    @Test func aTenantUnder16IsNotAskedGenderIdentityAndA16YearOldIsAskedTheCensusQuestion() {
        // The drive's clock is 21 September 2026.
        let young = Self.signedIn(Self.state([:], dob: "2010-09-22"))
        #expect(!Self.actions(young).contains("attr:gender-identity"), "15, 16 tomorrow: not asked")
        #expect(!Self.actions(young).contains("attr:gender-identity-write-in"))
        #expect(Self.actions(young).contains("attr:sex"), "sex is asked at any age")

        var sixteen = Self.signedIn(Self.state([:], dob: "2010-09-21"))
        #expect(Self.actions(sixteen).contains("attr:gender-identity"))
        #expect(!Self.actions(sixteen).contains("attr:gender-identity-write-in"), "the write-in follows a No")
        sixteen.press("attr:gender-identity")
        sixteen.press("correct")
        #expect(Self.labels(sixteen).contains("Is the gender you identify with the same as your sex registered at birth?"))
        sixteen.press("choice:no")
        guard case let .record(request, _)? = sixteen.effects.last else { Issue.record("nothing recorded: \(sixteen.effects)"); return }
        #expect(request.payload == .correction(AttributeID("gender-identity"), .value("no"), pending: false))

        let saidNo = Self.signedIn(Self.state(["gender-identity": .value("no")]))
        #expect(Self.actions(saidNo).contains("attr:gender-identity-write-in"))
    }

    @Test func sexIsAskedAsTheCensusAsksIt() {
        var d = Self.signedIn(Self.state([:]))
        d.press("attr:sex")
        d.press("correct")
        #expect(Self.labels(d).contains("What is your sex?"))
        let choices = Self.actions(d).filter { $0.hasPrefix("choice:") }
        #expect(choices == ["choice:female", "choice:male"])
    }

    @Test func staffSeeGenderIdentityMaskedNeverEditItAndCannotRevealItForADecision() {
        var d = StaffDrive()
        d.send(.signedIn(StaffMember(id: "sam", name: "Sam", role: .support)))
        d.send(.opened(CallSession(ref: Sample.ref, name: "Ann Smith", markers: [], state: Self.state(Self.told), caller: .none(required: 2))))
        d.verify(dob: "01/05/1970", postcode: "LS1 1AA")
        #expect(d.allText.contains("Gender identity: ●●●●"), "\(d.allText)")
        #expect(d.allText.contains("Gender identity, in your words: ●●●●"))
        #expect(!d.allText.contains("Trans woman"))
        #expect(!d.actions.contains("edit:gender-identity") && !d.actions.contains("edit:gender-identity-write-in"))
        #expect(d.actions.contains("edit:sex"))
        // Held only for equality monitoring (DPA 2018 Sch. 1 para 8): never revealed for a decision about the tenant.
        let before = d.effects.count
        d.press("reveal:gender-identity-write-in")
        d.press("reason:support-plan")
        #expect(d.effects.count == before, "nothing read, nothing recorded: \(d.effects)")
        #expect(!d.allText.contains("Trans woman"))
    }
}
