import ArgumentParser
import CentralStorePostgres
import ConsentCommandLine
import ConsentCore
import Foundation

/// `consent views --database postgres://...`: the consent-safe views and roles for downstream tools.
struct Views: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "views",
        abstract: "Create or refresh, on a PostgreSQL centre, a view per purpose and a role that can read only that view.",
        discussion: """
            Each purpose in Forms/ gets the view consent_views.<purpose> (its ordinary attributes, each shown only where the
            policy allows that use now: consent in force, no objection, a value held) and a role <prefix><purpose> with
            SELECT on that view's columns and nothing else. Special categories are never in a view: the centre holds
            them sealed. A purpose whose rows leave only pseudonymised (rows: pseudonymised) gets none, and a view
            made for it before is dropped: use consent stats or consent export for it. Grant a role to the login a reporting tool uses:  GRANT consent_emergency_contact TO reporter;
            Run it again after Forms/ changes. The user of --database needs CREATEROLE.
            """)

    @Option(help: ArgumentHelp("The PostgreSQL centre, as postgres://USER@HOST[:PORT]/DATABASE (?host=/socket/dir for a unix socket).", valueName: "url"))
    var database: String

    @Option(help: "The prefix of the roles' names (role names are shared by every database of a server).")
    var rolePrefix = "consent_"

    @OptionGroup var content: ContentOptions

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func validate() throws {
        guard !rolePrefix.isEmpty, rolePrefix.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }),
              rolePrefix.first?.isLetter == true
        else { throw ValidationError("--role-prefix takes lower-case letters, digits and '_', starting with a letter") }
    }

    func run() async throws {
        let catalogue = try content.load().catalogue
        let location: PostgresLocation
        do { location = try PostgresLocation(url: database) } catch { throw ValidationError(error.description) }
        let store = try await PostgresCentralStore.open(location, catalogue: catalogue)
        defer { store.shutdown() }
        try await store.installPurposeViews(rolePrefix: rolePrefix)
        let made = catalogue.purposes.map { purpose in
            PurposeViews.hasView(purpose)
                ? Made(purpose: purpose.id.rawValue, view: "\(PurposeViews.schema).\(PurposeViews.viewName(purpose.id))",
                       role: PurposeViews.roleName(purpose.id, prefix: rolePrefix),
                       columns: ["tenant"] + PurposeViews.columns(of: purpose, in: catalogue).map(PurposeViews.columnName))
                : Made(purpose: purpose.id.rawValue, view: nil, role: nil, columns: [],
                       none: "its rows leave only pseudonymised: use consent stats or consent export")
        }
        if json { return try printJSON(made) }
        for m in made {
            if let view = m.view, let role = m.role {
                print("\(view)  role \(role)  columns: \(m.columns.joined(separator: ", "))")
            } else {
                print("\(m.purpose): no view (\(m.none ?? ""))")
            }
        }
    }

    struct Made: Encodable {
        var purpose: String
        var view: String?
        var role: String?
        var columns: [String]
        var none: String? = nil
    }
}
