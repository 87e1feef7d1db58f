import Foundation
import Testing
import TestSupport

/// The systemd unit in deploy/ runs the kiosk safely, and systemd accepts it.
@Suite(.ownThreads) struct DeployTests {
    static let unit = CLI.repo.appendingPathComponent("deploy/tenantconsent-kiosk.service")

    /// Staff ending the kiosk (F12 twice, status 0) end it for good: restarted only after a failure, and tty1's
    /// login prompt comes back for them (with `Restart=always` the kiosk came straight back and staff could not leave it).
    @Test func unitRunsTheKioskOnTty1AsAnUnprivilegedUserWithoutCoreDumps() throws {
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
        for line in ["User=tenantkiosk", "TTYPath=/dev/tty1", "TTYVHangup=yes", "TTYVTDisallocate=yes", "Restart=on-failure",
                     "OnSuccess=getty@tty1.service", "LimitCORE=0", "NoNewPrivileges=yes", "Conflicts=getty@tty1.service"] {
            #expect(text.split(separator: "\n").contains { $0 == line }, "missing \(line)")
        }
        let install = try String(contentsOf: CLI.repo.appendingPathComponent("deploy/install-kiosk.sh"), encoding: .utf8)
        #expect(install.contains("--shell /usr/sbin/nologin tenantkiosk"))
    }

    /// `systemd-analyze verify` on the shipped unit, with ExecStart pointed at the binary just built
    /// (verify checks that the program exists, and /usr/local/bin/consent is not installed here).
    @Test func systemdAnalyzeVerifyAcceptsIt() throws {
        let verify = try Self.systemdAnalyzeVerify([Self.unit])
        #expect(verify.status == 0 && verify.stderr.isEmpty, "systemd-analyze verify: \(verify.stderr)")
    }

    /// `systemd-analyze verify` on copies of `units` whose ExecStart runs the binary just built (verify checks
    /// that each program exists, and /usr/local/bin/consent is not installed here), checked together.
    static func systemdAnalyzeVerify(_ units: [URL]) throws -> CLI.Output {
        let analyze = "/usr/bin/systemd-analyze"
        try #require(FileManager.default.isExecutableFile(atPath: analyze), "systemd-analyze is needed (package systemd)")
        let cli = try CLI()
        defer { cli.remove() }
        var copies: [String] = []
        for unit in units {
            let text = try String(contentsOf: unit, encoding: .utf8).replacingOccurrences(of: "/usr/local/bin/consent", with: CLI.binary.path)
            let copy = cli.dir.appendingPathComponent(unit.lastPathComponent)
            try text.write(to: copy, atomically: true, encoding: .utf8)
            copies.append(copy.path)
        }
        return try Subprocess.run(analyze, ["verify"] + copies)
    }

    static let webUnit = CLI.repo.appendingPathComponent("deploy/tenantconsent-web-kiosk.service")
    static let browserUnit = CLI.repo.appendingPathComponent("deploy/tenantconsent-kiosk-browser.service")

    /// The web kiosk (issue 21): the server on loopback as the kiosk's user, with the sound card for
    /// read-aloud; Chromium in kiosk mode under cage on tty1 as another unprivileged user, after the server.
    @Test func theWebKioskUnitsServeOnLoopbackAndShowItOnTty1UnderCage() throws {
        func lines(_ url: URL) throws -> [Substring] { try String(contentsOf: url, encoding: .utf8).split(separator: "\n") }
        let web = try lines(Self.webUnit), browser = try lines(Self.browserUnit)
        // Not restarted after staff end it (status 0), the browser goes with it, and tty1's login prompt comes back.
        for line in ["User=tenantkiosk", "SupplementaryGroups=audio", "Restart=on-failure", "OnSuccess=getty@tty1.service",
                     "LimitCORE=0", "NoNewPrivileges=yes",
                     "IPAddressAllow=localhost", "IPAddressDeny=any"] {
            #expect(web.contains { $0 == line }, "web kiosk: missing \(line)")
        }
        #expect(web.contains { $0.hasPrefix("ExecStart=/usr/local/bin/consent kiosk --web --listen 127.0.0.1:8080 ") })
        for line in ["User=tenantbrowser", "TTYPath=/dev/tty1", "TTYVHangup=yes", "TTYVTDisallocate=yes", "Restart=always",
                     "LimitCORE=0", "NoNewPrivileges=yes", "BindsTo=tenantconsent-web-kiosk.service",
                     "Conflicts=getty@tty1.service tenantconsent-kiosk.service"] {
            #expect(browser.contains { $0 == line }, "kiosk browser: missing \(line)")
        }
        #expect(browser.contains { $0.hasPrefix("ExecStart=/usr/bin/cage -- /usr/bin/chromium --kiosk --incognito ") && $0.hasSuffix(" http://127.0.0.1:8080/") })
        let install = try String(contentsOf: CLI.repo.appendingPathComponent("deploy/install-kiosk.sh"), encoding: .utf8)
        #expect(install.contains("--shell /usr/sbin/nologin tenantbrowser"))
    }

    /// `systemd-analyze verify` on the two web kiosk units together (the browser's needs the server's), the
    /// server's ExecStart pointed at the binary just built. Verify checks that cage and chromium are installed:
    /// `.ci/setup` installs them.
    @Test func systemdAnalyzeVerifyAcceptsTheWebKioskUnits() throws {
        let verify = try Self.systemdAnalyzeVerify([Self.webUnit, Self.browserUnit])
        #expect(verify.status == 0 && verify.stderr.isEmpty, "systemd-analyze verify: \(verify.stderr)")
    }

    /// Installed as deploy/install-kiosk.sh lays it out (`PREFIX/bin/consent`, `PREFIX/share/tenantconsent/Forms`
    /// and `Localization`), the program started by name through `PATH`, from a folder holding neither, with no
    /// `CONSENT_FORMS` or `CONSENT_LOCALIZATION`, finds its folders; so does a symbolic link to it elsewhere.
    @Test func anInstalledProgramStartedByNameFindsItsFormsWithoutEnvironment() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let fm = FileManager.default
        let prefix = cli.dir.appendingPathComponent("prefix")
        let share = prefix.appendingPathComponent("share/tenantconsent")
        try fm.createDirectory(at: prefix.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try fm.createDirectory(at: share, withIntermediateDirectories: true)
        try fm.copyItem(at: CLI.binary, to: prefix.appendingPathComponent("bin/consent"))
        for folder in ["Forms", "Localization"] {
            try fm.copyItem(at: CLI.repo.appendingPathComponent(folder), to: share.appendingPathComponent(folder))
        }
        let linked = cli.dir.appendingPathComponent("links")
        try fm.createDirectory(at: linked, withIntermediateDirectories: true)
        try fm.createSymbolicLink(at: linked.appendingPathComponent("consent"), withDestinationURL: prefix.appendingPathComponent("bin/consent"))
        let elsewhere = cli.dir.appendingPathComponent("elsewhere")
        try fm.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        var env = ProcessInfo.processInfo.environment
        env["CONSENT_FORMS"] = nil
        env["CONSENT_LOCALIZATION"] = nil
        for bin in [prefix.appendingPathComponent("bin"), linked] {
            env["PATH"] = bin.path + ":/usr/bin:/bin"
            let out = try Subprocess.run("/bin/sh", ["-c", "consent forms check"], in: elsewhere, fullEnvironment: env)
            #expect(out.status == 0, "started by name from \(bin.lastPathComponent): \(out.stderr)")
        }
    }
}
