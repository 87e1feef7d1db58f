import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Cryptographically random bytes for salts and AES-GCM nonces, drawn from a buffer the kernel fills
/// 64 KiB at a time (`arc4random_buf`: one `getrandom` call). swift-crypto's own random bytes (a
/// `SymmetricKey`, a nonce) come from `SystemRandomNumberGenerator` eight bytes, one system call, at a
/// time: two calls for each value an import salts and seals. The process never forks without exec,
/// so no two processes share a buffer.
package final class RandomPool: @unchecked Sendable {
    /// The process's pool.
    package static let shared = RandomPool()
    private static let size = 65_536
    private let lock = NSLock()
    private var buffer = [UInt8](repeating: 0, count: RandomPool.size)
    private var offset = RandomPool.size

    /// A pool of its own (tests); the process shares ``shared``.
    package init() {}

    /// `count` (at most 64 KiB) random bytes, each handed out once.
    package func bytes(_ count: Int) -> Data {
        precondition(count <= Self.size, "ask the pool for at most \(Self.size) bytes at a time")
        lock.lock()
        defer { lock.unlock() }
        if offset + count > buffer.count {
            buffer.withUnsafeMutableBytes { random in
                if let start = random.baseAddress { arc4random_buf(start, random.count) }
            }
            offset = 0
        }
        defer { offset += count }
        return Data(buffer[offset..<offset + count])
    }
}
