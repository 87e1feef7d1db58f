import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentForms
import ConsentStore
import Foundation

struct TenantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant",
        abstract: "Look up tenants in the register.",
        subcommands: [List.self, Show.self, Pack.self, History.self, Find.self, Reveal.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List a page of tenancy references and names, in reference order; each listing is recorded.",
            discussion: """
                At most \(ConsentDatabase.listingLimit) tenants at a time (page on with --after, the last reference shown): a
                listing is for finding someone, not a copy of the register, which leaves only through `consent export` (a
                disclosure recorded per tenant). Each listing is recorded in the audit log with the user, the reason, how many
                and the first and last reference shown; `consent audit log` reads it.
                """)

        @OptionGroup var store: StoreOptions

        @Option(help: "Show at most this many (\(ConsentDatabase.listingLimit) at most, the default).")
        var limit: Int = ConsentDatabase.listingLimit

        @Option(help: ArgumentHelp("Start after this tenancy reference (for paging).", valueName: "ref"))
        var after: String?

        @Option(help: ArgumentHelp("Why the tenants are listed (recorded with the listing), e.g. 'finding a caller's reference'.", valueName: "text"))
        var reason: String?

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func validate() throws {
            guard (1...ConsentDatabase.listingLimit).contains(limit) else {
                throw ValidationError("""
                    tenant list shows at most \(ConsentDatabase.listingLimit) tenants at a time: page on with --after REF (the last one shown); \
                    the whole register leaves only through consent export, which records a disclosure per tenant
                    """)
            }
            if (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("tenant list needs --reason: each listing is recorded in the audit log with who listed and why")
            }
        }

        func run() throws {
            let tenants = try store.open().listTenants(limit: limit, after: after, by: operatingSystemUser(), reason: reason ?? "")
            if json { return try printJSON(tenants) }
            for tenant in tenants {
                print("\(TextSafety.displaySafe(tenant.reference))\t\(TextSafety.displaySafe(tenant.name ?? "-"))")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Everything held about one tenant and every decision, as the tenant would be shown it (UK GDPR Art. 15).",
            discussion: """
                Special-category values are masked unless --reveal-special is given with --reason: each value shown is then
                recorded in the ledger as a read (an access event), with the reason, as a reveal in staff mode is.
                """)

        @OptionGroup var store: StoreOptions

        @Argument(help: "The tenancy reference, e.g. T0000001.")
        var reference: String

        @OptionGroup var shown: ReportOptions
        var language: String? { shown.language }
        var revealSpecial: Bool { shown.revealSpecial }
        var reason: String? { shown.reason }

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() throws {
            let (content, db) = try store.openWithContent()
            if revealSpecial { try db.refuseIfSealedForCentre("revealing special-category values") }
            let ref = content.validator.tenancyReference(reference) ?? TenantRef(reference)
            let record = try db.tenantRecord(ref)
            if revealSpecial, let reason {
                // Every special-category value about to be shown is a read, recorded before it is shown.
                try db.recordSpecialReads(ref, state: record.state, catalogue: content.catalogue, by: "consent tenant show", reason: reason)
            }
            let lang = try TenantCommand.reportLanguage(language, record.state, content)
            let report = AccessReport.build(record.state, content: content, language: lang, at: Date(), revealSpecial: revealSpecial)
            let joint = try db.jointTenants(of: ref)
            if json {
                return try printJSON(ShowJSON(report: report, disclosures: record.disclosures, jointTenants: joint.map(\.rawValue),
                                              specialValuesUnavailable: db.specialValuesProblem))
            }
            if !joint.isEmpty {
                // For staff, first: who else holds the tenancy, by reference only (each is a data subject of their own).
                print("Joint tenancy, also held by \(joint.map { TextSafety.displaySafe($0.rawValue) }.joined(separator: ", ")): "
                      + "a tenant of their own, with their own details and choices; act only for the tenant you verified, by their own reference.")
                print("")
            }
            for line in report.lines(content) { print(line) }
            print("")
            print(content.localizer.text("show.disclosures-title", lang))
            if record.disclosures.isEmpty { print(content.localizer.text("show.no-disclosures", lang)) }
            for d in record.disclosures {
                // Who ran it and where, when it came from elsewhere (staff ask "who sent this?").
                let made = [d.madeBy.map { "by \(TextSafety.displaySafe($0))" }, d.origin.map { "at \(TextSafety.displaySafe($0))" }].compactMap { $0 }
                print("  \(d.at) \(d.purpose) → \(d.recipient): \(d.attributes.joined(separator: ", "))\(made.isEmpty ? "" : " (\(made.joined(separator: " ")))")")
            }
        }

        struct ShowJSON: Encodable {
            var report: AccessReport
            var disclosures: [Disclosure]
            /// The other tenants holding the same tenancy (`joint-tenancy`), by reference only.
            var jointTenants: [String]
            /// Why special-category values show as unavailable (no key); absent when they open.
            var specialValuesUnavailable: String?
        }
    }
}
