import CScanZlib
import Foundation

/// One entry of a ZIP archive, as its central directory describes it.
struct ZipEntry: Sendable {
    let path: String
    /// A file, not a folder (a folder's path ends with `/`).
    var isFile: Bool { !path.hasSuffix("/") }
    let flags: UInt16
    let method: UInt16
    let crc: UInt32
    let compressedSize: Int
    let uncompressedSize: UInt64
    let localHeaderOffset: Int
}

/// Reads ZIP archives held in memory, every offset and size checked against the bytes there are:
/// the central directory lists the entries, and an entry is unpacked from exactly its own packed
/// bytes (stored, or deflated through zlib), its checksum checked. A deflate stream that does not
/// end within its packed bytes is damaged, never read past (a general-purpose reader that keeps
/// asking for more input at the end of the file loops for ever on such an entry).
enum ZipReader {
    /// Why an archive or entry cannot be read; the caller words it for the file at hand.
    enum Problem: Error, Equatable {
        /// No central directory, or one that points outside the bytes: not a ZIP archive, or a damaged one.
        case notZip
        /// ZIP64, encryption or a packing method other than stored or deflate.
        case unsupported(String)
        /// An entry's packed bytes do not unpack, end early, or do not match their checksum.
        case damaged(String)
    }

    /// The entries of the archive in `data`, in central-directory order.
    static func entries(_ data: Data) throws(Problem) -> [ZipEntry] {
        let read = data.withUnsafeBytes { raw in Result { () throws(Problem) in try entries(raw) } }
        return try read.get()
    }

    private static func entries(_ raw: UnsafeRawBufferPointer) throws(Problem) -> [ZipEntry] {
        let bytes = Bytes(raw)
        guard let end = endOfDirectory(bytes) else { throw .notZip }
        var count = Int(bytes.u16(end + 10)), size = Int(bytes.u32(end + 12)), start = Int(bytes.u32(end + 16))
        if count == 0xFFFF || size == 0xFFFF_FFFF || start == 0xFFFF_FFFF {
            // ZIP64: a locator just before the record points to the ZIP64 end record, which has the real numbers.
            guard end >= 20, bytes.u32(end - 20) == 0x0706_4B50, let record = bytes.int64(end - 12),
                  end >= 56, record <= end - 56, bytes.u32(record) == 0x0606_4B50,
                  let total = bytes.int64(record + 32), let length = bytes.int64(record + 40), let offset = bytes.int64(record + 48)
            else { throw .notZip }
            (count, size, start) = (total, length, offset)
        }
        guard start <= end, size <= end - start else { throw .notZip }
        var entries: [ZipEntry] = []
        entries.reserveCapacity(min(count, 10_000))
        var at = start
        for _ in 0..<count {
            guard at + 46 <= start + size, bytes.u32(at) == 0x0201_4B50 else { throw .notZip }
            let nameLength = Int(bytes.u16(at + 28)), extraLength = Int(bytes.u16(at + 30)), commentLength = Int(bytes.u16(at + 32))
            let next = at + 46 + nameLength + extraLength + commentLength
            guard next <= start + size else { throw .notZip }
            var unpacked = Int(bytes.u32(at + 24)), packed = Int(bytes.u32(at + 20)), offset = Int(bytes.u32(at + 42))
            if unpacked == 0xFFFF_FFFF || packed == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
                // ZIP64: the real values, in this order, for those marked, in the extra field of id 1.
                var field = try zip64Field(bytes, from: at + 46 + nameLength, length: extraLength)
                func real(_ value: inout Int) throws(Problem) {
                    guard value == 0xFFFF_FFFF else { return }
                    guard field.count >= 8, let wide = bytes.int64(field.lowerBound) else { throw .notZip }
                    value = wide
                    field = field.dropFirst(8)
                }
                try real(&unpacked)
                try real(&packed)
                try real(&offset)
            }
            entries.append(ZipEntry(
                path: String(decoding: raw[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self),
                flags: bytes.u16(at + 8), method: bytes.u16(at + 10), crc: bytes.u32(at + 16),
                compressedSize: packed, uncompressedSize: UInt64(unpacked), localHeaderOffset: offset))
            at = next
        }
        return entries
    }

    /// Unpacks `entry` of the archive in `data`, calling `body` with each unpacked piece (64 KB at most).
    /// `body`'s errors pass through; the reader's own are `Problem`s, wrapped by `problem`.
    static func stream(_ entry: ZipEntry, in data: Data, problem: (Problem) -> ScanError,
                       _ body: (UnsafeRawBufferPointer) throws(ScanError) -> Void) throws(ScanError) {
        if entry.flags & 1 != 0 { throw problem(.unsupported("encrypted")) }
        try withBytes(data) { (raw) throws(ScanError) in
            let bytes = Bytes(raw)
            let header = entry.localHeaderOffset
            guard raw.count >= 30, header <= raw.count - 30, bytes.u32(header) == 0x0403_4B50 else {
                throw problem(.damaged("its local header is missing"))
            }
            let start = header + 30 + Int(bytes.u16(header + 26)) + Int(bytes.u16(header + 28))
            guard start <= raw.count, entry.compressedSize <= raw.count - start else { throw problem(.damaged("it is cut short")) }
            let packed = UnsafeRawBufferPointer(rebasing: raw[start..<(start + entry.compressedSize)])
            var crc = crc32(0, nil, 0)
            var total: UInt64 = 0
            func emit(_ piece: UnsafeRawBufferPointer) throws(ScanError) {
                guard !piece.isEmpty else { return }
                crc = crc32(crc, piece.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt32(piece.count))
                total += UInt64(piece.count)
                try body(piece)
            }
            switch entry.method {
            case 0:
                var offset = 0
                while offset < packed.count {
                    let piece = UnsafeRawBufferPointer(rebasing: packed[offset..<min(packed.count, offset + (1 << 16))])
                    offset += piece.count
                    try emit(piece)
                }
            case 8:
                try inflateRaw(packed, problem: problem, emit)
            default:
                throw problem(.unsupported("packing method \(entry.method)"))
            }
            guard total == entry.uncompressedSize, UInt32(truncatingIfNeeded: crc) == entry.crc else {
                throw problem(.damaged("its unpacked bytes do not match its checksum"))
            }
        }
    }

    /// Unpacks one raw deflate stream that must end within `packed`.
    private static func inflateRaw(_ packed: UnsafeRawBufferPointer, problem: (Problem) -> ScanError,
                                   _ emit: (UnsafeRawBufferPointer) throws(ScanError) -> Void) throws(ScanError) {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw problem(.damaged("zlib could not start"))
        }
        defer { inflateEnd(&stream) }
        let outputSize = 1 << 16
        let output = UnsafeMutablePointer<UInt8>.allocate(capacity: outputSize)
        defer { output.deallocate() }
        // zlib counts input in 32 bits: hand it the packed bytes a gigabyte at a time.
        let base = packed.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var fed = 0
        while true {
            if stream.avail_in == 0, fed < packed.count, let base {
                let piece = min(packed.count - fed, 1 << 30)
                stream.next_in = UnsafeMutablePointer(mutating: base + fed)
                stream.avail_in = UInt32(piece)
                fed += piece
            }
            stream.next_out = output
            stream.avail_out = UInt32(outputSize)
            let before = stream.avail_in
            let status = inflate(&stream, Z_NO_FLUSH)
            let produced = outputSize - Int(stream.avail_out)
            try emit(UnsafeRawBufferPointer(start: output, count: produced))
            switch status {
            case Z_STREAM_END:
                return
            case Z_OK, Z_BUF_ERROR:
                // Every round consumes packed bytes or fills output; one that does neither has reached
                // the end of the packed bytes before the end of the stream.
                if produced == 0 && stream.avail_in == before { throw problem(.damaged("its packed data ends before its stream does")) }
            default:
                throw problem(.damaged("its packed data does not unpack"))
            }
        }
    }

    /// The bytes of the ZIP64 extra field (id 1) among the extra fields at `from`.
    private static func zip64Field(_ bytes: Bytes, from: Int, length: Int) throws(Problem) -> Range<Int> {
        var at = from
        while at + 4 <= from + length {
            let id = bytes.u16(at), size = Int(bytes.u16(at + 2))
            guard at + 4 + size <= from + length else { break }
            if id == 1 { return (at + 4)..<(at + 4 + size) }
            at += 4 + size
        }
        throw .notZip
    }

    /// Where the end-of-central-directory record starts: the signature nearest the end, within the
    /// 64 KB a comment may take.
    private static func endOfDirectory(_ bytes: Bytes) -> Int? {
        let n = bytes.raw.count
        guard n >= 22 else { return nil }
        var at = n - 22
        let lowest = max(0, n - 22 - 0xFFFF)
        while at >= lowest {
            if bytes.u32(at) == 0x0605_4B50 { return at }
            at -= 1
        }
        return nil
    }

    /// Little-endian reads at offsets the caller has checked.
    private struct Bytes {
        let raw: UnsafeRawBufferPointer
        init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }
        func u16(_ at: Int) -> UInt16 { UInt16(raw[at]) | UInt16(raw[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
        /// An 8-byte number that fits an `Int` (nil for one past `Int.max`: no file is that large).
        func int64(_ at: Int) -> Int? {
            let value = UInt64(u32(at)) | UInt64(u32(at + 4)) << 32
            return value <= UInt64(Int.max) ? Int(value) : nil
        }
    }
}
