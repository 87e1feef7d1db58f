import ConsentCore
import Crypto
import Foundation

import SyncProtocol

extension ValueDigest {
    /// 16 random bytes, drawn from a pool refilled 64 KiB at a time: asking the kernel for 16 bytes
    /// per value took a tenth of a bulk import's time.
    package static func salt() -> Data { SaltPool.shared.next() }
}

/// A lock-protected pool of cryptographically random bytes.
final class SaltPool: @unchecked Sendable {
    static let shared = SaltPool()
    private let lock = NSLock()
    private var buffer = [UInt8](repeating: 0, count: 65_536)
    private var offset = 65_536

    func next() -> Data {
        lock.lock()
        defer { lock.unlock() }
        if offset + 16 > buffer.count {
            // BoringSSL's generator (seeded from the kernel) fills the whole buffer in one call.
            SymmetricKey(size: SymmetricKeySize(bitCount: buffer.count * 8)).withUnsafeBytes { random in
                buffer = Array(random)
            }
            offset = 0
        }
        defer { offset += 16 }
        return Data(buffer[offset..<offset + 16])
    }
}
