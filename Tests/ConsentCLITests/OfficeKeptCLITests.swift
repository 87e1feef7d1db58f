import Foundation
import Testing
import TestSupport

/// The office is never erased (a review found that carrying out an erasure request for it sent the tenant's
/// whole record to every device of every office): a request to erase it is refused when taken, with what to do.
@Suite(.ownThreads) struct OfficeKeptCLITests {
    @Test func anErasureRequestForTheOfficeIsRefusedAndNothingIsRecorded() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let requests = RequestsCLITests()
        try requests.setup(cli)
        let before = try Subprocess.run("/usr/bin/sqlite3", [cli.db, "SELECT count(*) FROM ledger"]).stdout
        let made = try requests.desk(cli, ["request", "make", "T0000001", "--kind", "erasure", "--attribute", "office", "--verified-by", "signed letter"],
                                     staff: "S100")
        #expect(made.status != 0 && made.stderr.contains("'office' is never erased") && made.stderr.contains("correct it"), "\(made.stderr)")
        #expect(try Subprocess.run("/usr/bin/sqlite3", [cli.db, "SELECT count(*) FROM ledger"]).stdout == before, "something was recorded")
        // Any other erasure request is still taken.
        let other = try requests.desk(cli, ["request", "make", "T0000001", "--kind", "erasure", "--attribute", "mobile", "--verified-by", "signed letter"],
                                      staff: "S100")
        #expect(other.status == 0, "\(other.stderr)")
    }
}
