import ConsentCore
import ConsentStore
import ConsentVault
import Foundation
import SyncProtocol

/// The sign-in tallies at a SQLite centre: its side of `POST /v1/sign-in-tallies`.
extension ConsentDatabase {
    /// Takes what `device` sent (checked by ``SignInTallies/problem(from:)``) and answers with every
    /// count and clear of the last day.
    package func exchangeSignInTallies(_ sent: SignInTallies, from device: String) throws(StoreError) -> SignInTallies {
        try adoptSignInTallies(sent)
        return try read { db in try Self.tallies(db, since: Millis.from(clock()) - SignInTallies.keptMillis, device: nil) }
    }
}
