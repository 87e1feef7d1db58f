import Foundation
import PostgresNIO

/// One direct connection to a PostgreSQL place, with a refusal a person can act on: every program
/// that connects (`consent serve --database`, `consent migrate`, `consent-bench pg-push`) says the same
/// thing when it cannot, never postgres-nio's generic "PSQLError".
extension PostgresLocation {
    /// A connection to this place, or ``CentralStoreSetupError/database(_:)`` naming the cause (no
    /// server there, a login refused, no such database) and what to check.
    ///
    /// ```swift
    /// let connection = try await location.connect(logger: logger)
    /// defer { Task { try? await connection.close() } }
    /// ```
    package func connect(logger: Logger) async throws(CentralStoreSetupError) -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(configuration: try connectionConfiguration(), id: 0, logger: logger)
        } catch {
            throw .database(connectionProblem(error))
        }
    }

    /// Why a connection to this place failed, in one line: the server's own message (a login refused,
    /// no such database), or the network's (nothing listening there), and what to check.
    package func connectionProblem(_ error: any Error) -> String {
        let why = (error as? PSQLError)?.serverInfo?[.message] ?? String(describing: (error as? PSQLError)?.underlying ?? error)
        return "cannot connect to database \(database) at \(host): \(why); check the URL, that the server is running and that the database exists"
    }
}
