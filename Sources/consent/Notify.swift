import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentExport
import Foundation

struct Notify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Write one email per tenant who may be contacted for a purpose, each holding only their own details.",
        discussion: """
            A message goes to a tenant only where the policy allows the template's channel (their email) for the
            purpose now. Each message is addressed to that tenant alone, in their preferred language, and holds only
            their own details, and only what the purpose uses (a template names the purposes it is for); a tenant
            whose address another tenant also holds is not written to, and is listed here (and under "skipped" with
            --json) for staff to check the address. A listing of everything held (what-we-hold) answers one tenant's
            access request: send it with --tenant REF, never under a purpose; special categories are named as held,
            never shown. A renewal (consent-renewal, with --lapsing-within DAYS) goes only to tenants whose consent to the
            purpose lapses within DAYS, naming the purpose and the day it ends (`consent expiry` lists them). Nothing is attached. The messages (000001.eml, ...) and manifest.json appear in a new folder, readable by its owner only, for the mail system
            to send; each tenant written to sees the disclosure at the kiosk. Templates live in Forms/templates.yaml.
            """)

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("The purpose the tenants are contacted for (e.g. service-updates-email).", valueName: "id"))
    var purpose: String?

    @Option(help: ArgumentHelp("Answer this tenant's access request alone, with a listing template (what-we-hold), instead of --purpose.", valueName: "ref"))
    var tenant: String?

    @Option(help: ArgumentHelp("The template (an id from Forms/templates.yaml, e.g. service-update).", valueName: "id"))
    var template: String

    @Option(help: ArgumentHelp("The folder to create for the messages (must not exist).", valueName: "dir"), completion: .directory)
    var out: String

    @Option(help: ArgumentHelp("With a renewal template (consent-renewal): write only to tenants whose consent to the purpose lapses within this many days.", valueName: "days"))
    var lapsingWithin: Int?

    @Option(help: PostgresCentre.help) var database: String?

    @Flag(help: "Print the manifest as JSON.")
    var json = false

    func run() async throws {
        let content = try store.content.load()
        let mailing: Mailing
        switch (purpose, tenant) {
        case (let purpose?, nil):
            mailing = try Mailing(content: content, template: template, purpose: purpose, lapsingWithin: lapsingWithin, at: Date())
        case (nil, let tenant?):
            guard lapsingWithin == nil else { throw ValidationError("--lapsing-within goes with --purpose and a renewal template, not with --tenant") }
            mailing = try Mailing(content: content, template: template, answering: TenantRef(tenant), at: Date())
        default:
            throw ValidationError("give --purpose P (a message to every tenant P allows) or --tenant REF (a listing answering that tenant's access request), not both")
        }
        let source = try await openTenantRows(store, database: database, content: content)
        defer { source.close() }
        var progress = ProgressLine("notify", quiet: json)
        var skipped: [SkippedTenant] = []
        let manifest = try await mailing.run(into: URL(fileURLWithPath: out), from: source, progress: { done in
            progress.update(done, of: max(done, 1))
        }, skipped: { skipped = $0 })
        progress.finish()
        if json { return try printJSON(NotifyReport(manifest: manifest, skipped: skipped)) }
        let left = manifest.leftOut.values.reduce(0, +) - skipped.count
        print("Wrote \(manifest.messages) messages for \(manifest.purpose) to \(out)/ (\(left) tenants not written to: no usable consent or no safe address); manifest: \(out)/manifest.json")
        guard !skipped.isEmpty else { return }
        print("\(skipped.count) tenant(s) not written to because another tenant holds the same \(mailing.template.channel): "
              + "the message would show their details to the other. Check the address with each tenant (never sent):")
        for tenant in skipped {
            let others = tenant.sharedWith.map(TextSafety.displaySafe).joined(separator: ", ")
            print("  \(TextSafety.displaySafe(tenant.tenant))\tshares it with \(others)")
        }
    }
}

/// `consent notify --json`: the manifest's fields, and the tenants passed over with why.
struct NotifyReport: Encodable {
    var manifest: Mailing.Manifest
    var skipped: [SkippedTenant]

    private enum Key: String, CodingKey { case skipped }

    func encode(to encoder: Encoder) throws {
        try manifest.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(skipped, forKey: .skipped)
    }
}
