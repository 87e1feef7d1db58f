import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentRegister
import ConsentStore
import Foundation

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new, empty database (and its special-category vault beside it).",
        discussion: "Refuses a path that already exists, so an existing register is never overwritten.")

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("This device's id in the ledger (default: a random dev-xxxxxxxx).", valueName: "id"))
    var device: String?

    @Flag(help: "Create a central store for `consent serve` instead of a device database.")
    var centre = false

    func run() throws {
        let validator = try store.content.load().validator
        let (key, created) = try store.keyForNewDatabase()
        let db = try ConsentDatabase.create(at: store.path, validator: validator, device: device.map { DeviceID($0) }, key: key, centre: centre)
        print("Created \(db.path) (special categories in \(db.vaultPath)); device \(db.device).")
        print("Key-encryption key: \(key.source)\(created ? " (new, mode 0600)" : ""); keep it apart from the database backups.")
    }
}

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fill a new database with a synthetic register for trying things out.",
        discussion: """
            Deterministic: the same --seed gives the same tenants (T0000001, T0000002, ...), with realistic UK
            names, addresses, postcodes, phones, emails on example.* domains, special categories shaped like the
            2021 census, and decisions made at the kiosk, by phone and on paper. Creates the database when it
            does not exist; refuses one that already holds tenants.
            """)

    @OptionGroup var store: StoreOptions

    @Option(help: "How many tenants (the 2020 incident's register had 3,545).")
    var tenants = 3545

    @Option(help: "Seed of the synthetic data.")
    var seed: UInt64 = 2020

    @Option(help: "Spread the tenants over this many offices (office-01, office-02, ...; 0: no office, every device holds everyone).")
    var offices = 0

    @Flag(help: "Create the demo as a central store for `consent serve` (devices then pull the register).")
    var centre = false

    @Flag(help: "Replace the database at --db if it is an earlier demo (a real register is never replaced).")
    var replace = false

    @Flag(help: "Print a JSON summary instead of text.")
    var json = false

    func validate() throws {
        guard (1...10_000_000).contains(tenants) else { throw ValidationError("--tenants must be from 1 to 10,000,000") }
        guard (0...99).contains(offices) else { throw ValidationError("--offices must be from 0 to 99") }
    }

    func run() throws {
        let content = try store.content.load()
        if replace && FileManager.default.fileExists(atPath: store.path) {
            guard try ConsentDatabase.metadata("origin", at: store.path) == "demo" else {
                throw CLIError("\(store.path) is not a demo database, so --replace will not remove it; give the demo a new --db path")
            }
            for file in ConsentDatabase.files(at: store.path) where FileManager.default.fileExists(atPath: file) {
                try FileManager.default.removeItem(atPath: file)
            }
        }
        let db: ConsentDatabase
        if FileManager.default.fileExists(atPath: store.path) {
            db = try store.open(with: content)
        } else {
            db = try ConsentDatabase.create(at: store.path, validator: content.validator, device: centre ? DeviceID("centre") : nil,
                                            key: try store.keyForNewDatabase().key, centre: centre)
        }
        let existing = try db.tenantCount()
        guard existing == 0 else {
            throw CLIError("\(store.path) already holds \(existing) tenants; give the demo a new --db path")
        }
        try db.setMetadata("origin", "demo")
        let started = Date()
        var progress = ProgressLine("demo", quiet: json)
        var demo = DemoRegister(seed: seed, now: Date(), shippedLanguages: Set(content.localizer.languages.map(\.code)),
                                catalogue: content.catalogue)
        demo.offices = offices
        let result = try DemoRun.run(demo, count: tenants, into: db) { done, total in progress.update(done, of: total) }
        progress.finish()
        // The first tenant gets a known PIN, so the kiosk can be tried at once (a demo database only).
        let first = DemoRegister.reference(0)
        try db.setPIN(Self.pin, for: first, actor: .system("demo"), channel: .system)
        let dob = try db.tenantState(first)?.value(AttributeID("date-of-birth")).answer?.text ?? ""
        let seconds = Date().timeIntervalSince(started)
        if json {
            try printJSON(DemoSummary(database: db.path, tenants: result.tenants, events: result.events, seconds: seconds,
                                      kioskReference: first.rawValue, kioskDateOfBirth: Self.dayMonthYear(dob), kioskPIN: Self.pin))
        } else {
            print(String(format: "Created %d tenants (%d ledger events) in %@ in %.1f s.", result.tenants, result.events, db.path, seconds))
            print("Kiosk: sign in as \(first), date of birth \(Self.dayMonthYear(dob)), PIN \(Self.pin)  (consent kiosk --db \(db.path))")
        }
    }

    /// The PIN the demo gives its first tenant.
    static let pin = "482916"

    static func dayMonthYear(_ iso: String) -> String {
        let parts = iso.split(separator: "-")
        return parts.count == 3 ? "\(parts[2])/\(parts[1])/\(parts[0])" : iso
    }

    struct DemoSummary: Encodable {
        var database: String
        var tenants: Int
        var events: Int
        var seconds: Double
        var kioskReference: String
        var kioskDateOfBirth: String
        var kioskPIN: String
    }
}
