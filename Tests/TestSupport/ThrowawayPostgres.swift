import Foundation
import ProgramRunner
#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL server of our own for the tests of one test process: `initdb` into a temporary
/// folder (as a non-root user when we run as root, since `initdb` refuses root), listening only on a
/// unix socket in that folder, with durability switched off (tests need speed, not crash safety).
///
/// It is started once, on first use, and stopped by a watchdog process as soon as the test process
/// is gone, however it ended (normal exit, crash, `kill -9`). Clusters left by an earlier process
/// whose watchdog was itself killed are stopped and removed on the next start.
public final class ThrowawayPostgres: Sendable {
    /// The folder holding the data directory, the socket and the log.
    public let folder: String
    /// The folder of the unix socket (postgres-nio wants the socket file: see ``socketPath``).
    public var socketFolder: String { folder }
    /// The socket file to connect to.
    public var socketPath: String { folder + "/.s.PGSQL.5432" }
    /// The superuser created by `initdb`.
    public let superuser = "postgres"

    /// Why the server could not be started.
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    private static let prefix = "tc-pg-"
    private static let lock = NSLock()
    nonisolated(unsafe) private static var started: Result<ThrowawayPostgres, StartError>?

    /// The server of this test process, started on first call.
    public static func shared() throws -> ThrowawayPostgres {
        lock.lock()
        defer { lock.unlock() }
        if let started { return try started.get() }
        let result = Result { () throws(StartError) -> ThrowawayPostgres in try ThrowawayPostgres() }
        started = result
        return try result.get()
    }

    /// Where the PostgreSQL programs are: `$PG_BINDIR`, else Debian's PostgreSQL 15 (or newer).
    static func binDirectory() throws(StartError) -> String {
        if let dir = ProcessInfo.processInfo.environment["PG_BINDIR"] { return dir }
        for version in [15, 16, 17, 14] {
            let dir = "/usr/lib/postgresql/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: dir + "/initdb") { return dir }
        }
        throw StartError(description: "PostgreSQL is not installed (no /usr/lib/postgresql/15/bin/initdb); run: apt-get install -y postgresql-15")
    }

    private init() throws(StartError) {
        let bin = try Self.binDirectory()
        Self.removeStaleClusters(bin: bin)
        let pid = getpid()
        let folder = "/tmp/\(Self.prefix)\(pid)-\(UInt32.random(in: 0...UInt32.max))"
        self.folder = folder
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StartError(description: "cannot create \(folder): \(error)")
        }
        let user = Self.serverUser()
        if let user, chown(folder, user.uid, user.gid) != 0 {
            throw StartError(description: "cannot give \(folder) to user \(user.name): errno \(errno)")
        }
        try Self.run(bin + "/initdb", ["-D", folder + "/data", "-U", superuser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"], as: user?.name, log: folder + "/initdb.log")
        // The watchdog first, so a crash from here on still stops the server.
        startWatchdog(pid: pid, bin: bin, user: user?.name)
        let options = "-k \(folder) -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000 -c shared_buffers=64MB"
        try Self.run(bin + "/pg_ctl", ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "60", "-o", options, "start"], as: user?.name, log: folder + "/pg_ctl.log")
    }

    /// A user that is not root, to run the server as (nil when we are not root).
    static func serverUser() -> (name: String, uid: uid_t, gid: gid_t)? {
        guard geteuid() == 0 else { return nil }
        for name in ["cloudsdk", "postgres", "nobody"] {
            if let entry = getpwnam(name) { return (name, entry.pointee.pw_uid, entry.pointee.pw_gid) }
        }
        return nil
    }

    /// Runs a PostgreSQL program (as `user` when given), its output into `log`; throws with the log on failure.
    static func run(_ program: String, _ arguments: [String], as user: String?, log: String) throws(StartError) {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        if let user = serverUser() { _ = chown(log, user.uid, user.gid) }
        let argv = (user.map { ["/usr/sbin/runuser", "-u", $0, "--"] } ?? []) + [program] + arguments
        let child: RunningProgram
        do { child = try spawn(argv, output: log) } catch {
            throw StartError(description: "cannot run \(program): \(error)")
        }
        let ended = child.waitForExit()
        guard ended.succeeded else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw StartError(description: "\(program) failed (\(ended)): \(text.suffix(2000))")
        }
    }

    /// Starts a program with standard input from /dev/null, output and errors appended to `output`, and none of
    /// our other descriptors (a server holding the test runner's pipes would keep it waiting).
    static func spawn(_ argv: [String], output: String) throws(ProgramError) -> RunningProgram {
        try Program(argv[0], Array(argv.dropFirst())).start(stdout: .file(output, append: true), stderr: .standardOutput)
    }

    /// A shell that waits for the test process to end, then stops the server at once and removes the folder.
    private func startWatchdog(pid: Int32, bin: String, user: String?) {
        let stop = Self.stopCommand(bin: bin, folder: folder, user: user)
        let script = "while kill -0 \(pid) 2>/dev/null; do sleep 0.3; done; \(stop)"
        _ = try? Self.spawn(["/bin/sh", "-c", script], output: "/dev/null")
    }

    static func stopCommand(bin: String, folder: String, user: String?) -> String {
        let runAs = user.map { "/usr/sbin/runuser -u \($0) -- " } ?? ""
        return "\(runAs)\(bin)/pg_ctl -D \(folder)/data -m immediate -w stop >/dev/null 2>&1; rm -rf \(folder)"
    }

    /// Stops and removes clusters of test processes that no longer exist.
    static func removeStaleClusters(bin: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/tmp") else { return }
        for name in names where name.hasPrefix(prefix) {
            let pidText = name.dropFirst(prefix.count).prefix { $0 != "-" }
            guard let pid = Int32(pidText), kill(pid, 0) != 0, errno == ESRCH else { continue }
            _ = try? spawn(["/bin/sh", "-c", stopCommand(bin: bin, folder: "/tmp/" + name, user: serverUser()?.name)], output: "/dev/null").waitForExit()
        }
    }

    /// Runs a program (the built `consent`, say) to its end with its output and errors in the file
    /// `output`; returns its exit status (or 128 + the signal that ended it).
    public static func runProgram(_ argv: [String], output: String) -> Int32 {
        guard let child = try? spawn(argv, output: output) else { return -1 }
        return child.waitForExit().shellStatus
    }

    /// Creates a fresh, empty database and returns its name (each test gets its own).
    public func createDatabase(prefix: String = "t") throws -> String {
        let name = "\(prefix)_\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        let bin = try Self.binDirectory()
        try Self.run(bin + "/createdb", ["-h", folder, "-U", superuser, name], as: nil, log: folder + "/createdb-\(name).log")
        return name
    }

    /// Runs `sql` (one or more statements) in `database` as the superuser, with `psql`; throws with
    /// its output when it fails. For tests that tamper with what a store wrote.
    public func execute(_ sql: String, database: String) throws {
        let bin = try Self.binDirectory()
        try Self.run(bin + "/psql", ["-h", folder, "-U", superuser, "-d", database, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
                     as: nil, log: folder + "/psql-\(database).log")
    }

    /// The rows `sql` returns in `database`, as `psql -At` prints them (one line a row, columns joined by `|`).
    public func query(_ sql: String, database: String) throws -> String {
        let bin = try Self.binDirectory()
        let output = folder + "/query-\(UUID().uuidString).out"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let status = Self.runProgram([bin + "/psql", "-h", folder, "-U", superuser, "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
                                     output: output)
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else { throw StartError(description: "psql failed (\(status)): \(text)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A `postgres://` URL for `database` on this server, as `user`.
    public func url(database: String, user: String? = nil) -> String {
        let socket = folder.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? folder
        return "postgres://\(user ?? superuser)@localhost/\(database)?host=\(socket)"
    }
}
