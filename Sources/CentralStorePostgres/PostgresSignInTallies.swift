import CentralStore
import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

/// Failed kiosk sign-ins on PostgreSQL: what each device counted, kept as the SQLite centre keeps
/// them (`sign_in_tally`, `sign_in_clear`), and handed to every device at its sync. A clear is taken
/// only for a staff unlock the ledger holds (``SignInTallies/clearProblem(_:)``), as at a SQLite centre, and
/// nothing dated ahead of the centre's clock is taken or kept (``SignInTallies/latestTaken(now:)``), nor more
/// references from one device than ``SignInTallies/maxReferencesPerDevice``.
extension PostgresCentralStore {
    public func exchangeSignInTallies(_ sent: SignInTallies, from device: String) async throws(CentralStoreError) -> SignInTallies {
        let now = self.now(), since = now - SignInTallies.keptMillis, latest = SignInTallies.latestTaken(now: now)
        if let problem = sent.problem(from: device) { throw .invalid(problem) }
        let (sent, leftOut) = sent.leavingOutAhead(now: now)
        if leftOut > 0 { await audit(device: device, what: SignInTallies.leftOutAhead(leftOut)) }
        let logger = self.logger
        let counted = try await transaction { connection in
            var refs = Set<String>()
            for try await ref in try await connection.query(
                "SELECT ref FROM sign_in_tally WHERE device = \(device) AND failures > 0 AND last_at >= \(since)", logger: logger
            ).decode(String.self) { refs.insert(ref) }
            return refs
        }
        let (limited, beyond) = sent.limitingReferences(alreadyCounted: counted)
        if beyond > 0 { await audit(device: device, what: SignInTallies.leftOutReferences(beyond)) }
        return try await transaction { connection in
            var unlocks: [RecordedUnlock] = []
            for clear in sent.clears {
                for try await (staff, role, disabled, offeredBy) in try await connection.query("""
                    SELECT l.actor_id, s.role, s.disabled, s.offered_by FROM tenant t JOIN ledger l ON l.tenant_id = t.id LEFT JOIN staff s ON s.id = l.actor_id
                    WHERE t.ref = \(clear.ref) AND l.kind = 'credential' AND l.state = 'unlocked' AND l.actor = 'staff'
                      AND l.effective_at = \(clear.at) AND l.actor_id IS NOT NULL
                    """, logger: logger).decode((String, String?, Int?, String?).self) {
                    unlocks.append(RecordedUnlock(ref: clear.ref, at: clear.at, staff: staff, role: role.flatMap(StaffRole.init(rawValue:)),
                                                  active: disabled == 0, registeredAtCentre: offeredBy == nil))
                }
            }
            let (checked, unregistered) = sent.leavingOutUnregistered(unlocks)
            if let problem = checked.clearProblem(unlocks) { throw CentralStoreError.invalid(problem) }
            for what in unregistered { try await Self.audit(device: device, what: what, at: now, on: connection, logger: logger) }
            let kept = limited.leavingOutUnregistered(unlocks).kept
            for entry in kept.entries {
                // The device's own count only moves forward: (first_at, failures, last_at) compared as a row.
                try await connection.query("""
                    INSERT INTO sign_in_tally (ref, device, failures, first_at, last_at)
                    VALUES (\(entry.ref), \(entry.device), \(Int64(entry.failures)), \(entry.firstAt), \(entry.lastAt))
                    ON CONFLICT (ref, device) DO UPDATE SET failures = excluded.failures, first_at = excluded.first_at, last_at = excluded.last_at
                    WHERE (excluded.first_at, excluded.failures, excluded.last_at) > (sign_in_tally.first_at, sign_in_tally.failures, sign_in_tally.last_at)
                    """, logger: self.logger)
            }
            for clear in kept.clears {
                try await connection.query("""
                    INSERT INTO sign_in_clear (ref, at) VALUES (\(clear.ref), \(clear.at))
                    ON CONFLICT (ref) DO UPDATE SET at = greatest(sign_in_clear.at, excluded.at)
                    """, logger: self.logger)
            }
            // Counts and clears dated ahead of this clock (taken before the centre refused them) go too.
            try await connection.query("DELETE FROM sign_in_tally WHERE last_at < \(since) OR last_at > \(latest)", logger: self.logger)
            try await connection.query("DELETE FROM sign_in_clear WHERE at < \(since) OR at > \(latest)", logger: self.logger)
            var reply = SignInTallies()
            for try await (ref, from, failures, first, last) in try await connection.query(
                "SELECT ref, device, failures, first_at, last_at FROM sign_in_tally", logger: self.logger
            ).decode((String, String, Int64, Int64, Int64).self) {
                reply.entries.append(SignInTallies.Entry(ref: ref, device: from, failures: Int(failures), firstAt: first, lastAt: last))
            }
            for try await (ref, at) in try await connection.query("SELECT ref, at FROM sign_in_clear", logger: self.logger)
                .decode((String, Int64).self) {
                reply.clears.append(SignInTallies.Clear(ref: ref, at: at))
            }
            return reply
        }
    }
}
