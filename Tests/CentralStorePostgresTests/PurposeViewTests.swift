import CentralStore
@testable import CentralStorePostgres
import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol
import SyncTestSupport
import Testing

/// Issue 6 item 5: a view per purpose with only what the policy allows now, and a role per purpose
/// that can read its view and nothing else.
@Suite struct PurposeViewTests {
    /// A centre with three tenants: T1 granted service updates by email, T2 never asked, T3 granted
    /// then the grant lapsed. Everyone has an email, a name and an ethnic origin (sealed).
    func centreWithTenants() async throws -> (Centre, TestDevice, String) {
        let centre = try await Centre.make()
        try await centre.enrol("kiosk-1")
        var device = TestDevice("kiosk-1")
        var events: [WireEvent] = []
        for n in 1...3 {
            events.append(device.event("T\(n)", .registration(values: [
                AttributeID("full-name"): .value("Tenant \(n)"), AttributeID("email"): .value("t\(n)@example.org"),
                AttributeID("postcode"): .value("LS\(n) 4AB"), AttributeID("ethnic-origin"): .value("white-british"),
                AttributeID("sex"): .value("female"),
            ]), special: ["ethnic-origin"]))
        }
        let past = Date().addingTimeInterval(-86_400)
        events.append(device.decision("T1", "service-updates-email", ["email", "full-name"], .granted, effective: past))
        events.append(device.event("T3", .decision(PurposeID("service-updates-email"), [AttributeID("email")], .granted,
                                                   notice: NoticeShown(version: 1, language: "en"), validUntil: Date().addingTimeInterval(-60)),
                                   effective: past))
        _ = try await centre.store.push(device.push(events), from: "kiosk-1")
        let prefix = "v\(UInt32.random(in: 0...UInt32.max))_"
        try await centre.store.installPurposeViews(rolePrefix: prefix)
        // A reporting tool's login, granted the email-updates role only.
        let reporter = prefix + "reporter"
        _ = try await centre.rows("CREATE ROLE \(reporter) LOGIN")
        _ = try await centre.rows("GRANT \(prefix)service_updates_email TO \(reporter)")
        return (centre, device, reporter)
    }

    @Test func theRoleSeesOnlyAllowedRowsAndColumnsOfItsOwnView() async throws {
        let (centre, _, reporter) = try await centreWithTenants()
        defer { centre.store.shutdown() }
        let rows = try await centre.rows("SELECT tenant, full_name, email, preferred_name, preferred_language FROM consent_views.service_updates_email ORDER BY tenant", as: reporter)
        #expect(rows == [["T1", "Tenant 1", "t1@example.org", nil, nil]])
        let columns = try await centre.rows("""
            SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns
            WHERE table_schema = 'consent_views' AND table_name = 'tailoring_services'
            """)
        // Special categories are sealed at the centre: never a view column.
        #expect(columns == [["tenant,full_name,date_of_birth,address,postcode,mobile,preferred_contact,preferred_language"]])
        // Rows that leave only pseudonymised (equality monitoring, the CORE return) have no view: one would give a
        // reporting login the references and dates of birth their exports never carry (review 3 G13).
        let views = try await centre.rows("SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.views WHERE table_schema = 'consent_views'")
        let names = Set((views.first?.first ?? nil)?.split(separator: ",").map(String.init) ?? [])
        #expect(names.contains("service_updates_email") && !names.contains("equality_monitoring") && !names.contains("regulator_returns"), "\(names)")

        for forbidden in ["SELECT * FROM tenant", "SELECT * FROM value", "SELECT * FROM decision", "SELECT * FROM sealed_value",
                          "SELECT * FROM consent_views.tenancy_management", "SELECT * FROM consent_views.emergency_contact"] {
            await #expect(throws: PSQLError.self, "\(forbidden) must be refused") {
                _ = try await centre.rows(forbidden, as: reporter)
            }
        }
        let error = await #expect(throws: PSQLError.self) {
            _ = try await centre.rows("SELECT * FROM consent_views.tenancy_management", as: reporter)
        }
        #expect(error?.serverInfo?[.sqlState] == "42501") // insufficient_privilege
    }

    /// Review 3 G13: a restriction the tenant asked for (UK GDPR Art. 18) empties its cells in every view once staff
    /// carry it out, as exports leave them out; lifted, the cells show again. A centre upgraded from before the table
    /// fills it from the ledger.
    @Test func aRestrictionInForceEmptiesItsCellsInTheViewsUntilItIsLifted() async throws {
        var (centre, device, reporter) = try await centreWithTenants()
        defer { centre.store.shutdown() }
        let query = "SELECT tenant, full_name, email FROM consent_views.service_updates_email ORDER BY tenant"
        let request = device.event("T1", .request(.restriction, AttributeID("full-name"), proposed: nil))
        _ = try await centre.store.push(device.push([request]), from: "kiosk-1")
        #expect(try await centre.rows(query, as: reporter) == [["T1", "Tenant 1", "t1@example.org"]], "an open request restricts nothing yet")

        let target = EventID(device: DeviceID(request.record.device), sequence: request.record.sequence)
        _ = try await centre.store.push(device.push([device.event("T1", .verification(of: target, attribute: AttributeID("full-name"), approved: true))]),
                                        from: "kiosk-1")
        #expect(try await centre.rows(query, as: reporter) == [["T1", nil, "t1@example.org"]], "the restriction carried out empties the cell")
        #expect(try await centre.rows("SELECT tenant_id::text, attribute_id FROM restricted_attribute")
                == [[try await centre.rows("SELECT id::text FROM tenant WHERE ref = 'T1'").first?.first ?? nil, "full-name"]])

        #expect(try await centre.store.verify().ok)
        _ = try await centre.rows("DELETE FROM restricted_attribute")
        let tampered = try await centre.store.verify()
        #expect(tampered.problems == ["tenant T1: the restrictions the views apply (none) differ from the ledger's (full-name)"], "\(tampered.problems)")

        // A centre whose table was lost or predates it (schema 14) gets it back from the ledger when it opens.
        for statement in BeforeOfficeMoves.postgres { _ = try await centre.rows(statement) }
        _ = try await centre.rows("DELETE FROM schema_version WHERE version >= 15")
        _ = try await centre.rows("DROP TABLE restricted_attribute CASCADE")  // the views go with it
        _ = try await centre.rows("ALTER TABLE sync_device DROP COLUMN served")
        let reopened = try await PostgresCentralStore.open(centre.location, catalogue: centre.catalogue)
        defer { reopened.shutdown() }
        try await reopened.installPurposeViews(rolePrefix: String(reporter.dropLast("reporter".count)))
        #expect(try await centre.rows(query, as: reporter) == [["T1", nil, "t1@example.org"]], "the upgrade fills the table from the ledger")

        _ = try await centre.store.push(device.push([device.event("T1", .verification(of: target, attribute: AttributeID("full-name"), approved: false))]),
                                        from: "kiosk-1")
        #expect(try await centre.rows(query, as: reporter) == [["T1", "Tenant 1", "t1@example.org"]], "lifted, the cell shows again")
    }

    /// Issue 18: a reporting login that writes a cheap function of its own and puts it in a WHERE
    /// clause must not get it called on rows its view hides (the planner would otherwise run the
    /// cheapest condition first, on every tenant). The views are security barriers.
    @Test func aFunctionOfTheReportingLoginSeesNothingOutsideItsView() async throws {
        var (centre, device, reporter) = try await centreWithTenants()
        defer { centre.store.shutdown() }
        // T4 agreed to email updates, then had the email erased: past the decision, stopped by the value
        // check, so whatever plan the server picks, one condition of the view runs after a cheaper one.
        _ = try await centre.store.push(device.push([
            device.event("T4", .registration(values: [AttributeID("full-name"): .value("Tenant 4"), AttributeID("email"): .value("t4@example.org")])),
            device.decision("T4", "service-updates-email", ["email", "full-name"], .granted, effective: Date().addingTimeInterval(-86_400)),
            device.event("T4", .erasure(AttributeID("email"))),
        ]), from: "kiosk-1")
        // Records every argument it is called with in a session setting; costs next to nothing, so
        // the planner would gladly run it before the view's own conditions.
        let peek = """
            CREATE FUNCTION pg_temp.peek(seen text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS $$
            BEGIN
              PERFORM set_config('peek.seen', coalesce(current_setting('peek.seen', true), '') || coalesce(seen, '-') || ';', false);
              RETURN true;
            END $$
            """
        let seen = try await centre.session([
            peek,
            "SELECT tenant FROM consent_views.service_updates_email WHERE pg_temp.peek(tenant) AND pg_temp.peek(email)",
            "SELECT current_setting('peek.seen', true)",
        ], as: reporter)
        let arguments = Set((seen.first?.first ?? nil)?.split(separator: ";").map(String.init) ?? [])
        #expect(arguments.contains("T1"), "the function ran on the view's own row (else this test proves nothing)")
        #expect(arguments.isSubset(of: ["T1", "t1@example.org"]), "seen outside the view: \(arguments.sorted())")
        let barriers = try await centre.rows("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'consent_views' AND c.relkind = 'v' AND NOT coalesce(c.reloptions @> ARRAY['security_barrier=true'], false)
            """)
        #expect(barriers.isEmpty, "views that are not security barriers: \(barriers)")
    }

    @Test func aWithdrawalOrObjectionTakesTheDataOutOfTheViewAtOnce() async throws {
        var (centre, device, reporter) = try await centreWithTenants()
        defer { centre.store.shutdown() }
        let withdrawal = device.decision("T1", "service-updates-email", ["email"], .withdrawn)
        _ = try await centre.store.push(device.push([withdrawal]), from: "kiosk-1")
        // Email is required by the purpose: without it the row goes, though the name is still granted.
        #expect(try await centre.rows("SELECT tenant FROM consent_views.service_updates_email", as: reporter).isEmpty)

        // An objection purpose shows everyone's values until they object; then the cell is empty.
        let query = "SELECT tenant, email FROM consent_views.works_in_your_area ORDER BY tenant"
        let before = try await centre.rows(query)
        #expect(before == [["T1", "t1@example.org"], ["T2", "t2@example.org"], ["T3", "t3@example.org"]])
        let objection = device.decision("T2", "works-in-your-area", ["email"], .objected)
        let erasure = device.event("T3", .erasure(AttributeID("email")))
        _ = try await centre.store.push(device.push([objection, erasure]), from: "kiosk-1")
        let after = try await centre.rows(query)
        #expect(after == [["T1", "t1@example.org"], ["T2", nil], ["T3", nil]])
        // Safeguarding is a legal obligation: always on, whatever was objected to elsewhere.
        let kept = try await centre.rows("SELECT tenant, full_name FROM consent_views.safeguarding ORDER BY tenant")
        #expect(kept == [["T1", "Tenant 1"], ["T2", "Tenant 2"], ["T3", "Tenant 3"]])
    }
}
