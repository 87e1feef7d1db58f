import Foundation

/// The centre's answer to a device that set aside the event at the head of its outbox (`POST /v1/set-aside`,
/// JSON): the event's sequence and why the centre refuses it. The centre keeps the event's hash as a link in
/// the device's chain (nothing of the event is stored or applied), so the device's later events follow it.
public struct SetAsideReply: Codable, Equatable, Sendable {
    /// The device sequence of the event set aside.
    public var sequence: Int64
    /// Why the centre refuses the event, in its words.
    public var reason: String

    public init(sequence: Int64, reason: String) {
        self.sequence = sequence
        self.reason = reason
    }
}

extension PushPlanner {
    /// Decides a device's request to set aside the next event of its chain (`request` carries exactly that
    /// event): allowed only for an event that follows the device's chain head here, is sound (chain, values,
    /// rules, as for a push: a refusal of a push refuses a set-aside alike) and that this centre rejects
    /// (``PushPlan/rejected``); returns the rejection's reason. An event the centre would take is never set
    /// aside, so a device cannot keep from the centre a change it accepts.
    public func setAside(_ request: PushRequest, from device: String, state: PushState, now: Int64) throws(CentralStoreError) -> String {
        guard case .active(let publicKey) = state.enrolment else { throw .revoked(device) }
        if let problem = WireCheck.headProblem(request, device: device, publicKey: publicKey) { throw problem }
        guard request.events.count == 1, let event = request.events.first else {
            throw .invalid("a set-aside names exactly one event, the first this device has not sent")
        }
        let r = event.record
        if r.sequence <= state.head.sequence {
            throw .invalid("event \(r.device)#\(r.sequence) is already at the centre (stored or set aside): there is nothing to set aside")
        }
        guard r.sequence == state.head.sequence + 1 else { throw .gap(expected: state.head.sequence + 1) }
        let plan = try planEvents([event], signedHead: nil, state: state, now: now)
        guard let (rejected, reason) = plan.rejected, rejected.record.sequence == r.sequence else {
            throw .invalid("""
                event \(r.device)#\(r.sequence) (\(r.kind) for \(r.tenant)) is one the centre takes: run `consent sync` to send it; \
                only an event the centre refuses is set aside
                """)
        }
        return reason
    }

    /// The audit line a centre writes when it sets an event aside.
    public static func setAsideAudit(_ event: WireEvent, reason: String) -> String {
        "device set aside event \(event.record.device)#\(event.record.sequence) (\(event.record.kind) for \(event.record.tenant)), "
            + "which the centre refuses: \(reason); its hash is kept as a link in the device's chain, nothing of it is applied"
    }
}
