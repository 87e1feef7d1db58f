import ArgumentParser
import ConsentCommandLine
import ConsentStore
import Foundation

extension Staff {
    /// `consent staff disable ID` / `consent staff enable ID`: a leaver, or one who comes back.
    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disable",
            abstract: "Stop a member of staff (a leaver) from acting, here and, after their next sync, at every device.",
            discussion: """
                Run it at the centre (--db central.sqlite, or --database postgres://...): the centre then refuses changes \
                pushed in their name, and each device disables them when it next syncs. Their past changes stand. \
                `consent staff enable ID` lets them act again.
                """)

        @OptionGroup var store: StoreOptions
        @Option(help: PostgresCentre.help) var database: String?

        @Argument(help: "The staff id.")
        var id: String

        func run() async throws { try await StaffActivity.set(id, active: false, store: store, database: database) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enable",
            abstract: "Let a disabled member of staff act again (at every device after its next sync).")

        @OptionGroup var store: StoreOptions
        @Option(help: PostgresCentre.help) var database: String?

        @Argument(help: "The staff id.")
        var id: String

        func run() async throws { try await StaffActivity.set(id, active: true, store: store, database: database) }
    }
}

/// Disabling and enabling staff at a SQLite or PostgreSQL centre (or on one device).
enum StaffActivity {
    static func set(_ id: String, active: Bool, store: StoreOptions, database: String?) async throws {
        if let database {
            let centre = try await PostgresCentre.open(database, store: store)
            defer { centre.shutdown() }
            try await centre.setStaffActive(id, active)
        } else {
            try store.open().setStaffActive(id, active)
        }
        print(active ? "\(id) may act again; devices follow at their next sync." : "\(id) is disabled; devices follow at their next sync.")
    }
}
