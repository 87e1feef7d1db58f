import ConsentCore
import Foundation
import Testing

/// Tenants' requests folded from the ledger (issue 22): every kind, and what decides each.
@Suite struct RequestFoldTests {
    static let email = AttributeID("email")
    static let dob = AttributeID("date-of-birth")

    var sequence: Int64 = 0

    mutating func event(_ payload: EventPayload, at millis: Int64, evidence: String? = nil, device: String = "kiosk",
                        tenant: TenantRef = TenantRef("T1")) -> Event {
        sequence += 1
        let actor: Actor = if case .request = payload { .tenant } else { .staff(StaffID("pat"), verification: "supervisor", reason: "x") }
        return Event(id: EventID(device: DeviceID(device), sequence: sequence), tenant: tenant, hlc: HLCTimestamp(millis: millis),
                     effectiveAt: Date(timeIntervalSince1970: Double(millis) / 1000), actor: actor, channel: .kiosk, payload: payload, evidence: evidence)
    }

    @Test mutating func aRefusalCarriesTheReasonTheTenantIsShownAndACarriedOutRestrictionRestrictsUntilLifted() {
        let restrict = event(.request(.restriction, Self.email), at: 1_000)
        let rectify = event(.request(.rectification, Self.dob), at: 2_000)
        let access = event(.request(.access, nil), at: 3_000)
        var events = [restrict, rectify, access]
        var requests = RequestFold.requests(events)
        #expect(requests.map(\.kind) == [.restriction, .rectification, .access] && requests.allSatisfy(\.isOpen))
        #expect(RequestFold.restricted(requests).isEmpty, "an open restriction already restricts")

        events.append(event(.verification(of: restrict.id, attribute: Self.email, approved: true), at: 4_000))
        events.append(event(.verification(of: rectify.id, attribute: Self.dob, approved: false), at: 5_000, evidence: "needed for the tenancy"))
        requests = RequestFold.requests(events)
        #expect(requests[0].outcome == .carriedOut(Date(timeIntervalSince1970: 4)))
        #expect(requests[1].outcome == .refused(Date(timeIntervalSince1970: 5), reason: "needed for the tenancy"))
        #expect(requests[2].isOpen)
        #expect(RequestFold.restricted(requests) == [Self.email])

        events.append(event(.verification(of: restrict.id, attribute: Self.email, approved: false), at: 6_000))
        requests = RequestFold.requests(events)
        #expect(requests[0].outcome == .lifted(Date(timeIntervalSince1970: 6)))
        #expect(RequestFold.restricted(requests).isEmpty, "a lifted restriction still restricts")
        // A second verification of a decided request changes nothing.
        events.append(event(.verification(of: rectify.id, attribute: Self.dob, approved: true), at: 7_000))
        #expect(RequestFold.requests(events)[1].outcome == .refused(Date(timeIntervalSince1970: 5), reason: "needed for the tenancy"))
    }

    @Test mutating func aVerificationForAnotherTenantDecidesNothing() {
        let mine = event(.request(.restriction, Self.email), at: 1_000)
        let other = event(.verification(of: mine.id, attribute: Self.email, approved: true), at: 2_000, tenant: TenantRef("T2"))
        let requests = RequestFold.requests([mine, other])
        #expect(requests.count == 1 && requests[0].isOpen, "another tenant's verification decided T1's request: \(requests)")
        #expect(RequestFold.restricted(requests).isEmpty)
    }

    @Test mutating func erasureRequestsKeepTheirOldRules() {
        let first = event(.request(.erasure, Self.dob), at: 1_000)
        let twice = event(.request(.erasure, Self.dob), at: 1_500, device: "kiosk-2")
        let declined = event(.verification(of: first.id, attribute: Self.dob, approved: false), at: 2_000)
        let again = event(.request(.erasure, Self.dob), at: 3_000)
        let erased = event(.erasure(Self.dob), at: 4_000)
        let requests = RequestFold.requests([erased, again, declined, twice, first])
        #expect(requests.map(\.event) == [first.id, twice.id, again.id], "not oldest first")
        #expect(requests[0].outcome == .refused(Date(timeIntervalSince1970: 2), reason: nil))
        #expect(requests[1].outcome == requests[0].outcome, "a decline does not answer the same value asked for before it")
        #expect(requests[2].outcome == .carriedOut(Date(timeIntervalSince1970: 4)), "erasing the value does not carry out the request")
    }

    @Test func theDeadlineIsOneCalendarMonth() {
        let made = Date(timeIntervalSince1970: 1_801_612_800) // 2027-01-31
        let request = TenantRequest(event: EventID(device: DeviceID("d"), sequence: 1), tenant: TenantRef("T1"), kind: .access, attribute: nil,
                                    madeAt: made, channel: .paper, actor: .tenant)
        #expect(request.deadline == ProtectionReport.deadline(for: made))
        #expect(request.deadline > made.addingTimeInterval(27 * 86_400) && request.deadline <= made.addingTimeInterval(31 * 86_400))
    }

    @Test func everyKindHasItsOwnEventKindAndReadsBack() {
        for kind in RequestKind.allCases { #expect(RequestKind(eventKind: kind.eventKind) == kind) }
        #expect(RequestKind.erasure.eventKind == "erasure-request", "old ledgers' rows would no longer read")
        #expect(RequestKind(eventKind: "erasure") == nil && RequestKind(eventKind: "held-grant") == nil)
    }
}
