import Foundation
import Testing

extension CLI {
    /// A new database holding `register` (a CSV as `consent import` reads it), member of staff S100
    /// (support), and, for each of `grants`, that tenant's agreement to `service-updates-email` for
    /// those attributes, keyed by S100 with notice version 1.
    static func withUpdatesRegister(_ register: String, grants: [(ref: String, attributes: [String])]) throws -> CLI {
        let cli = try CLI()
        try cli.run(["init", "--db", cli.db])
        let imported = try cli.run(["import", try cli.write("r.csv", Data(register.utf8)), "--db", cli.db])
        #expect(imported.status == 0, "\(imported.stderr)")
        let password = Data("correct horse battery\n".utf8)
        try cli.run(["staff", "add", "S100", "--role", "support", "--name", "Sam", "--password-stdin", "--db", cli.db], stdin: password)
        for (ref, attributes) in grants {
            let grant = try cli.run(["record", "--password-stdin", ref, "grant"] + attributes.flatMap { ["--attribute", $0] }
                                    + ["--purpose", "service-updates-email", "--staff", "S100", "--notice-version", "1", "--db", cli.db],
                                    stdin: password)
            #expect(grant.status == 0, "\(grant.stderr)")
        }
        return cli
    }
}
