import Foundation
import PostgresNIO

/// Where a PostgreSQL central store is: a `postgres://user[:password]@host[:port]/database` URL.
/// A unix socket folder is given as `?host=/path/to/folder` (as libpq does); `sslmode=require`
/// asks for TLS on a TCP connection.
public struct PostgresLocation: Sendable, Equatable {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    /// The socket folder, when connecting over a unix socket.
    public var socketFolder: String?
    public var requireTLS: Bool

    /// Why a URL was refused.
    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads a `postgres://` (or `postgresql://`) URL.
    public init(url text: String) throws(ParseError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              scheme == "postgres" || scheme == "postgresql"
        else {
            throw ParseError(description: "not a PostgreSQL URL: expected postgres://USER@HOST[:PORT]/DATABASE")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else {
            throw ParseError(description: "the PostgreSQL URL names no database: add /DATABASE after the host")
        }
        let query = components.queryItems ?? []
        user = components.user?.removingPercentEncoding ?? components.user ?? "postgres"
        password = components.password?.removingPercentEncoding ?? components.password
        host = components.host ?? "localhost"
        port = components.port ?? 5432
        self.database = database
        socketFolder = query.first { $0.name == "host" }?.value.flatMap { $0.hasPrefix("/") ? $0 : nil }
        requireTLS = query.first { $0.name == "sslmode" }?.value.map { ["require", "verify-ca", "verify-full"].contains($0) } ?? false
    }

    /// This place as a URL without the password (safe to record and print), e.g.
    /// `postgres://consent@db.example:5432/central?sslmode=require`.
    public var redactedURL: String {
        var query: [String] = []
        if let socketFolder { query.append("host=\(socketFolder)") }
        if requireTLS { query.append("sslmode=require") }
        let user = self.user.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? self.user
        let host = socketFolder == nil ? self.host : "localhost"
        return "postgres://\(user)@\(host):\(port)/\(database)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    /// The same place as another user (a purpose role's login, say).
    public func with(user: String, password: String? = nil) -> PostgresLocation {
        var copy = self
        copy.user = user
        copy.password = password
        return copy
    }

    /// The postgres-nio client configuration for this place.
    public func configuration() -> PostgresClient.Configuration {
        if let socketFolder {
            return PostgresClient.Configuration(
                unixSocketPath: socketFolder + "/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        let tls: PostgresClient.Configuration.TLS = requireTLS ? .require(.clientDefault) : .disable
        return PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }

    /// A single connection's configuration for this place (for administration and tests).
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        if let socketFolder {
            return PostgresConnection.Configuration(
                unixSocketPath: socketFolder + "/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        let tls: PostgresConnection.Configuration.TLS = requireTLS
            ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable
        return PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }
}
