import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The context of one sync request: who is at the other end of the connection, which device the
/// request authenticated as (set by `DeviceAuthentication`), and the binary-or-JSON decoder and
/// encoder the routes use.
public struct SyncRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection the request came on (nil in router tests, which have no socket).
    public let channel: (any Channel)?
    /// The authenticated device, once `DeviceAuthentication` has checked its credential.
    public var device: String?
    /// Limits of the server the request came to.
    public var limits = ServerLimits()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    public var remoteAddress: SocketAddress? { channel?.remoteAddress }

    public var maxUploadSize: Int { max(limits.binaryBodyBytes, limits.jsonBodyBytes) }
    public var requestDecoder: SyncRequestDecoder { SyncRequestDecoder(limits: limits) }
    public var responseEncoder: SyncResponseEncoder { SyncResponseEncoder() }

    /// The caller's address: the connection's peer, or for a request relayed by a trusted proxy
    /// the last address in its `X-Forwarded-For`.
    func clientAddress(of request: Request) -> String {
        let peer = remoteAddress?.ipAddress ?? "unknown"
        guard limits.trustedProxies.contains(peer), let forwarded = request.headers[.xForwardedFor],
              let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty else {
            return peer
        }
        return last
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
