import ConsentCore
import ConsentExport
import ConsentForms
import ConsentVault
import Foundation
import Testing
import TestSupport

/// A store passes over, unread, the tenants an export's gate names as needing grants they have not
/// given (`ExportGate.grantsNeeded`, `TenantSlice.passesOver`). That is only sound if the gate would
/// leave every such tenant out whatever their values: checked here for every shipped purpose over
/// many tenants with mixed values and decisions.
@Suite struct GrantsNeededTests {
    static let content = Result { try Shipped.load() }
    static let day0 = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01

    /// SplitMix64: the same tenants on every run.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A tenant holding, for each attribute, a value, "prefer not to say" or nothing, and for each a
    /// decision of `purpose` granted, withdrawn, objected, not asked or none.
    static func tenant(_ i: Int, _ attributes: [AttributeID], _ purpose: PurposeID, _ random: inout Seeded) -> TenantState {
        var values: [AttributeID: AttributeValue] = [:]
        var payloads: [EventPayload] = []
        for attribute in attributes {
            switch random.next() % 4 {
            case 0: break
            case 1: values[attribute] = .preferNotToSay
            default: values[attribute] = .value("v\(i)")
            }
            let notice = NoticeShown(version: 1, language: "en")
            switch random.next() % 5 {
            case 0: payloads.append(.decision(purpose, [attribute], .granted, notice: notice, validUntil: nil))
            case 1: payloads.append(.decision(purpose, [attribute], .withdrawn, notice: nil, validUntil: nil))
            case 2: payloads.append(.decision(purpose, [attribute], .objected, notice: nil, validUntil: nil))
            case 3: payloads.append(.decision(purpose, [attribute], .notAsked, notice: nil, validUntil: nil))
            default: break
            }
        }
        let ref = TenantRef(String(format: "T%07d", i))
        return TenantState.fold(ref, ([.registration(values: values)] + payloads).enumerated().map { n, payload in
            Event(id: EventID(device: DeviceID("kiosk"), sequence: Int64(n + 1)), tenant: ref,
                  hlc: HLCTimestamp(millis: 1_767_225_600_000 + Int64(n)), effectiveAt: day0, actor: .tenant, channel: .kiosk, payload: payload)
        })
    }

    @Test func everyTenantPassedOverIsOneTheGateLeavesOutWhateverTheirValues() throws {
        let catalogue = try Self.content.get().catalogue
        var random = Seeded(state: 20)
        var passedOverSomewhere = 0
        for purpose in catalogue.purposes {
            for pseudonymised in purpose.pseudonymisedRows ? [true, false] : [false] {
                let gate = try ExportGate(purpose: purpose.id.rawValue, catalogue: catalogue, at: Self.day0.addingTimeInterval(86_400),
                                          pseudonymised: pseudonymised)
                let slice = TenantSlice(gate.policy, readingDecisions: gate.needsDecisions, grantsNeeded: gate.grantsNeeded)
                var passedOver = 0, rows = 0
                for i in 0..<1_500 {
                    let state = Self.tenant(i, gate.evaluated, purpose.id, &random)
                    var withheld: [String: Int] = [:]
                    let row = gate.row(state, withheld: &withheld)
                    if row != nil { rows += 1 }
                    guard slice.passesOver(state) else { continue }
                    passedOver += 1
                    #expect(row == nil, "\(purpose.id) would pass over \(state.ref), yet the gate sends \(row ?? [])")
                }
                if !slice.grantsNeeded.isEmpty {
                    #expect(passedOver > 0 && rows > 0, "\(purpose.id): the tenants tried both pass and are passed over")
                }
                passedOverSomewhere += passedOver
            }
        }
        #expect(passedOverSomewhere > 1_000)
    }

    @Test func consentPurposesNeedGrantsOfWhatTheyRequireAndOtherBasesNone() throws {
        let catalogue = try Self.content.get().catalogue
        func needed(_ purpose: String, pseudonymised: Bool = false) throws -> [String] {
            try ExportGate(purpose: purpose, catalogue: catalogue, at: Self.day0, pseudonymised: pseudonymised).grantsNeeded.map(\.rawValue)
        }
        #expect(try needed("emergency-contact") == ["emergency-contact"])
        #expect(try needed("service-updates-sms") == ["mobile"])
        #expect(try needed("tailoring-services") == ["health-needs"])
        #expect(try needed("tenancy-management").isEmpty)
        #expect(try needed("emergency-sharing").isEmpty)
        #expect(try needed("equality-monitoring").isEmpty)
        #expect(try needed("regulator-returns", pseudonymised: true).isEmpty)
        // Asking for fewer columns leaves what the purpose requires evaluated, and needed.
        let gate = try ExportGate(purpose: "emergency-contact", catalogue: catalogue, at: Self.day0, columns: ["full-name"])
        #expect(gate.grantsNeeded.map(\.rawValue) == ["emergency-contact"])
    }
}
