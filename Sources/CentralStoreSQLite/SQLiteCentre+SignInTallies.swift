import CentralStore
import ConsentCore
import ConsentStore
import ConsentVault
import Foundation
import SyncProtocol

/// The sign-in tallies at a SQLite centre: its side of `POST /v1/sign-in-tallies`.
extension ConsentDatabase {
    /// The staff unlocks the centre's ledger holds for `clears`, with each member's standing in its registry.
    package func recordedUnlocks(of clears: [SignInTallies.Clear]) throws(StoreError) -> [RecordedUnlock] {
        try read { db in try Self.recordedUnlocks(db, of: clears) }
    }

    /// The references `device` counts failed sign-ins for at this centre within the kept day.
    package func signInReferences(countedBy device: String) throws(StoreError) -> Set<String> {
        let now = Millis.from(clock())
        return try read { db in
            Set(try Self.tallies(db, since: now - SignInTallies.keptMillis, until: .max, device: device).entries.filter { $0.failures > 0 }.map(\.ref))
        }
    }

    /// Takes what `device` sent (checked by ``SignInTallies/problem(from:)``, ``SignInTallies/leavingOutAhead(now:)`` and
    /// ``SignInTallies/limitingReferences(alreadyCounted:)``, its clears by
    /// ``SignInTallies/clearProblem(_:)``) and answers with every count and clear of the last day.
    package func exchangeSignInTallies(_ sent: SignInTallies, from device: String) throws(StoreError) -> SignInTallies {
        try adoptSignInTallies(sent)
        let now = Millis.from(clock())
        return try read { db in try Self.tallies(db, since: now - SignInTallies.keptMillis, until: SignInTallies.latestTaken(now: now), device: nil) }
    }
}
