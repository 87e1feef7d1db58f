import ConsentCore
import ConsentVault
import Crypto
import Foundation
import SyncProtocol

extension ValueDigest {
    /// 16 random bytes, from the process's pool (`RandomPool`).
    package static func salt() -> Data { RandomPool.shared.bytes(16) }
}
