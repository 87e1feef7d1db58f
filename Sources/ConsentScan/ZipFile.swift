import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ZIPFoundation

/// Opens ZIP bytes for reading through a file rather than ZIPFoundation's in-memory reader, which
/// traps (reads past the end of its buffer) when the archive's directory points outside the data,
/// and keeps the data alive when there is no directory at all; its file reader has neither
/// problem. On Linux the file is anonymous and in memory (`O_TMPFILE` in /dev/shm: it never has a
/// name, and goes when the archive is closed); elsewhere, or without /dev/shm, a 0600 file in the
/// temporary folder, removed as soon as the archive has it open.
enum ZipFile {
    static func open(_ data: Data) throws -> Archive {
        #if os(Linux)
        // O_TMPFILE is __O_TMPFILE | O_DIRECTORY; Swift does not import the composite macro.
        let anonymous = Glibc.open("/dev/shm", O_DIRECTORY | 0o20000000 | O_RDWR | O_CLOEXEC, 0o600)
        if anonymous >= 0 {
            defer { close(anonymous) }
            try write(data, to: anonymous)
            return try Archive(url: URL(fileURLWithPath: "/proc/self/fd/\(anonymous)"), accessMode: .read)
        }
        #endif
        var template = Array((FileManager.default.temporaryDirectory.path + "/tc-scan-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer {
            close(fd)
            unlink(path)
        }
        try write(data, to: fd)
        return try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
    }

    private static func write(_ data: Data, to fd: Int32) throws {
        try data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                #if canImport(Glibc)
                let n = Glibc.write(fd, raw.baseAddress?.advanced(by: done), raw.count - done)
                #else
                let n = Darwin.write(fd, raw.baseAddress?.advanced(by: done), raw.count - done)
                #endif
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw CocoaError(.fileWriteUnknown) }
                done += n
            }
        }
    }
}
