import Foundation
import Testing
import TestSupport

/// `consent request make|list|decide` on the real binary and a real SQLite file (issue 22): the queue's
/// deadlines, a restriction that keeps a value out of `consent export`, refusals only with a reason, an access
/// request answered by the pack, and a kiosk request whose refusal the tenant reads at the kiosk.
@Suite(.serialized, .ownThreads) struct RequestsCLITests {
    static let password = Data("correct horse battery\n".utf8)

    /// A demo register with a support member (S100) and a supervisor (P200).
    func setup(_ cli: CLI) throws {
        #expect(try cli.run(["demo", "--tenants", "5", "--db", cli.db]).status == 0)
        for (id, role) in [("S100", "support"), ("P200", "supervisor")] {
            let added = try cli.run(["staff", "add", id, "--role", role, "--name", id, "--password-stdin", "--db", cli.db], stdin: Self.password)
            #expect(added.status == 0, "\(added.stderr)")
        }
    }

    func desk(_ cli: CLI, _ arguments: [String], staff: String = "P200") throws -> CLI.Output {
        try cli.run(arguments + ["--staff", staff, "--password-stdin", "--db", cli.db], stdin: Self.password)
    }

    func queue(_ cli: CLI, _ extra: [String] = []) throws -> [[String: Any]] {
        try cli.run(["request", "list", "--json", "--db", cli.db] + extra).json() as? [[String: Any]] ?? []
    }

    /// One cell of an exported CSV (RFC 4180: quoted fields may hold commas), by column name and reference.
    func column(_ csv: String, _ name: String, of ref: String) -> String? {
        func fields(_ line: Substring) -> [String] {
            var out: [String] = [], field = "", quoted = false
            for c in line {
                if c == "\"" { quoted.toggle() } else if c == "," && !quoted { out.append(field); field = "" } else { field.append(c) }
            }
            return out + [field]
        }
        let lines = csv.split(whereSeparator: \.isNewline).map(fields)
        guard let header = lines.first, let index = header.firstIndex(where: { $0.hasSuffix(name) }),
              let row = lines.first(where: { $0.first == ref }), index < row.count else { return nil }
        return row[index]
    }

    @Test func aRestrictionCarriedOutKeepsTheValueOutOfEveryExportUntilLifted() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try setup(cli)
        func export(_ name: String) throws -> String {
            let out = cli.dir.appendingPathComponent(name).path
            let run = try cli.run(["export", "--purpose", "tenancy-management", "--out", out, "--db", cli.db])
            #expect(run.status == 0, "\(run.stderr)")
            return try String(contentsOfFile: out, encoding: .utf8)
        }
        let mobile = try #require(column(try export("before.csv"), "mobile", of: "T0000001"))
        #expect(!mobile.isEmpty, "the demo tenant has no mobile to restrict")
        let made = try desk(cli, ["request", "make", "T0000001", "--kind", "restriction", "--attribute", "mobile", "--verified-by", "signed letter"], staff: "S100")
        #expect(made.status == 0, "\(made.stderr)")
        let open = try queue(cli)
        #expect(open.count == 1 && open.first?["kind"] as? String == "restriction" && open.first?["outcome"] as? String == "open")
        // Open, it restricts nothing yet; the support role cannot decide it.
        #expect(column(try export("open.csv"), "mobile", of: "T0000001") == mobile)
        let event = try #require(open.first?["event"] as? String)
        let bySupport = try desk(cli, ["request", "decide", "T0000001", event, "--carry-out"], staff: "S100")
        #expect(bySupport.status != 0 && bySupport.stderr.contains("may not"), "\(bySupport.stderr)")

        let decided = try desk(cli, ["request", "decide", "T0000001", event, "--carry-out"])
        #expect(decided.status == 0, "\(decided.stderr)")
        let restricted = try export("restricted.csv")
        #expect(column(restricted, "mobile", of: "T0000001") == "", "the restricted mobile left in an export:\n\(restricted)")
        #expect(!restricted.contains(mobile))
        let manifest = try String(contentsOfFile: cli.dir.appendingPathComponent("restricted.csv.manifest.json").path, encoding: .utf8)
        #expect(manifest.contains("\"restricted\" : 1"), "the manifest does not count the restricted cell:\n\(manifest)")
        #expect(column(restricted, "mobile", of: "T0000002") != "", "another tenant's mobile was restricted too")

        #expect(try desk(cli, ["request", "decide", "T0000001", event, "--lift", ""]).status == 0)
        #expect(column(try export("lifted.csv"), "mobile", of: "T0000001") == mobile)
        #expect(try cli.run(["ledger", "verify", "--db", cli.db]).status == 0)
    }

    @Test func theQueueGivesEachKindItsDeadlineAndTheReportCountsEveryKind() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try setup(cli)
        for (ref, kind, attribute) in [("T0000001", "access", nil), ("T0000002", "rectification", "date-of-birth"), ("T0000003", "erasure", "address")] {
            let made = try desk(cli, ["request", "make", ref, "--kind", kind, "--channel", "phone"] + (attribute.map { ["--attribute", $0] } ?? []), staff: "S100")
            #expect(made.status == 0, "\(made.stderr)")
        }
        let lines = try queue(cli)
        #expect(lines.map { $0["kind"] as? String } == ["access", "rectification", "erasure"])
        let dates = ISO8601DateFormatter()
        for line in lines {
            let made = try #require(dates.date(from: line["madeAt"] as? String ?? ""))
            let deadline = try #require(dates.date(from: line["deadline"] as? String ?? ""))
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let month = try #require(calendar.date(byAdding: .month, value: 1, to: made))
            #expect(abs(deadline.timeIntervalSince(month)) < 86_400 * 1.01, "\(line): not one month")
        }
        // A refusal needs the reason the tenant is shown; a request named under another tenant is not found.
        let event = try #require(lines[1]["event"] as? String)
        let bare = try desk(cli, ["request", "decide", "T0000002", event, "--refuse", " "])
        #expect(bare.status != 0 && bare.stderr.contains("reason the tenant is shown"), "\(bare.stderr)")
        let crossed = try desk(cli, ["request", "decide", "T0000001", event, "--refuse", "no"])
        #expect(crossed.status != 0 && crossed.stderr.contains("has no request"), "\(crossed.stderr)")
        // Only a coded reason, which the tenant reads in their own language (staff's own words would reach them untranslated).
        let words = try desk(cli, ["request", "decide", "T0000002", event, "--refuse", "The date on your tenancy agreement matches ours"])
        #expect(words.status != 0 && words.stderr.contains("value-is-correct"), "\(words.stderr)")
        #expect(try desk(cli, ["request", "decide", "T0000002", event, "--refuse", "value-is-correct"]).status == 0)
        let refused = try queue(cli, ["--reference", "T0000002"])
        #expect(refused.first?["outcome"] as? String == "refused" && refused.first?["reason"] as? String == "value-is-correct")
        #expect(try queue(cli).count == 2, "a refused request is still in the open queue")

        let today = String(Date().ISO8601Format().prefix(10))
        let report = try cli.run(["report", "--from", today, "--to", today, "--db", cli.db]).stdout
        for (kind, listed, open) in [("erasure", 1, 1), ("rectification", 1, 0), ("restriction", 0, 0), ("access", 1, 1)] {
            #expect(report.contains("  \(kind)\t\(listed) (\(open) open, 0 past their deadline)"), "\(kind) not counted:\n\(report)")
        }
        let counted = try Subprocess.run("/usr/bin/env", ["sqlite3", cli.db, "SELECT count(*) FROM ledger WHERE kind LIKE '%-request'"]).stdout
        #expect(counted.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
    }

    @Test(.enabled(if: AccessPackCLITests.weasyprint != nil, "needs WeasyPrint 70 from .ci/setup"))
    func anAccessRequestIsAnsweredByThePack() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try setup(cli)
        #expect(try desk(cli, ["request", "make", "T0000001", "--kind", "access"], staff: "S100").status == 0)
        let pdf = cli.dir.appendingPathComponent("pack.pdf").path
        let packed = try cli.run(["tenant", "pack", "T0000001", "--out", pdf, "--staff", "P200", "--password-stdin", "--db", cli.db],
                                 stdin: Self.password, environment: ["CONSENT_WEASYPRINT": AccessPackCLITests.weasyprint])
        #expect(packed.status == 0 && packed.stdout.contains("Marked answered"), "\(packed.stdout)\(packed.stderr)")
        #expect(try queue(cli).isEmpty, "the access request is still open after the pack")
        #expect(try queue(cli, ["--reference", "T0000001"]).first?["outcome"] as? String == "carried-out")
    }
}

/// A request made at the kiosk (through tmux), refused by a supervisor with a reason the tenant then reads there.
@Suite(.serialized, .ownThreads) struct KioskRequestE2ETests {
    typealias Setup = KioskE2ETests.Setup

    @Test func aKioskRequestRefusedAtTheDeskShowsTheReasonAtTheKiosk() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let cli = setup.cli
        let tmux = try Tmux(setup.kiosk(), width: 180, height: 120)
        try KioskE2ETests().firstSignIn(tmux, setup)
        try tmux.focus("Date of birth")
        try tmux.keys("Enter")
        try tmux.waitFor("cannot be erased here")
        try tmux.focus("Ask our staff to erase it")
        try tmux.keys("Enter")
        try tmux.waitFor("Send the request")
        try tmux.focus("Send the request")
        try tmux.keys("Enter")
        try tmux.waitFor("Your request has been sent to our staff")
        try tmux.keys("Escape")
        try tmux.waitFor("Choose a use")
        try KioskSignInE2ETests.signOut(tmux)

        #expect(try cli.run(["staff", "add", "P200", "--role", "supervisor", "--name", "Pat", "--password-stdin", "--db", cli.db],
                            stdin: RequestsCLITests.password).status == 0)
        let open = try cli.run(["request", "list", "--json", "--db", cli.db]).json() as? [[String: Any]] ?? []
        #expect(open.count == 1 && open.first?["kind"] as? String == "erasure" && open.first?["attribute"] as? String == "date-of-birth")
        let event = try #require(open.first?["event"] as? String)
        let refused = try cli.run(["request", "decide", "T0000001", event, "--refuse", "identity-not-confirmed",
                                   "--staff", "P200", "--password-stdin", "--db", cli.db], stdin: RequestsCLITests.password)
        #expect(refused.status == 0, "\(refused.stderr)")

        try tmux.keys("Enter")
        try tmux.waitFor("Tenancy reference")
        let tenant = try setup.tenant("T0000001")
        #expect(try KioskSignInE2ETests.attemptSucceeds(tmux, "T0000001", tenant.dob, "482916", name: tenant.name))
        let screen = try tmux.waitFor("could not check")
        #expect(screen.contains("Your requests to staff") && screen.contains("Erase Date of birth") && screen.contains("Refused on"), "\(screen)")
    }
}
