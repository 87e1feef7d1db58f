import ConsentCore
import Crypto
import Foundation

/// A new file written through a byte buffer: created with mode 0600 (readable by its owner only),
/// never over an existing file, and removed again unless ``keep()`` is called.
final class OutputFile {
    let url: URL
    private let descriptor: Int32
    private(set) var buffer: [UInt8] = []
    private var kept = false
    private var closed = false
    /// The SHA-256 of every byte written through this object, kept as they go out; nil for scratch files
    /// no manifest names (``sha256Hex()`` then reads the file back).
    private var hasher: SHA256?
    /// Set when another writer (a zip library) wrote the file, so its digest must be read back.
    var writtenElsewhere = false
    /// How many bytes gather before they are written out.
    private let bufferBytes: Int

    /// Creates `url`, which must not exist; bytes are written out `bufferBytes` at a time (a megabyte,
    /// or less where many files are open at once), and hashed as they go unless `digest` is false.
    init(creating url: URL, bufferBytes: Int = 1 << 20, digest: Bool = true) throws(ExportError) {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ExportError("cannot create \(url.path): \(String(cString: strerror(errno))); check the folder exists and is writable")
        }
        self.url = url
        self.descriptor = fd
        self.bufferBytes = bufferBytes
        hasher = digest ? SHA256() : nil
        buffer.reserveCapacity(bufferBytes)
    }

    deinit {
        if !closed { _ = close(descriptor) }
        if !kept { unlink(url.path) }
    }

    /// Appends bytes, writing them out once `bufferBytes` have gathered.
    func append<Bytes: Sequence>(_ bytes: Bytes) throws(ExportError) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= bufferBytes { try flush() }
    }

    /// Appends a string's UTF-8 bytes.
    func append(_ text: String) throws(ExportError) {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= bufferBytes { try flush() }
    }

    /// Gives direct access to the buffer for writers that encode in place.
    func withBuffer(_ body: (inout [UInt8]) -> Void) throws(ExportError) {
        body(&buffer)
        if buffer.count >= bufferBytes { try flush() }
    }

    func flush() throws(ExportError) {
        var offset = 0
        let failure: Int32? = buffer.withUnsafeBytes { raw -> Int32? in
            while offset < raw.count {
                let n = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return errno }
                offset += n
            }
            return nil
        }
        if let failure { throw ExportError("cannot write \(url.path): \(String(cString: strerror(failure)))") }
        hasher?.update(data: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered, forces it to disk and closes the file.
    func finish() throws(ExportError) {
        try flush()
        guard fsync(descriptor) == 0 else { throw ExportError("cannot save \(url.path): \(String(cString: strerror(errno)))") }
        closed = true
        _ = close(descriptor)
    }

    /// Keeps the file when this object goes away (it has been renamed or handed on).
    func keep() { kept = true }
}

extension OutputFile {
    /// The SHA-256 of the finished file as lowercase hex: from the bytes as they were written, or
    /// read back when another writer made the file or it was not hashed.
    func sha256Hex() throws(ExportError) -> String {
        if !writtenElsewhere, let hasher { return hasher.finalize().lowercaseHex }
        return try ConsentExport.sha256Hex(of: url)
    }
}

/// The SHA-256 of a file's bytes, as lowercase hex, read in one-megabyte chunks.
func sha256Hex(of url: URL) throws(ExportError) -> String {
    guard let handle = FileHandle(forReadingAtPath: url.path) else { throw ExportError("cannot read back \(url.path)") }
    defer { try? handle.close() }
    var hasher = SHA256()
    do {
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
    } catch {
        throw ExportError("cannot read back \(url.path): \(error.localizedDescription)")
    }
    return hasher.finalize().lowercaseHex
}

/// Moves `from` to `to` only if nothing is at `to` (link, then unlink), so an export never replaces a file.
func moveIntoPlace(_ from: URL, _ to: URL) throws(ExportError) {
    guard link(from.path, to.path) == 0 else {
        throw ExportError(errno == EEXIST ? "\(to.path) already exists; choose a new --out path (exports never overwrite)"
                                          : "cannot move the export into place at \(to.path): \(String(cString: strerror(errno)))")
    }
    unlink(from.path)
}
