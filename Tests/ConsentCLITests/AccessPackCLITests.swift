import Foundation
import Testing
import TestSupport

/// `consent tenant pack`: the answer to an access request as a PDF in the tenant's language, read back
/// with poppler's pdftotext (an independent reader) and checked against the database by sqlite3.
@Suite(.ownThreads) struct AccessPackCLITests {
    /// WeasyPrint as `.ci/setup` installs it (PyPI, in its own environment), else whatever the machine has.
    static let weasyprint: String? = {
        let ci = FileManager.default.temporaryDirectory.appendingPathComponent("tenantconsent-weasyprint-70.0/bin/weasyprint").path
        return FileManager.default.isExecutableFile(atPath: ci) ? ci : nil
    }()

    func pack(_ cli: CLI, _ arguments: [String]) throws -> CLI.Output {
        try cli.run(["tenant", "pack"] + arguments + ["--db", cli.db], environment: ["CONSENT_WEASYPRINT": Self.weasyprint])
    }

    func text(_ pdf: String) throws -> String {
        let result = try Subprocess.run("/usr/bin/env", ["pdftotext", "-enc", "UTF-8", pdf, "-"])
        guard result.status == 0 else { throw TestFailure("pdftotext: \(result.stderr)") }
        return result.stdout
    }

    func sqlite(_ db: String, _ sql: String) throws -> String {
        try Subprocess.run("/usr/bin/env", ["sqlite3", db, sql]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(.enabled(if: weasyprint != nil, "needs WeasyPrint 70 from .ci/setup"))
    func thePackHoldsWhatIsHeldEveryUseTheDisclosuresAndTheHistoryInEnglishAndUrdu() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "30", "--db", cli.db]).status == 0)
        let csv = cli.dir.appendingPathComponent("tenancy.csv").path
        #expect(try cli.run(["export", "--purpose", "tenancy-management", "--out", csv, "--db", cli.db]).status == 0)
        let name = try sqlite(cli.db, """
            SELECT v.value FROM current_value c JOIN value v ON v.device_no = c.source_device AND v.device_seq = c.source_seq
            AND v.attribute_id = c.attribute_id JOIN tenant t ON t.id = c.tenant_id WHERE t.ref = 'T0000003' AND c.attribute_id = 'full-name'
            """)
        #expect(!name.isEmpty)

        let english = cli.dir.appendingPathComponent("en.pdf").path
        let made = try pack(cli, ["T0000003", "--out", english, "--language", "en"])
        #expect(made.status == 0, "\(made.stderr)")
        let en = try text(english)
        for expected in ["What we hold about you", "Tenancy reference: T0000003", name, "Managing your tenancy", "Where your data went",
                         "What we wrote down about you, in date order", "Registered with", "Hidden for your privacy"] {
            #expect(en.contains(expected), "missing '\(expected)'")
        }
        #expect(!en.contains("Nothing has been sent out about you"), "the tenancy export is a disclosure")
        let mode = try FileManager.default.attributesOfItem(atPath: english)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let urdu = cli.dir.appendingPathComponent("ur.pdf").path
        #expect(try pack(cli, ["T0000003", "--out", urdu, "--language", "ur"]).status == 0)
        let ur = try text(urdu)
        for expected in ["ہمارے پاس آپ کے بارے میں کیا معلومات ہیں", "آپ کی کرایہ داری کا انتظام", "T0000003", name] {
            #expect(ur.contains(expected), "missing '\(expected)' in:\n\(ur.prefix(600))")
        }

        let again = try pack(cli, ["T0000003", "--out", urdu])
        #expect(again.status != 0 && again.stderr.contains("already exists"), "a pack never overwrites")
    }

    @Test(.enabled(if: weasyprint != nil, "needs WeasyPrint 70 from .ci/setup"))
    func specialCategoriesAreIncludedOnlyWhenAskedAndEachReadIsRecordedFirst() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "30", "--db", cli.db]).status == 0)
        let reads = { try self.sqlite(cli.db, "SELECT count(*) FROM ledger l JOIN tenant t ON t.id = l.tenant_id WHERE t.ref = 'T0000003' AND l.kind = 'access'") }
        #expect(try reads() == "0")
        let noReason = try pack(cli, ["T0000003", "--out", cli.dir.appendingPathComponent("x.pdf").path, "--reveal-special"])
        #expect(noReason.status != 0 && noReason.stderr.contains("needs --reason"))
        let pdf = cli.dir.appendingPathComponent("special.pdf").path
        #expect(try pack(cli, ["T0000003", "--out", pdf, "--language", "en", "--reveal-special", "--reason", "Art. 15 request 2026-114"]).status == 0)
        let held = try sqlite(cli.db, """
            SELECT count(DISTINCT c.attribute_id) FROM current_value c JOIN tenant t ON t.id = c.tenant_id
            WHERE t.ref = 'T0000003' AND c.attribute_id IN ('ethnic-origin', 'religion', 'sexual-orientation', 'health-needs', 'gender-identity')
            """)
        #expect(try reads() == held && held != "0", "one recorded read per special-category value held")
        let en = try text(pdf)
        #expect(!en.contains("Hidden for your privacy"))
        #expect(en.contains("shown to staff"), "the reads just recorded are in the pack's history")
    }

    @Test func withoutWeasyPrintThePackSaysWhatToInstall() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "5", "--db", cli.db]).status == 0)
        let run = try cli.run(["tenant", "pack", "T0000003", "--out", cli.dir.appendingPathComponent("p.pdf").path, "--db", cli.db],
                              environment: ["CONSENT_WEASYPRINT": "/nonexistent/weasyprint"])
        #expect(run.status != 0 && run.stderr.contains("WeasyPrint"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.dir.appendingPathComponent("p.pdf").path))
    }
}
