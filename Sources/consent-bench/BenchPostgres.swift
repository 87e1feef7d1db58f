import ArgumentParser
import CentralStore
import CentralStorePostgres
import CentralStoreSQLite
import ConsentBench
import ConsentCommandLine
import ConsentCore
import ConsentStore
import Foundation

extension Bench {
    /// `consent-bench pg-push`: push ingest into the PostgreSQL centre vs COPY of the same rows.
    struct PostgresPush: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pg-push",
            abstract: "Push events into the PostgreSQL centre vs COPY of the same rows into a plain table (goal: >= 10,000 events/s).",
            discussion: """
                Makes a scratch database on the server of --database (its user needs CREATEDB), creates the centre's
                schema there, enrols --devices devices and pushes their events in batches of 5,000 (all devices at once,
                each on its own connections), then COPYs the same ledger rows into a table with the ledger's columns and
                no keys or indexes. The scratch database is dropped afterwards. Events are made (and hashed) before the
                clock starts, as a device would have them. With --http, the same events are also pushed end to end through
                a child `consent serve` on loopback, once on a PostgreSQL centre and once on a SQLite centre.
                """)

        @Option(help: ArgumentHelp("The PostgreSQL server, as postgres://USER@HOST[:PORT]/DATABASE (?host=/socket/dir for a unix socket).", valueName: "url"))
        var database: String

        @Option(help: "Events to push.")
        var events = 100_000

        @Option(help: "Devices pushing at once.")
        var devices = 1

        @Option(help: "Tenants the events are spread over (each registered by one event).")
        var tenants = 10_000

        @Flag(help: "Also push the same events into a SQLite centre in a temporary folder, the same way, for comparison.")
        var compareSqlite = false

        @Flag(help: "Also push the same events through `consent serve` over HTTP on loopback, into each centre (PostgreSQL and SQLite).")
        var http = false

        @OptionGroup var content: ContentOptions

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() async throws {
            let loaded = try content.load()
            let location: PostgresLocation
            do { location = try PostgresLocation(url: database) } catch { throw ValidationError(error.description) }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("consent-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            defer { try? FileManager.default.removeItem(at: dir) }
            let sqlite: (any CentralStore)? = compareSqlite
                ? SQLiteCentralStore(database: try ConsentDatabase.create(at: dir.appendingPathComponent("central.sqlite").path,
                                                                          validator: loaded.validator, device: DeviceID("centre"), centre: true))
                : nil
            let progress = SharedProgressLine("pushing")
            // One set of device streams (made and hashed once) for every variant.
            let streams = PostgresPushBenchmark.streams(total: events, devices: devices, tenants: tenants, catalogue: loaded.catalogue)
            let r = try await PostgresPushBenchmark.run(location, streams: streams, catalogue: loaded.catalogue, alsoInto: sqlite) { done, total in
                progress.update(done, of: total)
            }
            progress.finish()
            var overHTTP: PushOverHTTP.Figures?
            if http {
                let centre = try ConsentDatabase.create(at: dir.appendingPathComponent("http-central.sqlite").path, validator: loaded.validator,
                                                        device: DeviceID("centre"), centre: true)
                overHTTP = try await PushOverHTTP(streams: streams, batch: r.batch, catalogue: loaded.catalogue, content: content)
                    .run(postgres: location, url: database, sqlite: centre)
            }
            if json {
                try printJSON(Report(result: r, pushPerSecond: r.pushPerSecond, copyPerSecond: r.copyPerSecond, ratio: r.ratio, http: overHTTP))
                return
            }
            print(String(format: "push into the PostgreSQL centre: %d events from %d device(s) in %.2f s (%.0f/s), batches of %d",
                         r.events, r.devices, r.pushSeconds, r.pushPerSecond, r.batch))
            print(String(format: "COPY of the same ledger rows into a plain table: %.2f s (%.0f/s)", r.copySeconds, r.copyPerSecond))
            print(String(format: "ratio push / COPY: %.2fx", r.ratio))
            if let other = r.otherSeconds {
                print(String(format: "the same pushes into the SQLite centre: %.2f s (%.0f/s); PostgreSQL / SQLite speed: %.2fx",
                             other, Double(r.events) / other, other / r.pushSeconds))
            }
            if let h = overHTTP {
                print(String(format: "through `consent serve` over HTTP: PostgreSQL %.2f s (%.0f/s), SQLite %.2f s (%.0f/s); PostgreSQL / SQLite speed: %.2fx",
                             h.postgresSeconds, Double(r.events) / h.postgresSeconds, h.sqliteSeconds, Double(r.events) / h.sqliteSeconds,
                             h.sqliteSeconds / h.postgresSeconds))
            }
        }

        struct Report: Encodable {
            var result: PostgresPushBenchmark.Result
            var pushPerSecond: Double
            var copyPerSecond: Double
            var ratio: Double
            var http: PushOverHTTP.Figures?
        }
    }
}

/// A progress line that can be updated from any task (`ProgressLine` is a value owned by one loop).
final class SharedProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var progress: ProgressLine

    init(_ label: String) { progress = ProgressLine(label) }

    func update(_ done: Int, of total: Int) {
        lock.lock()
        defer { lock.unlock() }
        progress.update(done, of: total)
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        progress.finish()
    }
}
