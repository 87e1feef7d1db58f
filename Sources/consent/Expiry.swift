import ArgumentParser
import CentralStorePostgres
import ConsentCommandLine
import ConsentCore
import ConsentStore
import Foundation

/// `consent expiry`: the grants that lapse soon, for asking the tenants again before they do.
struct ExpiryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expiry",
        abstract: "List the consents that lapse within a number of days, soonest first.",
        discussion: """
            A consent lasts `consent-validity-months` (Forms/register.yaml) or a purpose's own `validity-months`
            (Forms/purposes.yaml); once it lapses, what the purpose uses leaves its exports until the tenant agrees
            again. Each line names the end date, the tenancy reference, the purpose and the attributes it covers; no
            names or values. Each listing is recorded in the audit log (`consent audit log`).
            """)

    @OptionGroup var store: StoreOptions

    @Option(help: PostgresCentre.help) var database: String?

    @Option(help: ArgumentHelp("Look this many days ahead (1 to \(Expiry.maximumDays)).", valueName: "days"))
    var within: Int

    @Flag(help: "Print JSON for scripts.")
    var json = false

    struct Listing: Encodable {
        var within: Int
        var from: Date
        var to: Date
        var tenants: Int
        var grants: [LapsingGrant]
    }

    func validate() throws {
        guard (1...Expiry.maximumDays).contains(within) else {
            throw ValidationError("--within takes a number of days from 1 to \(Expiry.maximumDays), e.g. --within 30")
        }
    }

    func run() async throws {
        let now = Date()
        let who = operatingSystemUser()
        let grants: [LapsingGrant]
        if let database {
            let centre = try await PostgresCentre.open(database, store: store)
            defer { centre.shutdown() }
            grants = try await centre.lapsingGrants(within: within, now: now, by: who)
        } else {
            grants = try store.open().lapsingGrants(within: within, now: now, catalogue: try store.content.load().catalogue, by: who)
        }
        let listing = Listing(within: within, from: now, to: Expiry.end(from: now, days: within),
                              tenants: Set(grants.map(\.tenant)).count, grants: grants)
        if json { return try printJSON(listing) }
        let day = Date.ISO8601FormatStyle().year().month().day()
        for grant in grants {
            print("\(grant.until.formatted(day))\t\(TextSafety.displaySafe(grant.tenant.rawValue))\t\(grant.purpose)\t\(grant.attributes.map(\.rawValue).joined(separator: ", "))")
        }
        print(grants.isEmpty
              ? "No consent lapses within \(within) days."
              : "\(grants.count) consents of \(listing.tenants) tenants lapse within \(within) days (by \(listing.to.formatted(day))).")
    }
}
