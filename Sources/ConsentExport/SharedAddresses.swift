import ConsentCore
import Foundation

/// A tenant the policy allowed a message to, who was not written to; staff are told who and why.
public struct SkippedTenant: Codable, Sendable, Equatable {
    /// The reason for an address several tenants hold (also the manifest's `leftOut` key).
    public static let sharedAddress = "shared-address"

    /// The tenancy reference.
    public var tenant: String
    /// Why: ``sharedAddress``.
    public var reason: String
    /// The other tenants holding the same address (they may not have been written to either).
    public var sharedWith: [String]
}

/// Counts how many tenants hold each address, as keys (a seeded 64-bit hash of the address in lower
/// case, without surrounding space) rather than the addresses themselves, so a register of a million
/// tenants costs some megabytes. Two addresses with one key, vanishingly rare, are both treated as
/// shared: the failure is a message not sent, never one sent to the wrong person.
struct SharedAddresses {
    private var seen: Set<Int> = []
    private var shared: Set<Int> = []

    /// Counts one tenant's address; returns its key (nil when none is held).
    @discardableResult
    mutating func count(_ address: String?) -> Int? {
        guard let address else { return nil }
        let normal = address.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard !normal.isEmpty else { return nil }
        var hasher = Hasher()
        hasher.combine(normal)
        let key = hasher.finalize()
        if !seen.insert(key).inserted { shared.insert(key) }
        return key
    }

    /// Whether more than one tenant holds the address with this key.
    func isShared(_ key: Int) -> Bool { shared.contains(key) }

    /// Whether every address shared here is shared in `other` too (a second count of the same register
    /// found no address newly shared in between).
    func isWithin(_ other: SharedAddresses) -> Bool { shared.isSubset(of: other.shared) }
}
