import ConsentCore
import Foundation

/// Where the web kiosk listens: a host and a port, from `--listen HOST:PORT` (`[::1]:PORT` for IPv6).
/// Loopback only unless the caller says otherwise: the kiosk shows a tenant's whole record, so it
/// must not be reachable from the network by accident.
public struct ListenAddress: Equatable, Sendable, CustomStringConvertible {
    /// The address to bind, without brackets.
    public let host: String
    /// The TCP port (0: any free port, for tests).
    public let port: Int

    /// Why `--listen` was refused, in words for the person who typed it.
    public struct Refusal: Error, CustomStringConvertible, Equatable {
        /// The explanation.
        public let description: String
    }

    /// Reads `HOST:PORT` (or `[V6]:PORT`); a host that is not a loopback address is refused unless
    /// `allowNonLoopback`.
    public init(_ text: String, allowNonLoopback: Bool = false) throws(Refusal) {
        var host: Substring, portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw Refusal(description: "--listen \(text): expected [ADDRESS]:PORT") }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw Refusal(description: "--listen \(text): expected HOST:PORT, e.g. 127.0.0.1:8080 (IPv6 in brackets: [::1]:8080)")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else {
            throw Refusal(description: "--listen \(text): expected HOST:PORT with a port from 0 to 65535")
        }
        guard allowNonLoopback || LoopbackHost.contains(String(host)) else {
            throw Refusal(description: """
                --listen \(text): the web kiosk listens on loopback only (127.0.0.1, ::1 or localhost), because it shows \
                tenants' records to whoever connects; add --allow-non-loopback only behind a firewall that lets no one else \
                reach it (see docs/kiosk.md)
                """)
        }
        self.host = String(host)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
