import ConsentCore
import ConsentForms
import Foundation
import FuzzCommon
import SyncProtocol

/// The shipped Forms' rules, as a centre holds them.
let validator: Validator? = {
    guard let content = try? Content.load(forms: Fuzzing.root.appendingPathComponent("Forms"),
                                          localization: Fuzzing.root.appendingPathComponent("Localization")) else { return nil }
    return content.validator
}()

/// The centre's checks of a pushed batch on whatever a device can send: the input decoded as a
/// binary push, then every check both centres run before storing anything (the batch, its signed
/// head, each event's chain and values, its Forms, and the rules its device had to follow), then the
/// push planner both centres decide with. Each must answer or refuse, never crash, and answer the same twice.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPushChecks(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let validator,
          let request = try? BinaryWire.decode(PushRequest.self, from: UnsafeRawBufferPointer(start: start, count: count)) else { return 0 }
    _ = WireCheck.batchProblem(request, authenticated: request.device)
    _ = WireCheck.headProblem(request, device: request.device, publicKey: Data(repeating: 7, count: 32))
    // The hash before a device's first event (`ValueDigest.empty`, made here: LeakSanitizer cannot see that
    // a global Data is still held, and would report that global's one allocation).
    var previous = Data(count: 32)
    for event in request.events {
        _ = WireCheck.integrityProblem(event, after: previous)
        _ = WireCheck.catalogueProblem(event, catalogue: validator.catalogue)
        let once = WireCheck.ruleProblem(event, validator: validator)
        Fuzzing.require(WireCheck.ruleProblem(event, validator: validator) == once, "the rule check answered differently for the same event")
        previous = event.hash
    }
    // The centre's planner on the batch as a first push (its chain from sequence 1, its tenants and staff
    // known, every event it names numbered) from each kind of device: every event through the same walk
    // both centres run. It must answer the same twice.
    let planner = PushPlanner(validator: validator)
    let highestCentral = request.events.compactMap(\.record.causal).max() ?? 0
    let now = request.events.first.map { $0.record.hlc >> 16 } ?? 0
    for kind in DeviceKind.allCases {
        let state = PushState(enrolment: .active(publicKey: nil), head: (0, Data(count: 32)),
                              knownTenants: PushPlanner.tenants(request),
                              staff: Dictionary(uniqueKeysWithValues: WireCheck.staffActors(request.events).map { ($0, StaffRole.supervisor) }),
                              highestCentral: highestCentral, deviceKind: kind)
        func decision() -> String {
            do {
                let plan = try planner.planEvents(request.events, signedHead: request.head, state: state, now: now)
                return "\(plan.accepted.count) \(plan.newTenants) \(plan.rejected?.reason ?? "") \(plan.audit)"
            } catch {
                return "\(error)"
            }
        }
        Fuzzing.require(decision() == decision(), "the planner decided differently for the same batch from a \(kind) device")
    }
    return 0
}
