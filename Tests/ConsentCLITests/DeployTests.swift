import Foundation
import Testing

/// The systemd unit in deploy/ runs the kiosk safely, and systemd accepts it.
@Suite struct DeployTests {
    static let unit = CLI.repo.appendingPathComponent("deploy/tenantconsent-kiosk.service")

    @Test func unitRunsTheKioskOnTty1AsAnUnprivilegedUserWithoutCoreDumps() throws {
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
        for line in ["User=tenantkiosk", "TTYPath=/dev/tty1", "TTYVHangup=yes", "TTYVTDisallocate=yes", "Restart=always",
                     "LimitCORE=0", "NoNewPrivileges=yes", "Conflicts=getty@tty1.service"] {
            #expect(text.split(separator: "\n").contains { $0 == line }, "missing \(line)")
        }
        let install = try String(contentsOf: CLI.repo.appendingPathComponent("deploy/install-kiosk.sh"), encoding: .utf8)
        #expect(install.contains("--shell /usr/sbin/nologin tenantkiosk"))
    }

    /// `systemd-analyze verify` on the shipped unit, with ExecStart pointed at the binary just built
    /// (verify checks that the program exists, and /usr/local/bin/consent is not installed here).
    @Test func systemdAnalyzeVerifyAcceptsIt() throws {
        let analyze = "/usr/bin/systemd-analyze"
        try #require(FileManager.default.isExecutableFile(atPath: analyze), "systemd-analyze is needed (package systemd)")
        let cli = try CLI()
        defer { cli.remove() }
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/consent", with: CLI.binary.path)
        let copy = cli.dir.appendingPathComponent("tenantconsent-kiosk.service")
        try text.write(to: copy, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: analyze)
        process.arguments = ["verify", copy.path]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "systemd-analyze verify: \(message)")
    }
}
