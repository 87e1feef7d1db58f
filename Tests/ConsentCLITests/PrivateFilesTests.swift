import ConsentStore
import Foundation
import Testing
import TestSupport

/// Issue 18, private files: whoever else has an account on the machine reads nothing the program
/// wrote — database, vault, their WAL and shared-memory files, key files, exports, the scan index —
/// whatever the umask; and a database found readable by others is refused with the `chmod` to run.
@Suite(.ownThreads) struct PrivateFilesTests {
    /// The permission bits of a file.
    static func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    /// Every file or folder below `root` that group or others may read, write or enter, except what
    /// lies in a folder only its owner may enter (0700), where nobody else can reach it.
    static func exposed(below root: URL) throws -> [String] {
        var out: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: root.path) {
            let url = root.appendingPathComponent(name)
            let mode = try Self.mode(url.path)
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
            if isFolder.boolValue {
                if mode & 0o077 != 0 { out.append("\(name)/ (\(String(mode, radix: 8)))") }
                out += try exposed(below: url).map { "\(name)/\($0)" }
            } else if mode & 0o077 != 0 {
                out.append("\(name) (\(String(mode, radix: 8)))")
            }
        }
        return out
    }

    @Test func everyFileTheProgramMakesIsPrivateUnderUmask022() throws {
        let cli = try CLI()
        defer { cli.remove() }
        // The folder itself is left as an office would have it (others may list it): only the files count.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: cli.dir.path)
        let path = { (name: String) in cli.dir.appendingPathComponent(name).path }
        let commands: [[String]] = [
            ["init", "--db", path("empty.sqlite")],
            ["init", "--centre", "--db", path("centre.sqlite")],
            ["demo", "--tenants", "40", "--db", cli.db],
            ["export", "--purpose", "service-updates-email", "--out", path("updates.csv"), "--db", cli.db],
            ["export", "--purpose", "tenancy-management", "--format", "xlsx", "--out", path("tenancy.xlsx"), "--db", cli.db],
            ["export", "--purpose", "tenancy-management", "--format", "jsonl", "--out", path("tenancy.jsonl"), "--db", cli.db],
            ["notify", "--purpose", "service-updates-email", "--template", "service-update", "--out", path("mail"), "--db", cli.db],
            ["return", "--out", path("core.csv"), "--db", cli.db],
            ["scan", "index", "--db", cli.db, "--out", path("register.idx")],
        ]
        for arguments in commands {
            let run = try cli.run(arguments, umask: "022")
            try #require(run.status == 0, "consent \(arguments.joined(separator: " ")): \(run.stderr)")
        }
        for made in ["empty.sqlite", "empty.special.sqlite", "consent.sqlite", "consent.special.sqlite", "centre.sqlite",
                     "register.idx", "register.idx.key", "updates.csv", "tenancy.xlsx", "core.csv", "mail"] {
            #expect(FileManager.default.fileExists(atPath: path(made)), "\(made) was not made: the test would prove nothing")
        }
        #expect(try Self.exposed(below: cli.dir) == [], "files others can read")

        // While the database is open (a kiosk, a sync), SQLite's WAL and shared-memory files exist: private too.
        let content = try #require(VaultCLITests.content)
        let open = try ConsentDatabase.open(at: cli.db, validator: content.validator)
        defer { try? open.close() }
        _ = try open.tenantCount()
        for file in [cli.db + "-wal", cli.db + "-shm"] {
            #expect(try Self.mode(file) == 0o600, "\(file)")
        }
        #expect(try Self.exposed(below: cli.dir) == [], "files others can read while the database is open")
    }

    @Test func aDatabaseOrVaultOthersCanReadIsRefusedWithTheChmodToRun() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try #require(try cli.run(["demo", "--tenants", "5", "--db", cli.db]).status == 0)
        let vault = ConsentDatabase.vaultPath(for: cli.db)
        for (files, mode) in [([cli.db], 0o644), ([vault], 0o640), ([cli.db, vault], 0o604)] {
            for file in files { try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file) }
            let list = try cli.run(["tenant", "list", "--reason", "test", "--db", cli.db])
            #expect(list.status != 0, "opened with \(files) mode \(String(mode, radix: 8))")
            #expect(!list.stdout.contains("T0000001"), "nothing of the register is shown")
            // The message gives the command to run; running it as given is all it takes.
            let command = try #require(list.stderr.split(separator: "`").first { $0.hasPrefix("chmod 600 ") }, "\(list.stderr)")
            for file in files { #expect(command.split(separator: " ").contains(Substring(file)), "\(file) missing from `\(command)`") }
            #expect(try Subprocess.run("/bin/sh", ["-c", String(command)]).status == 0)
            let again = try cli.run(["tenant", "list", "--reason", "test", "--db", cli.db])
            #expect(again.status == 0 && again.stdout.contains("T0000001"), "after `\(command)` it opens: \(again.stderr)")
        }
        #expect(try Self.exposed(below: cli.dir) == [])
    }
}
