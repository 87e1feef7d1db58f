import CentralStorePostgres
import ConsentForms
import ConsentStore
import Foundation
import Testing
import TestSupport

/// PostgreSQL-only commands as real processes. (Serving kiosks from a migrated PostgreSQL centre is
/// covered by the sync suites, which run against both centres: SyncCLITests, SyncCrashTests.)
@Suite(.serialized, .ownThreads) struct PostgresCLITests {
    @Test func viewsAreMadeForEveryPurposeAndRefreshedOnARerun() async throws {
        let cli = try CLI()
        defer { cli.remove() }
        let postgres = try ThrowawayPostgres.shared()
        let url = postgres.url(database: try postgres.createDatabase())
        let prefix = "cli\(UInt32.random(in: 0...UInt32.max))_"
        let catalogue = try Shipped.load().catalogue
        let purposes = Set(catalogue.purposes.map(\.id.rawValue))
        for _ in 0..<2 {
            let made = try cli.run(["views", "--database", url, "--role-prefix", prefix, "--json"])
            #expect(made.status == 0, "\(made.stderr)")
            let list = try made.json() as? [[String: Any]] ?? []
            #expect(list.count == purposes.count && Set(list.compactMap { $0["purpose"] as? String }) == purposes, "one view per purpose in Forms/")
            let email = list.first { $0["purpose"] as? String == "service-updates-email" }
            #expect(email?["role"] as? String == prefix + "service_updates_email")
            #expect(email?["columns"] as? [String] == ["tenant", "full_name", "preferred_name", "email", "preferred_language"])
            let tailoring = list.first { $0["purpose"] as? String == "tailoring-services" }
            #expect((tailoring?["columns"] as? [String])?.contains("health_needs") == false, "special categories are never view columns")
            // Rows that leave only pseudonymised get no view at all (review 3 G13).
            for purpose in ["equality-monitoring", "regulator-returns"] {
                let entry = list.first { $0["purpose"] as? String == purpose }
                #expect(entry?["view"] == nil && (entry?["none"] as? String)?.contains("pseudonymised") == true, "\(String(describing: entry))")
            }
        }
        let bad = try cli.run(["views", "--database", url, "--role-prefix", "X; DROP"])
        #expect(bad.status != 0 && bad.stderr.contains("--role-prefix"))
    }
}
