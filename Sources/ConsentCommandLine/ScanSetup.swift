import ConsentCore
import ConsentForms
import ConsentScan
import ConsentStore
import Foundation

/// Loading and building what `consent scan` needs; shared with `consent-bench scan`.
public enum ScanSetup {
    /// The special-category terms in every shipped language.
    public static func terms(_ content: Content) -> SpecialTerms {
        SpecialTerms(catalogue: content.catalogue) { key in
            Array(Set(content.localizer.languages.map { content.localizer.text(key, $0.code) }.filter { $0 != key }))
        }
    }

    /// An index built from the database's current values.
    public static func buildIndex(_ db: ConsentDatabase, catalogue: Catalogue, key: SipHashKey, quiet: Bool,
                           each: (TenantState) -> Void = { _ in }) throws -> ScanIndex {
        var builder = ScanIndex.Builder(key: key, catalogue: catalogue)
        var progress = ProgressLine("index", quiet: quiet)
        let total = max(try db.tenantCount(), 1)
        var done = 0
        // Only the attributes the index reads, by ordered scans (no decisions): a whole register in one pass.
        let attributes = builder.attributes.filter { catalogue.attribute($0)?.isSpecial == false }
        let slice = TenantSlice(purpose: PurposeID("scan-index"), attributes: attributes, special: [], readsDecisions: false)
        _ = try db.eachTenant(slice) { _, state in
            builder.add(state)
            each(state)
            done += 1
            if done % 1000 == 0 { progress.update(done, of: total) }
        }
        progress.finish()
        return builder.finish()
    }

    /// Reads an index and its key file.
    public static func loadIndex(_ path: String, key keyPath: String) throws -> ScanIndex {
        let key = try readKey(keyPath)
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw CLIError("cannot read the index \(path): \(error.localizedDescription); build it with `consent scan index`")
        }
        return try ScanIndex(data: data, key: key)
    }

    /// Reads a key file, refusing one that others can read.
    public static func readKey(_ path: String) throws -> SipHashKey {
        do { try KeyFile.requirePrivate(path) } catch .keyFileMissing {
            throw CLIError("cannot read the key file \(path); give --key, or build the index with `consent scan index`")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CLIError("cannot read the key file \(path)") }
        return try ScanKeyFile.parse(text)
    }

    /// The key at `path`, or a new one written there with mode 0600.
    public static func loadOrCreateKey(_ path: String) throws -> (SipHashKey, created: Bool) {
        if FileManager.default.fileExists(atPath: path) { return (try readKey(path), false) }
        let key = SipHashKey.random()
        try KeyFile.writePrivate(path, ScanKeyFile.text(key))
        return (key, true)
    }

    /// A file's bytes, mapped when large.
    public static func read(_ path: String) throws -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw CLIError("cannot read it: \(FileManager.default.fileExists(atPath: path) ? error.localizedDescription : "no such file")")
        }
    }
}
