import ConsentCore
@preconcurrency import Dispatch
import Foundation
import KioskUI
import SyncEngine
import SyncProtocol

/// Staff mode's reveals on an enrolled device, over HTTP: `CentreReveal` run to its end while the
/// terminal waits (within the transport's timeout). Nothing of the answer is kept.
final class CentreRevealBridge: CentreRevealing {
    private let centre: CentreReveal

    init(_ centre: CentreReveal) {
        self.centre = centre
    }

    func reveal(_ tenant: TenantRef, _ attribute: AttributeID, staff: StaffID) -> CentreRevealOutcome {
        let box = OutcomeBox()
        let done = DispatchSemaphore(value: 0)
        let centre = self.centre
        Task.detached {
            let outcome: CentreRevealOutcome
            do throws(SyncFailure) {
                let answer = try await centre.reveal(tenant, attribute, staff: staff)
                outcome = answer.value.map(CentreRevealOutcome.value) ?? (answer.preferNotToSay ? .preferNotToSay : .notHeld)
            } catch {
                switch error {
                case .unreachable(let why): outcome = .unreachable(why)
                case .refused(.revealRefused(let refusal)): outcome = .refused(refusal.message)
                case .refused(.moved), .refused(.busy): outcome = .unreachable(error.description)
                default: outcome = .refused(error.description)
                }
            }
            box.set(outcome)
            done.signal()
        }
        done.wait()
        return box.get() ?? .unreachable("no answer")
    }
}

/// The outcome handed from the asking task to the waiting terminal.
private final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var outcome: CentreRevealOutcome?
    func set(_ value: CentreRevealOutcome) { lock.withLock { outcome = value } }
    func get() -> CentreRevealOutcome? { lock.withLock { outcome } }
}
