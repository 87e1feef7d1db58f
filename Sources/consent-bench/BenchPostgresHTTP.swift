import CentralStore
import CentralStorePostgres
import CentralStoreSQLite
import ConsentBench
import ConsentCommandLine
import ConsentCore
import ConsentStore
import Foundation
import SyncEngine
import SyncProtocol

/// `consent-bench pg-push --http`: the same pushes end to end, each device through its own HTTP
/// connection to a child `consent serve` on loopback (binary bodies, credentials checked on every
/// request), once serving a PostgreSQL centre in a scratch database and once a SQLite centre in a
/// temporary folder. Besides the store, this times what a real server does per push (reading the
/// body, decoding it, authenticating): a SQLite server runs the checks inside its single writer,
/// a PostgreSQL server runs them for several pushes at once.
struct PushOverHTTP {
    /// Seconds for all devices' pushes through each server.
    struct Figures: Codable {
        var postgresSeconds: Double
        var sqliteSeconds: Double
    }

    let streams: [[WireEvent]]
    let batch: Int
    let catalogue: Catalogue
    let content: ContentOptions

    func run(postgres location: PostgresLocation, url: String, sqlite: ConsentDatabase) async throws -> Figures {
        let scratch = try await PostgresPushBenchmark.makeScratch(location)
        let postgresSeconds: Double
        do {
            let store = try await PostgresCentralStore.open(scratch, catalogue: catalogue)
            let secrets: [String]
            do {
                secrets = try await PostgresPushBenchmark.enrol(streams.count, at: store)
                store.shutdown()
            } catch {
                store.shutdown()
                throw error
            }
            postgresSeconds = try await serveAndPush(store: ["--database", try Self.url(url, database: scratch.database)], secrets: secrets)
            try await PostgresPushBenchmark.dropScratch(scratch)
        } catch {
            try? await PostgresPushBenchmark.dropScratch(scratch)
            throw error
        }
        let secrets = try await PostgresPushBenchmark.enrol(streams.count, at: SQLiteCentralStore(database: sqlite))
        let sqliteSeconds = try await serveAndPush(store: ["--db", sqlite.path], secrets: secrets)
        return Figures(postgresSeconds: postgresSeconds, sqliteSeconds: sqliteSeconds)
    }

    /// Starts `consent serve` on the store, pushes every device's stream at once through it and stops it.
    private func serveAndPush(store: [String], secrets: [String]) async throws -> Double {
        let server = try ServerProcess(store: store, content: content)
        defer { server.stop() }
        let transports = try streams.indices.map { n throws(SyncFailure) in
            try HTTPTransport(server: server.url, device: "bench-\(n + 1)", secret: secrets[n], timeout: 600)
        }
        return try await PostgresPushBenchmark.push(streams, batch: batch) { n, request in try await transports[n].push(request) }
    }

    /// The server URL the user gave, naming another database on the same server.
    static func url(_ text: String, database: String) throws -> String {
        guard var components = URLComponents(string: text) else { throw CLIError("not a PostgreSQL URL: \(text)") }
        components.path = "/" + database
        guard let url = components.string else { throw CLIError("cannot name database \(database) in \(text)") }
        return url
    }
}
