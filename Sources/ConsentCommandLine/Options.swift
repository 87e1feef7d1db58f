import ArgumentParser
import ConsentForms
import ConsentStore
import Foundation

/// Where the data and the content live; shared by every command that touches them.
public struct StoreOptions: ParsableArguments, Sendable {
    public init() {}

    @Option(name: .long, help: ArgumentHelp("The main database file. Default: $CONSENT_DB, else ./consent.sqlite.", valueName: "path"), completion: .file())
    public var db: String?

    @Option(name: .customLong("key-file"), help: ArgumentHelp(
        "The key-encryption key that opens special-category values. Default: $CONSENT_KEY_FILE, else $CREDENTIALS_DIRECTORY/consent-kek (systemd), else the .key file beside --db.",
        valueName: "path"), completion: .file())
    public var keyFile: String?

    @OptionGroup public var content: ContentOptions

    /// The database file: --db, else $CONSENT_DB, else ./consent.sqlite.
    public var path: String { db ?? ProcessInfo.processInfo.environment["CONSENT_DB"] ?? "consent.sqlite" }

    /// Where the key-encryption key is looked for.
    public var keyLocation: KeyLocation {
        KeyLocation.resolve(option: keyFile, environment: ProcessInfo.processInfo.environment, databasePath: path)
    }

    /// The key-encryption key, or nil and why not. A key file given with --key-file must exist; one
    /// found elsewhere may be missing (special-category values are then unavailable). A key file that
    /// others can read, or that is not a key file, is refused.
    public func loadKey() throws -> (key: KeyEncryptionKey?, problem: String?) {
        let location = keyLocation
        if location.origin != .option && !FileManager.default.fileExists(atPath: location.path) {
            return (nil, "no key file at \(location.path) (\(location.origin.rawValue))")
        }
        return (try KeyFile.read(location.path), nil)
    }

    /// Opens the existing database.
    public func open() throws -> ConsentDatabase {
        try openWithContent().database
    }

    /// Loads Forms/ and Localization/ and opens the existing database with them. A small
    /// `cacheMegabytes` suits a long-running kiosk that reads one tenant at a time. Without a key,
    /// says once on standard error that special-category values are unavailable.
    public func openWithContent(cacheMegabytes: Int = 32) throws -> (content: Content, database: ConsentDatabase) {
        let loaded = try content.load()
        return (loaded, try open(with: loaded, cacheMegabytes: cacheMegabytes))
    }

    /// Opens the existing database with content already loaded.
    public func open(with content: Content, cacheMegabytes: Int = 32) throws -> ConsentDatabase {
        let (key, problem) = try loadKey()
        let db = try ConsentDatabase.open(at: path, validator: content.validator, cacheMegabytes: cacheMegabytes, key: key, keyProblem: problem) {
            warn("upgrading \(path) to this version's format (once; some upgrades take about a minute for each million tenants)")
        }
        if let warning = db.specialValuesProblem { warn(warning) }
        return db
    }

    /// The key for a new database: the existing key file, else a new one written there (mode 0600).
    public func keyForNewDatabase() throws -> (key: KeyEncryptionKey, created: Bool) {
        let location = keyLocation
        if FileManager.default.fileExists(atPath: location.path) { return (try KeyFile.read(location.path), false) }
        guard location.origin != .credential else {
            throw CLIError("no systemd credential at \(location.path); create the database with --key-file PATH and load that file as the credential")
        }
        let key = KeyEncryptionKey.generate(source: location.path)
        try KeyFile.create(key, at: location.path)
        return (key, true)
    }
}

/// Writes one line to standard error.
public func warn(_ line: String) {
    FileHandle.standardError.write(Data(("warning: " + line + "\n").utf8))
}

/// Where `Forms/` and `Localization/` are read from.
public struct ContentOptions: ParsableArguments, Sendable {
    public init() {}

    @Option(help: ArgumentHelp("The Forms folder (attributes, purposes, notices). Default: $CONSENT_FORMS, ./Forms, or beside the program.", valueName: "dir"), completion: .directory)
    public var forms: String?

    @Option(help: ArgumentHelp("The Localization folder (messages.pot and one .po per language). Default: $CONSENT_LOCALIZATION, ./Localization, or beside the program.", valueName: "dir"), completion: .directory)
    public var localization: String?

    /// These options as command-line arguments, for a child `consent` process.
    public var arguments: [String] {
        (forms.map { ["--forms", $0] } ?? []) + (localization.map { ["--localization", $0] } ?? [])
    }

    /// Loads and checks `Forms/` and `Localization/` from where these options say.
    public func load() throws -> Content {
        let env = ProcessInfo.processInfo.environment
        let forms = try locate(forms ?? env["CONSENT_FORMS"], folder: "Forms", marker: "attributes.yaml")
        let localization = try locate(localization ?? env["CONSENT_LOCALIZATION"], folder: "Localization", marker: "messages.pot")
        return try Content.load(forms: forms, localization: localization)
    }

    /// An explicit folder, else `./NAME`, else `NAME` or `share/tenantconsent/NAME` in the program's folder
    /// or up to four above it (an install puts the program in `PREFIX/bin` and the folders in
    /// `PREFIX/share/tenantconsent`).
    private func locate(_ explicit: String?, folder: String, marker: String) throws -> URL {
        if let explicit { return URL(fileURLWithPath: explicit) }
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(folder)]
        var dir = Self.programFolder
        for _ in 0..<5 {
            candidates.append(dir.appendingPathComponent(folder))
            candidates.append(dir.appendingPathComponent("share/tenantconsent").appendingPathComponent(folder))
            dir.deleteLastPathComponent()
        }
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent(marker).path) }) {
            return found
        }
        throw CLIError("cannot find the \(folder) folder; run from the project folder or pass --\(folder.lowercased()) DIR")
    }

    /// The folder of the running program's file, symbolic links resolved. Read from the kernel
    /// (`/proc/self/exe`), since a program started by name through `PATH` gets only that name as
    /// `argv[0]`; `argv[0]` is the fallback where `/proc` is not mounted.
    private static var programFolder: URL {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")).map { URL(fileURLWithPath: $0) }
        return (exe ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()).deletingLastPathComponent()
    }
}

/// An error for the user: one or two lines that say what went wrong and what to do.
public struct CLIError: Error, CustomStringConvertible {
    public var description: String
    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}

/// Writes JSON to standard output.
public func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let data = try encoder.encode(value)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}
