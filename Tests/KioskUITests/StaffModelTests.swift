import ConsentCore
import ConsentForms
import ConsentStore
import Foundation
@testable import KioskUI
import Testing
import TerminalCore
import TestSupport

/// Staff mode driven by hand: a fixed clock, the sample tenant, no database.
struct StaffDrive: Driving {
    var model: StaffModel
    var now = Date(timeIntervalSince1970: 1_790_000_000)
    var effects: [StaffEffect] = []
    var size = (width: 100, height: 40)
    var scroll = TextScroll()

    init(timing: KioskTiming = KioskTiming(idleWarning: 60, idleTimeout: 120, sessionLimit: .infinity)) {
        model = StaffModel(content: Shipped.content, policy: Shipped.content.staff!, timing: timing, now: now)
    }

    static func action(_ token: String) -> StaffAction? { StaffAction(token: token) }
    mutating func send(_ event: StaffEvent) { effects += model.handle(event, now: now) }
    var actions: [String] {
        model.selectable(now: now).compactMap { $0.action?.token }
    }

    /// Everything the screen would show, scrolled through (items, not just the visible rows).
    var allText: String { model.items(now: now).items().map(\.text).joined(separator: "\n") + "\n" + (model.state.message ?? "") }

    /// Signs in as `role` and opens the sample tenant with `markers`.
    mutating func open(role: StaffRole, markers: [String] = []) {
        send(.signedIn(StaffMember(id: "sam", name: "Sam", role: role)))
        send(.opened(CallSession(ref: Sample.ref, name: "Ann Smith", markers: markers, state: Sample.state, caller: .none(required: 2))))
        effects = []
    }

    /// Answers the caller check on the verify screen.
    mutating func verify(dob: String, postcode: String) {
        keys(.home)
        type(dob)
        keys(.tab)
        type(postcode)
        press("check")
    }
}

extension StaffMember {
    init(id: String, name: String, role: StaffRole) {
        self = try! JSONDecoder().decode(StaffMember.self, from: JSONEncoder().encode(["id": id, "name": name, "role": role.rawValue]))
    }
}

@Suite struct StaffModelTests {
    @Test func signInAsksTheStoreAndAWrongPasswordIsCleared() {
        var d = StaffDrive()
        d.type("sam")
        d.keys(.tab)
        d.type("pa55 word!")
        #expect(d.model.view(now: d.now).items.contains { $0.kind == .field("password") })
        d.keys(.enter)
        #expect(d.effects == [.signIn(id: "sam", password: "pa55 word!")])
        #expect(!KioskRenderer.render(d.model.view(now: d.now), width: 80, height: 24).lines.joined().contains("pa55"), "password masked")
        d.send(.signInRefused("Wrong staff id or password."))
        #expect(d.model.state.fields["password"]?.text == "")
    }

    @Test func nothingHeldIsShownBeforeTheCallerIsVerified() {
        var d = StaffDrive()
        d.open(role: .supervisor)
        #expect(d.model.state.screen == .verify)
        #expect(!d.allText.contains("1970") && !d.allText.contains("LS1"), "the check never reads out what is held")
        d.verify(dob: "01/05/1970", postcode: "LS9 9ZZ")
        #expect(d.model.state.screen == .verify)
        #expect(d.allText.contains("Not verified: 1 of 2"))
        d.press("unverified")
        #expect(d.model.state.screen == .tenant)
        #expect(!d.allText.contains("Ann Smith") || d.allText.contains("T0000001"), "values are not listed")
        #expect(!d.allText.contains("ann@example.org") && !d.allText.contains("07700900123"))
        let decisions = d.actions.filter { $0.hasPrefix("decide:") }
        #expect(!decisions.isEmpty)
        #expect(decisions.allSatisfy { $0.hasSuffix(":withdrawn") || $0.hasSuffix(":objected") }, "\(decisions)")
        #expect(!d.actions.contains("issue-code"))
    }

    @Test func verifiedCallRecordsWithMethodReasonAndScript() throws {
        var d = StaffDrive()
        d.open(role: .support)
        d.verify(dob: "1970-05-01", postcode: "ls11aa")
        #expect(d.model.state.call?.caller.method == "date-of-birth+postcode")
        #expect(d.allText.contains("ann@example.org"))
        #expect(d.allText.contains("Religion: ●●●●"), "special categories masked")
        #expect(!d.allText.contains("christian") && !d.allText.contains("Christian") && !d.allText.contains("wheelchair"))

        d.press("decide:tailoring-services:granted")
        guard case .script = d.model.state.screen else { Issue.record("no script screen"); return }
        #expect(d.allText.contains("explicit consent"))
        d.press("script-read")
        d.press("reason:caller-request")
        guard case let .record(request, _)? = d.effects.last else { Issue.record("nothing recorded: \(d.effects)"); return }
        guard case let .heldGrant(purpose, _, notice, _) = request.payload else { Issue.record("not held: \(request.payload)"); return }
        #expect(purpose == PurposeID("tailoring-services"))
        #expect(notice?.language == "en")
        #expect(request.actor == .staff(StaffID("sam"), verification: "date-of-birth+postcode", reason: "caller-request"))
        #expect(request.channel == .phone)
        #expect(request.evidence == "notice script read aloud to the caller")
        d.send(.recorded(Sample.state, "Held"))
        #expect(d.model.state.screen == .tenant)

        // Religion is held only for equality monitoring (DPA 2018 Sch. 1 para 8): never revealed for a support plan.
        let before = d.effects.count
        d.press("reveal:religion")
        d.press("reason:support-plan")
        #expect(d.effects.count == before, "nothing read, nothing recorded: \(d.effects)")
        #expect(d.allText.contains("'religion' is held for this tenant only for equality-monitoring"), "\(d.allText)")
        #expect(d.allText.contains("never allows decisions about a person"))
        #expect(!d.allText.contains("Christian"))
    }

    @Test func supportNeverSeesTheAddressOfAMarkedTenant() {
        for role in [StaffRole.support, .supervisor] {
            var d = StaffDrive()
            d.open(role: role, markers: ["safe-address"])
            #expect(d.model.state.screen == .alerts, "alerts come first")
            #expect(d.allText.contains("SAFE ADDRESS"))
            d.press("alerts-read")
            d.verify(dob: "01/05/1970", postcode: "LS1 1AA")
            #expect(d.model.state.screen == .stronger, "the marker asks for more than details")
            d.press("called-back")
            let frame = KioskRenderer.render(d.model.view(now: d.now), width: 100, height: 60).lines.joined(separator: "\n")
            #expect(d.allText.contains("High Street") == (role == .supervisor), "\(role)")
            #expect(frame.contains("LS1 1AA") == (role == .supervisor), "\(role)")
            #expect(d.allText.contains("! SAFE ADDRESS"), "the alert stays at the top")
        }
    }

    @Test func idleSignOutWipesEverything() {
        var d = StaffDrive()
        d.open(role: .support)
        d.verify(dob: "01/05/1970", postcode: "LS1 1AA")
        d.now += 61
        d.send(.tick)
        #expect(d.model.view(now: d.now).countdown?.contains("Signing out in 59 s") == true)
        d.now += 60
        d.send(.tick)
        #expect(d.effects.last == .wipe)
        #expect(d.model.state.screen == .signIn)
        #expect(d.model.state.staff == nil && d.model.state.call == nil)
        #expect(!d.allText.contains("Ann"))
    }

    @Test func supportCannotConfirmButMayRecordACallBackOnAColleaguesChange() {
        var d = StaffDrive()
        d.send(.signedIn(StaffMember(id: "sam", name: "Sam", role: .support)))
        d.press("held")
        #expect(d.effects.last == .loadHeld)
        let item = HeldItem(tenant: Sample.ref, event: EventID(device: DeviceID("phone"), sequence: 7), kind: .correction(AttributeID("mobile")),
                            takenBy: .staff(StaffID("sam"), verification: "date-of-birth+postcode", reason: "caller-corrects"), channel: .phone, at: d.now)
        d.send(.held([item], numbers: [Sample.ref: "07700900123"]))
        d.press("held-item:0")
        #expect(d.allText.contains("Number on file to call back: 07700900123"))
        #expect(!d.actions.contains("confirm:supervisor"))
        d.press("confirm:evidence")
        #expect(d.model.state.message?.contains("four eyes") == true, "the taker cannot verify their own change")
        d.press("confirm:call-back")
        #expect(d.model.state.message?.contains("four eyes") == true, "nor call back on it (issue 18)")
        #expect(!d.effects.contains { if case .record = $0 { true } else { false } }, "nothing recorded")

        // A colleague in the same role may make the call-back.
        var other = StaffDrive()
        other.send(.signedIn(StaffMember(id: "sue", name: "Sue", role: .support)))
        other.press("held")
        other.send(.held([item], numbers: [Sample.ref: "07700900123"]))
        other.press("held-item:0")
        other.press("confirm:call-back")
        guard case let .record(request, _)? = other.effects.dropLast().last else { Issue.record("no confirmation: \(other.effects)"); return }
        #expect(request.payload == .verification(of: item.event, attribute: AttributeID("mobile"), approved: true))
        #expect(request.actor == .staff(StaffID("sue"), verification: "call-back to the number on file", reason: "call-back"))
    }
}

/// A tenant's erasure request from the kiosk, in staff mode's queue.
@Suite struct StaffErasureRequestTests {
    let item = HeldItem(tenant: Sample.ref, event: EventID(device: DeviceID("kiosk-1"), sequence: 9), kind: .erasureRequest(AttributeID("date-of-birth")),
                        takenBy: .tenant, channel: .kiosk, at: Date(timeIntervalSince1970: 1_790_000_000))

    @Test func aSupervisorSeesTheRequestInTheQueueAndErasesOrDeclines() {
        for (button, expected) in [("erasure:erase", EventPayload.erasure(AttributeID("date-of-birth"))),
                                   ("erasure:decline", .verification(of: item.event, attribute: AttributeID("date-of-birth"), approved: false))] {
            var d = StaffDrive()
            d.send(.signedIn(StaffMember(id: "pat", name: "Pat", role: .supervisor)))
            d.press("held")
            d.send(.held([item], numbers: [:]))
            #expect(d.allText.contains("T0000001 erasure request: Date of birth, taken by the tenant"), "\(d.allText)")
            d.press("held-item:0")
            #expect(!d.actions.contains("confirm:call-back"), "an erasure request is decided, not confirmed")
            d.press(button)
            guard case let .record(request, _)? = d.effects.dropLast().last else { Issue.record("\(button): nothing recorded: \(d.effects)"); continue }
            #expect(request.payload == expected)
            #expect(request.actor == .staff(StaffID("pat"), verification: button == "erasure:erase" ? "requested by the tenant at the kiosk" : "supervisor",
                                            reason: button == "erasure:erase" ? "erasure-granted" : "erasure-declined"))
            #expect(d.effects.last == .loadHeld)
        }
    }

    @Test func supportSeesTheRequestButCannotDecideIt() {
        var d = StaffDrive()
        d.send(.signedIn(StaffMember(id: "sam", name: "Sam", role: .support)))
        d.press("held")
        d.send(.held([item], numbers: [:]))
        d.press("held-item:0")
        #expect(!d.actions.contains("erasure:erase") && !d.actions.contains("erasure:decline"))
        #expect(d.allText.contains("A supervisor or the data-protection lead decides erasure requests."))
    }
}

/// The "last synced" indicator in staff mode's header.
@Suite struct StaffSyncIndicatorTests {
    @Test func theHeaderSaysWhenTheTerminalLastSyncedAndWhatWaits() {
        var drive = StaffDrive()
        #expect(!drive.model.view(now: drive.now).corner.contains("synced"), "a terminal not enrolled shows nothing")
        drive.model.showSync(SyncIndicator(lastSyncedAt: drive.now.addingTimeInterval(-180), unsent: 2))
        #expect(drive.model.view(now: drive.now).corner.hasSuffix("synced 3 min ago · 2 to send"))
        drive.model.showSync(SyncIndicator(lastSyncedAt: nil, unsent: 0))
        #expect(drive.model.view(now: drive.now).corner.hasSuffix("not synced yet"))
        drive.model.showSync(SyncIndicator(lastSyncedAt: drive.now.addingTimeInterval(-3 * 3600), unsent: 0))
        #expect(drive.model.view(now: drive.now).corner.hasSuffix("synced 3 h ago"))
        drive.model.showSync(SyncIndicator(lastSyncedAt: nil, unsent: 4, problem: "the centre refused: revoked"))
        #expect(drive.model.view(now: drive.now).corner.hasSuffix("not synced yet · sync failing · 4 to send"))
    }
}

/// Refusing a tenant's restriction request in staff mode: the reason is chosen from the fixed list, in the words the
/// tenant will read, never typed (a typed reason reached the tenant in English, whatever their language).
@Suite struct StaffRequestRefusalTests {
    static let request = TenantRequest(event: EventID(device: DeviceID("kiosk-1"), sequence: 4), tenant: Sample.ref, kind: .restriction,
                                       attribute: AttributeID("mobile"), madeAt: Date(timeIntervalSince1970: 1_790_000_000), channel: .kiosk, actor: .tenant)
    let item = HeldItem(tenant: Sample.ref, event: Self.request.event, kind: .request(Self.request), takenBy: .tenant, channel: .kiosk,
                        at: Date(timeIntervalSince1970: 1_790_000_000))

    @Test func aSupervisorRefusesWithAReasonChosenFromTheListAndTheCodeIsRecorded() {
        var d = StaffDrive()
        d.send(.signedIn(StaffMember(id: "pat", name: "Pat", role: .supervisor)))
        d.press("held")
        d.send(.held([item], numbers: [:]))
        d.press("held-item:0")
        for reason in RefusalReason.allCases {
            #expect(d.actions.contains("request:refuse:\(reason.rawValue)"), "a button for \(reason): \(d.actions)")
        }
        #expect(d.allText.contains("Refuse: We need it to manage your tenancy."), "each reason in the tenant's words: \(d.allText)")
        #expect(!d.allText.contains("Refuse with this reason"), "no box to type a reason in")
        d.press("request:refuse:required-by-law")
        guard case let .recordAll(changes, note)? = d.effects.dropLast().last else { Issue.record("nothing recorded: \(d.effects)"); return }
        #expect(changes.map(\.payload) == [.verification(of: Self.request.event, attribute: AttributeID("mobile"), approved: false)])
        #expect(changes.first?.evidence == "required-by-law", "the code is recorded, so the kiosk shows it in the tenant's language")
        #expect(note.contains("Refused"))
        #expect(d.effects.last == .loadHeld)
    }

    @Test func aRefusalTokenNamingNoKnownReasonIsNoAction() {
        #expect(StaffAction(token: "request:refuse:because-i-said-so") == nil)
        #expect(StaffAction(token: "request:refuse") == nil)
        #expect(StaffAction(token: "request:refuse:legal-claim") == .refuseRequest(.legalClaim))
        #expect(StaffAction(token: StaffAction.refuseRequest(.valueIsCorrect).token) == .refuseRequest(.valueIsCorrect))
    }
}
