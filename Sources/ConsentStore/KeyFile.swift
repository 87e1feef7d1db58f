import ConsentVault
import Crypto
import Foundation

/// Where the key-encryption key is looked for, in order: `--key-file`, `$CONSENT_KEY_FILE`,
/// `$CREDENTIALS_DIRECTORY/consent-kek` (systemd `LoadCredential=`), then `X.key` beside the database `X.sqlite`.
public struct KeyLocation: Sendable, Equatable {
    public enum Origin: String, Sendable, Codable {
        case option = "--key-file"
        case environment = "CONSENT_KEY_FILE"
        case credential = "systemd credential"
        case besideDatabase = "beside the database"
    }
    public var path: String
    public var origin: Origin

    /// The key file that goes with a database file: `consent.sqlite` → `consent.key`.
    public static func defaultPath(for databasePath: String) -> String {
        let url = URL(fileURLWithPath: databasePath)
        return url.pathExtension.isEmpty ? databasePath + ".key" : url.deletingPathExtension().path + ".key"
    }

    /// Resolves the location from an explicit option and the environment (pure: no file is read).
    public static func resolve(option: String?, environment: [String: String], databasePath: String) -> KeyLocation {
        if let option, !option.isEmpty { return KeyLocation(path: option, origin: .option) }
        if let file = environment["CONSENT_KEY_FILE"], !file.isEmpty { return KeyLocation(path: file, origin: .environment) }
        if let dir = environment["CREDENTIALS_DIRECTORY"], !dir.isEmpty {
            return KeyLocation(path: URL(fileURLWithPath: dir).appendingPathComponent("consent-kek").path, origin: .credential)
        }
        return KeyLocation(path: defaultPath(for: databasePath), origin: .besideDatabase)
    }
}

/// Reading and writing key files: one base64 line of 32 random bytes after comment lines, mode 0600.
public enum KeyFile {
    static let header = """
        # TenantConsent key-encryption key. It opens the special-category values of the database it
        # belongs to: keep it secret, readable by the consent service only (mode 0600), and back it up
        # apart from the database backups. `consent keys rotate` replaces it.

        """

    /// Reads a key file. Refuses one readable or writable by group or others, and one that is not a key file.
    public static func read(_ path: String) throws(StoreError) -> KeyEncryptionKey {
        KeyEncryptionKey(key: SymmetricKey(data: try readSecret(path, bytes: 32)), source: path)
    }

    /// Writes a new key to `path` (which must not exist) durably with mode 0600, via a temporary file
    /// and a rename, so a crash leaves either no file or a whole one.
    public static func create(_ key: KeyEncryptionKey, at path: String) throws(StoreError) {
        guard !FileManager.default.fileExists(atPath: path) else { throw .alreadyExists(path: path) }
        try replace(path, with: key)
    }

    /// Writes `key` to `path` atomically (temporary file, fsync, rename, fsync of the folder), mode 0600.
    static func replace(_ path: String, with key: KeyEncryptionKey) throws(StoreError) {
        try writePrivate(path, header + key.key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n")
    }

    /// The secret of `bytes` bytes in a private key file (one base64 line after `#` comment lines):
    /// refuses a file group or others may read or write, and one that does not hold such a secret.
    /// Other secrets kept beside the database (the return's pseudonym key) use the same format.
    public static func readSecret(_ path: String, bytes: Int) throws(StoreError) -> Data {
        try requirePrivate(path)
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .notAKeyFile(path: path)
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard lines.count == 1, let raw = Data(base64Encoded: lines[0]), raw.count == bytes else { throw .notAKeyFile(path: path) }
        return raw
    }

    /// The secret at `path`, or a new random one written there (0600) with `header` comment lines.
    public static func loadOrCreateSecret(_ path: String, bytes: Int, header: String) throws(StoreError) -> Data {
        if FileManager.default.fileExists(atPath: path) { return try readSecret(path, bytes: bytes) }
        let secret = SymmetricKey(size: SymmetricKeySize(bitCount: bytes * 8)).withUnsafeBytes { Data($0) }
        try writePrivate(path, header + secret.base64EncodedString() + "\n")
        return secret
    }

    /// Refuses a file that is missing, or that group or others may read or write.
    public static func requirePrivate(_ path: String) throws(StoreError) {
        guard let mode = permissions(path) else { throw .keyFileMissing(path: path) }
        if let exposed = exposed(mode) { throw .keyFileUnsafe(path: path, mode: exposed) }
    }

    /// The permission bits of the file at `path`, or nil when there is none.
    static func permissions(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o777
    }

    /// `mode` in octal (`644`) when group or others may read or write; nil when only the owner may.
    static func exposed(_ mode: mode_t) -> String? {
        mode & 0o077 == 0 ? nil : String(mode, radix: 8)
    }

    /// Creates an empty file at `path` (which must not exist) with mode 0600 whatever the umask, so
    /// whatever is written into it later (a SQLite database, which gives its WAL and shared-memory
    /// files the same mode) is never readable by others, not even for a moment.
    static func createPrivate(_ path: String) throws(StoreError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw errno == EEXIST ? .alreadyExists(path: path) : .sqlite("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        let changed = fchmod(fd, 0o600) == 0
        close(fd)
        guard changed else { unlink(path); throw .sqlite("cannot make \(path) private: \(String(cString: strerror(errno)))") }
    }

    /// Writes `text` to `path` atomically (temporary file created 0600, fsync, rename, fsync of the folder).
    public static func writePrivate(_ path: String, _ text: String) throws(StoreError) {
        try writePrivate(path, Data(text.utf8))
    }

    /// Writes `data` to `path` atomically, readable by its owner only whatever the umask (temporary file
    /// created 0600, fsync, rename, fsync of the folder): key files, the scan index.
    public static func writePrivate(_ path: String, _ data: Data) throws(StoreError) {
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .keyFileWrite(path: path, reason: String(cString: strerror(errno))) }
        fchmod(fd, 0o600)
        let written = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        let synced = fsync(fd) == 0
        close(fd)
        guard written, synced, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .keyFileWrite(path: path, reason: reason)
        }
        syncDirectory(of: path)
    }

    /// Moves `from` over `to` atomically and makes the rename durable.
    static func move(_ from: String, over to: String) throws(StoreError) {
        guard rename(from, to) == 0 else { throw .keyFileWrite(path: to, reason: String(cString: strerror(errno))) }
        syncDirectory(of: to)
    }

    private static func syncDirectory(of path: String) {
        let dir = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY)
        if dir >= 0 { fsync(dir); close(dir) }
    }
}

/// A key file as a ``KeyEncryptionKeySlot``: the key in `path`, and during a rotation the next one in
/// `path.new` (``ConsentDatabase/pendingKeyPath(for:)``), the same files `consent keys rotate` uses.
public struct KeyFileSlot: KeyEncryptionKeySlot {
    public let path: String
    private var next: String { ConsentDatabase.pendingKeyPath(for: path) }

    /// The slot of the key file at `path`.
    public init(path: String) { self.path = path }

    public func current() throws(StoreError) -> KeyEncryptionKey { try KeyFile.read(path) }

    public func pending() throws(StoreError) -> KeyEncryptionKey? {
        guard FileManager.default.fileExists(atPath: next) else { return nil }
        return KeyEncryptionKey(key: try KeyFile.read(next).key, source: path)
    }

    public func makePending() throws(StoreError) -> KeyEncryptionKey {
        let key = KeyEncryptionKey.generate(source: path)
        try KeyFile.create(key, at: next)
        return key
    }

    public func promotePending() throws(StoreError) { try KeyFile.move(next, over: path) }
}
