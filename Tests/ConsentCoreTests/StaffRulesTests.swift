import ConsentCore
import Foundation
import PropertyBased
import Testing

/// Staff mode's rules: roles, unverified calls, caller checks, held grants and four eyes.
@Suite struct StaffRulesTests {
    static let policy = StaffPolicy(
        checks: [Fixture.dob, Fixture.postcode, AttributeID("mobile"), Fixture.email], required: 2,
        reasons: [ReasonCode(id: "caller-request", label: "asked"), ReasonCode(id: "supervisor-check", label: "check")],
        heldAttributes: [Fixture.email, AttributeID("mobile"), Fixture.postcode],
        markers: [MarkerDefinition(id: "safe-address", alert: "SAFE ADDRESS", hides: [Fixture.postcode])])
    static let validator = try! Validator(catalogue: Fixture.catalogue)
    static let verified = CallerCheck(asked: [Fixture.dob, Fixture.postcode], matched: [Fixture.dob, Fixture.postcode], required: 2)
    static let unverified = CallerCheck(asked: [Fixture.dob], matched: [Fixture.dob], required: 2)

    static var held: TenantState {
        var state = TenantState(ref: Fixture.ref)
        state.apply(Fixture.event(Fixture.kiosk, 1, .registration(values: [
            Fixture.dob: .value("1980-02-01"), Fixture.postcode: .value("LS1 4AB"), Fixture.email: .value("ann@example.org"),
        ]), hlc: 1000))
        return state
    }

    func context(_ role: StaffRole, _ caller: CallerCheck, staff: String = "sam") -> StaffContext {
        StaffContext(staff: StaffID(staff), role: role, caller: caller)
    }

    func behalf(_ payload: EventPayload, _ context: StaffContext, script: Bool = true, reason: String = "caller-request") throws(StaffRefusal) -> ChangeRequest {
        try StaffRules.onBehalf(payload, tenant: Fixture.ref, context: context, reason: reason, scriptRead: script,
                                policy: Self.policy, catalogue: Fixture.catalogue)
    }

    @Test func eachRoleMayDoWhatTheIssueSays() {
        let supervisorOnly: Set<StaffTask> = [.viewProtectedAddress, .confirmHeld, .decideErasure, .reviewConflicts, .setMarker, .unlockStaff]
        let dpLeadOnly: Set<StaffTask> = [.unlockStaff]
        for task in StaffTask.allCases {
            #expect(StaffRules.may(.supervisor, task) == !dpLeadOnly.contains(task), "supervisor / \(task)")
            #expect(StaffRules.may(.dpLead, task))
            #expect(StaffRules.may(.support, task) == !supervisorOnly.contains(task), "support / \(task)")
        }
    }

    @Test func callerIsCheckedByWhatTheyGiveNeverByWhatIsShown() {
        let answers: [AttributeID: String] = [Fixture.dob: "01/02/1980", Fixture.postcode: "ls14ab", Fixture.email: "wrong@example.org"]
        let check = StaffRules.checkCaller(answers, state: Self.held, policy: Self.policy, validator: Self.validator, today: Fixture.day0)
        #expect(check.asked == [Fixture.dob, Fixture.postcode, Fixture.email])
        #expect(check.matched == [Fixture.dob, Fixture.postcode])
        #expect(check.isVerified)
        #expect(check.method == "date-of-birth+postcode")

        let one = StaffRules.checkCaller([Fixture.dob: "1980-02-01", AttributeID("mobile"): "07700900123"],
                                         state: Self.held, policy: Self.policy, validator: Self.validator, today: Fixture.day0)
        #expect(one.matched == [Fixture.dob], "nothing held for mobile, so it cannot match")
        #expect(!one.isVerified)
        #expect(one.method == "unverified")

        let offList = StaffRules.checkCaller([Fixture.name: "Ann", Fixture.dob: "1980-02-01"],
                                             state: Self.held, policy: Self.policy, validator: Self.validator, today: Fixture.day0)
        #expect(offList.asked == [Fixture.dob], "only the policy's checks count")
        let garbage = StaffRules.checkCaller([Fixture.dob: "1980-02-01\u{1B}[2J", Fixture.postcode: "not a postcode"],
                                             state: Self.held, policy: Self.policy, validator: Self.validator, today: Fixture.day0)
        #expect(garbage.matched.isEmpty)
    }

    /// Whatever the role and whatever is asked, an unverified call records only withdrawals and
    /// objections, and those carry "unverified" as the method.
    @Test func unverifiedCallsMayOnlyStopUse() async {
        let payloads: [EventPayload] = [
            Fixture.decide(Fixture.updates, [Fixture.email], .granted),
            Fixture.decide(Fixture.updates, [Fixture.email], .withdrawn),
            Fixture.decide(Fixture.equality, [Fixture.religion], .objected),
            Fixture.decide(Fixture.tailoring, [Fixture.health], .granted),
            .correction(Fixture.email, .value("new@example.org"), pending: false),
            .erasure(Fixture.email),
            .access(Fixture.religion),
        ]
        await propertyCheck(count: 200, input: Gen.int(in: 0...999)) { n in
            let payload = payloads[n % payloads.count]
            let role: StaffRole = [.support, .supervisor][(n / payloads.count) % 2]
            let matched = Array([Fixture.dob, Fixture.postcode].prefix((n / 21) % 2))
            let caller = CallerCheck(asked: matched, matched: matched, required: 2)
            do {
                let request = try behalf(payload, context(role, caller))
                guard case let .decision(_, _, state, _, _) = request.payload else {
                    Issue.record("\(payload.kind) was allowed on an unverified call")
                    return
                }
                #expect(state.stopsUse)
                #expect(request.actor == .staff(StaffID("sam"), verification: "unverified", reason: "caller-request"))
                #expect(request.channel == .phone)
            } catch {
                #expect(error as? StaffRefusal == .callerNotVerified)
                if case let .decision(_, _, state, _, _) = payload { #expect(!state.stopsUse) }
            }
        }
    }

    @Test func grantsNeedTheScriptAndSpecialCategoryGrantsAreHeld() throws {
        let ctx = context(.support, Self.verified)
        #expect(throws: StaffRefusal.scriptNotRead) { try behalf(Fixture.decide(Fixture.updates, [Fixture.email], .granted), ctx, script: false) }
        let ordinary = try behalf(Fixture.decide(Fixture.updates, [Fixture.email], .granted), ctx)
        guard case .decision(_, _, .granted, _, _) = ordinary.payload else { Issue.record("expected a plain grant"); return }
        #expect(ordinary.evidence == "notice script read aloud to the caller")
        #expect(ordinary.actor == .staff(StaffID("sam"), verification: "date-of-birth+postcode", reason: "caller-request"))

        let special = try behalf(Fixture.decide(Fixture.tailoring, [Fixture.health, Fixture.name], .granted), ctx)
        guard case let .heldGrant(purpose, attributes, notice, _) = special.payload else { Issue.record("expected a held grant"); return }
        #expect(purpose == Fixture.tailoring)
        #expect(attributes == [Fixture.health, Fixture.name])
        #expect(notice == NoticeShown(version: 1, language: "en"))
        #expect(throws: StaffRefusal.unknownReason("because")) { try behalf(Fixture.decide(Fixture.updates, [Fixture.email], .withdrawn), ctx, reason: "because") }
    }

    @Test func contactDetailCorrectionsArePending() throws {
        let ctx = context(.support, Self.verified)
        let email = try behalf(.correction(Fixture.email, .value("new@example.org"), pending: false), ctx)
        #expect(email.payload == .correction(Fixture.email, .value("new@example.org"), pending: true))
        let name = try behalf(.correction(Fixture.name, .value("Ann Smith"), pending: false), ctx)
        #expect(name.payload == .correction(Fixture.name, .value("Ann Smith"), pending: true), "needs evidence")
        let health = try behalf(.correction(Fixture.health, .value("uses a wheelchair"), pending: false), ctx)
        #expect(health.payload == .correction(Fixture.health, .value("uses a wheelchair"), pending: false))
    }

    @Test func fourEyes() throws {
        let target = EventID(device: Fixture.phone, sequence: 9)
        let takenBySam = Actor.staff(StaffID("sam"), verification: "date-of-birth+postcode", reason: "caller-request")
        func confirm(_ staff: String, _ role: StaffRole, _ how: ConfirmationMethod, by taker: Actor = takenBySam) throws(StaffRefusal) -> ChangeRequest {
            try StaffRules.confirm(target, attribute: Fixture.health, approved: true, tenant: Fixture.ref, takenBy: taker,
                                   staff: StaffID(staff), role: role, how: how, reason: "supervisor-check", policy: Self.policy)
        }
        #expect(throws: StaffRefusal.notAllowed(.support, .confirmHeld)) { try confirm("pat", .support, .supervisor) }
        #expect(throws: StaffRefusal.sameStaff) { try confirm("sam", .supervisor, .supervisor) }
        #expect(throws: StaffRefusal.sameStaff) { try confirm("sam", .support, .evidence("passport")) }
        #expect(throws: StaffRefusal.sameStaff) { try confirm("sam", .support, .callBack) }
        #expect(throws: StaffRefusal.evidenceRequired) { try confirm("pat", .support, .evidence("  ")) }
        let ok = try confirm("pat", .supervisor, .supervisor)
        #expect(ok.payload == .verification(of: target, attribute: Fixture.health, approved: true))
        #expect(ok.actor == .staff(StaffID("pat"), verification: "supervisor", reason: "supervisor-check"))
        let callBack = try confirm("sue", .support, .callBack)
        #expect(callBack.channel == .phone)
        #expect(try confirm("sam", .support, .evidence("council tax bill"), by: .tenant).evidence == "council tax bill")
    }

    /// Issue 18: whoever took a held change never confirms or rejects it, by any method, in any role;
    /// anyone else whose role allows the method may.
    @Test func theTakerNeverConfirmsTheirOwnChangeWhateverTheMethod() throws {
        let target = EventID(device: Fixture.phone, sequence: 9)
        let methods: [ConfirmationMethod] = [.supervisor, .callBack, .evidence("passport seen")]
        for role in StaffRole.allCases {
            for how in methods {
                for approved in [true, false] {
                    for staff in ["sam", "pat"] {
                        let result = Result { () throws(StaffRefusal) -> ChangeRequest in
                            try StaffRules.confirm(target, attribute: Fixture.health, approved: approved, tenant: Fixture.ref,
                                                   takenBy: .staff(StaffID("sam"), verification: "date-of-birth+postcode", reason: "caller-request"),
                                                   staff: StaffID(staff), role: role, how: how, reason: "supervisor-check", policy: Self.policy)
                        }
                        let allowed = how != .supervisor || StaffRules.may(role, .confirmHeld)
                        switch (staff, result) {
                        case ("sam", .success):
                            Issue.record("the taker confirmed their own change: \(role) \(how) approved \(approved)")
                        case ("sam", .failure(let refusal)):
                            #expect(refusal == .sameStaff || (!allowed && refusal == .notAllowed(role, .confirmHeld)), "\(role) \(how): \(refusal)")
                        case (_, .success(let request)):
                            #expect(allowed, "\(role) \(how)")
                            guard case .staff(let id, _, _) = request.actor else { Issue.record("not a staff actor"); continue }
                            #expect(id == StaffID(staff))
                        case (_, .failure(let refusal)):
                            #expect(!allowed && refusal == .notAllowed(role, .confirmHeld), "\(staff) \(role) \(how): \(refusal)")
                        }
                    }
                }
            }
        }
    }

    @Test func supportNeverSeesAProtectedAddress() {
        let postcode = Fixture.catalogue.attribute(Fixture.postcode)!
        let religion = Fixture.catalogue.attribute(Fixture.religion)!
        let email = Fixture.catalogue.attribute(Fixture.email)!
        let marked: Set<String> = ["safe-address"]
        #expect(StaffRules.visibility(of: postcode, role: .support, markers: marked, caller: Self.verified, policy: Self.policy) == .hidden)
        #expect(StaffRules.visibility(of: postcode, role: .supervisor, markers: marked, caller: Self.verified, policy: Self.policy) == .shown)
        #expect(StaffRules.visibility(of: postcode, role: .support, markers: [], caller: Self.verified, policy: Self.policy) == .shown)
        #expect(StaffRules.visibility(of: religion, role: .dpLead, markers: [], caller: Self.verified, policy: Self.policy) == .masked)
        for role in StaffRole.allCases {
            #expect(StaffRules.visibility(of: email, role: role, markers: [], caller: Self.unverified, policy: Self.policy) == .hidden)
        }
    }

    @Test func onlyTheDPLeadRevealsWithoutACaller() throws {
        let none = CallerCheck.none(required: 2)
        #expect(throws: StaffRefusal.callerNotVerified) { try behalf(.access(Fixture.religion), context(.supervisor, none)) }
        let request = try behalf(.access(Fixture.religion), context(.dpLead, none, staff: "dpo"))
        #expect(request.actor == .staff(StaffID("dpo"), verification: nil, reason: "caller-request"))
        #expect(request.channel == .system)
        #expect(throws: StaffRefusal.callerNotVerified) { try behalf(.correction(Fixture.email, .value("a@b.org"), pending: false), context(.dpLead, none)) }
    }

    @Test func accessEventsNameOnlySpecialCategories() {
        let request = ChangeRequest(tenant: Fixture.ref, payload: .access(Fixture.email), actor: .staff(StaffID("sam"), verification: nil, reason: "x"), channel: .phone)
        #expect(throws: ChangeError.notSpecial(Fixture.email)) { try ChangeRules.check(request, validator: Self.validator, now: Fixture.day0) }
    }
}

/// How names and postcodes are folded for finding a tenant.
@Suite struct SearchKeyTests {
    @Test func accentsCaseAndPunctuationFold() {
        #expect(SearchKeys.words("Zoë  O'Brien-Łukasz") == ["zoe", "obrien", "lukasz"])
        #expect(SearchKeys.words("ŞTEFĂNESCU Ana-Maria") == ["stefanescu", "ana", "maria"])
        #expect(SearchKeys.words("محمد علی") == ["محمد", "علی"], "letters of other scripts are kept")
        #expect(SearchKeys.postcode(" ls1 4ab ") == "ls14ab")
        #expect(SearchKeys.words("\u{1B}[31mRed\u{202E}") == ["31mred"], "control characters are breaks, never kept")
    }

    @Test func foldingIsStableAndIgnoresCase() async {
        await propertyCheck(count: 300, input: Gen.unicodeScalar(in: "\u{0}"..."\u{2FFF}").array(of: 0...20)) { scalars in
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            let words = SearchKeys.words(text)
            #expect(SearchKeys.words(words.joined(separator: " ")) == words)
            for word in words {
                #expect(!word.isEmpty && !word.unicodeScalars.contains { $0.properties.isUppercase || $0.properties.isWhitespace || TextSafety.isForbidden($0) },
                        "\(word.debugDescription)")
            }
        }
    }
}
