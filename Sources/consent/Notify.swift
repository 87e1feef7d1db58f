import ArgumentParser
import ConsentCommandLine
import ConsentExport
import Foundation

struct Notify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one email per tenant who may be contacted for a purpose, each holding only their own details.",
        discussion: """
            A message goes to a tenant only where the policy allows the template's channel (their email) for the
            purpose now. Each message is addressed to that tenant alone, in their preferred language, and holds only
            their own details; special categories are named as held, never shown; nothing is attached. The messages
            (000001.eml, ...) and manifest.json appear in a new folder, readable by its owner only, for the mail system
            to send; each tenant written to sees the disclosure at the kiosk. Templates live in Forms/templates.yaml.
            """)

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("The purpose the tenants are contacted for (e.g. service-updates-email).", valueName: "id"))
    var purpose: String

    @Option(help: ArgumentHelp("The template (an id from Forms/templates.yaml, e.g. what-we-hold).", valueName: "id"))
    var template: String

    @Option(help: ArgumentHelp("The folder to create for the messages (must not exist).", valueName: "dir"), completion: .directory)
    var out: String

    @Option(help: PostgresCentre.help) var database: String?

    @Flag(help: "Print the manifest as JSON.")
    var json = false

    func run() async throws {
        let content = try store.content.load()
        let mailing = try Mailing(content: content, template: template, purpose: purpose, at: Date())
        let source = try await openTenantRows(store, database: database, content: content)
        defer { source.close() }
        var progress = ProgressLine("notify", quiet: json)
        let manifest = try await mailing.run(into: URL(fileURLWithPath: out), from: source) { done in
            progress.update(done, of: max(done, 1))
        }
        progress.finish()
        if json { return try printJSON(manifest) }
        let left = manifest.leftOut.values.reduce(0, +)
        print("Wrote \(manifest.messages) messages for \(manifest.purpose) to \(out)/ (\(left) tenants not written to: no usable consent or no safe address); manifest: \(out)/manifest.json")
    }
}
