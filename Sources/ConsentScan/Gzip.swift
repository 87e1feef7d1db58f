import CScanZlib

/// A gzip stream unpacked piece by piece through zlib, every member of it (`cat a.gz b.gz` is one valid
/// gzip file whose second member a reader that stops early would never see).
final class GzipInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutablePointer<UInt8>
    private static let outputSize = 1 << 16
    private var atMemberStart = true
    private var ended = false

    init() throws(ScanError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = .allocate(capacity: Self.outputSize)
        // 15 + 16: a gzip header and trailer around a deflate stream with the largest window.
        guard inflateInit2_(stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            output.deallocate()
            throw .corrupt(format: "gzip", reason: "zlib could not start")
        }
    }

    deinit {
        if !ended { inflateEnd(stream) }
        stream.deallocate()
        output.deallocate()
    }

    /// Unpacks the next packed piece, calling `emit` with each unpacked piece.
    func write(_ input: UnsafeRawBufferPointer, name: String, emit: (UnsafeRawBufferPointer) throws(ScanError) -> Void) throws(ScanError) {
        guard let base = input.baseAddress, input.count > 0 else { return }
        var offset = 0
        while offset < input.count {
            if atMemberStart {
                // Padding of zero bytes may follow the last member; anything else must be a member.
                if input[offset] == 0 && !hasStarted { offset += 1; continue }
                atMemberStart = false
                hasStarted = true
            }
            stream.pointee.next_in = UnsafeMutablePointer(mutating: (base + offset).assumingMemoryBound(to: UInt8.self))
            stream.pointee.avail_in = UInt32(min(input.count - offset, Int(UInt32.max)))
            stream.pointee.next_out = output
            stream.pointee.avail_out = UInt32(Self.outputSize)
            let status = inflate(stream, Z_NO_FLUSH)
            let consumed = Int(UInt32(min(input.count - offset, Int(UInt32.max))) - stream.pointee.avail_in)
            offset += consumed
            let produced = Self.outputSize - Int(stream.pointee.avail_out)
            if produced > 0 { try emit(UnsafeRawBufferPointer(start: output, count: produced)) }
            switch status {
            case Z_OK, Z_BUF_ERROR:
                if consumed == 0 && produced == 0 { return }
            case Z_STREAM_END:
                inflateReset(stream)
                atMemberStart = true
                hasStarted = false
            default:
                throw .corrupt(format: "gzip", reason: "\(name) is damaged (its packed data does not unpack)")
            }
        }
    }

    /// The end of the packed data: the last member must be complete.
    func finish(name: String) throws(ScanError) {
        guard atMemberStart || !hasStarted else {
            throw .corrupt(format: "gzip", reason: "\(name) is cut short (its last member never ends)")
        }
        ended = true
        inflateEnd(stream)
    }

    private var hasStarted = false
}
