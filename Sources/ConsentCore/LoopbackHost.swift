/// Whether a host name or address is this machine's loopback: `localhost`, 127.0.0.0/8 or ::1. What listens or
/// is reached there crosses no network, so plain HTTP is only ever used with such a host.
public enum LoopbackHost {
    /// True for `localhost`, an IPv4 address in 127.0.0.0/8, or ::1 (with or without brackets).
    public static func contains(_ host: String) -> Bool {
        let host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if host.lowercased() == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return false }
        return parts[0] == "127"
    }
}
