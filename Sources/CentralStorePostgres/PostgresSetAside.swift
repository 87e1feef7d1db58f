import CentralStore
import Foundation
import PostgresNIO
import SyncProtocol

extension PostgresCentralStore {
    /// Sets aside, at the device's request, the event after its chain head that this centre refuses
    /// (`PushPlanner.setAside`): nothing of it is stored or applied; its hash becomes the device's chain
    /// head, and it is kept in `push_result` with its refusal and no central number (which a pull names
    /// as the hash the next event follows, a resend of the next event checks against, and `audit verify`
    /// walks the chain over), and audited.
    public func setAside(_ request: PushRequest, from device: String) async throws(CentralStoreError) -> SetAsideReply {
        if let problem = PushPlanner.precheck(request, authenticated: device) { throw problem }
        let planner = PushPlanner(validator: validator)
        return try await transaction { connection in
            let (state, deviceNo, _) = try await self.pushState(request, from: device, planner: planner, on: connection)
            let now = self.now()
            let reason = try planner.setAside(request, from: device, state: state, now: now)
            guard let event = request.events.first else { throw CentralStoreError.invalid("a set-aside names one event") }
            let sequence = event.record.sequence
            try await connection.query("""
                INSERT INTO push_result (device_no, device_seq, outcome, central_seq, reason, hash)
                VALUES (\(deviceNo), \(sequence), \(PushOutcome.rejected.rawValue), NULL, \(reason), \(event.hash))
                """, logger: self.logger)
            try await connection.query("UPDATE chain_head SET seq = \(sequence), hash = \(event.hash) WHERE device_no = \(deviceNo)", logger: self.logger)
            try await Self.audit(device: device, what: PushPlanner.setAsideAudit(event, reason: reason), at: now, on: connection, logger: self.logger)
            return SetAsideReply(sequence: sequence, reason: reason)
        }
    }
}
