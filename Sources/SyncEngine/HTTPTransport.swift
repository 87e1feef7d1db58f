import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SyncProtocol

/// Talks to `consent serve` over HTTP(S), authenticating every request with the device's credential.
public struct HTTPTransport: SyncTransport {
    public let server: URL
    public let device: String
    let secret: String
    let session: URLSession

    public init(server: URL, device: String, secret: String, timeout: TimeInterval = 30) {
        self.server = server
        self.device = device
        self.secret = secret
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        session = URLSession(configuration: configuration)
    }

    /// Enrols a device with a one-time code (no credential yet).
    public static func enrol(server: URL, request: EnrolRequest) async throws(SyncFailure) -> EnrolResponse {
        let transport = HTTPTransport(server: server, device: request.device, secret: "")
        return try await transport.send("v1/enrol", method: "POST", body: request, authenticated: false)
    }

    public func push(_ request: PushRequest) async throws(SyncFailure) -> PushResponse {
        try await send("v1/push", method: "POST", body: request)
    }

    public func pull(after cursor: Int64, limit: Int) async throws(SyncFailure) -> PullResponse {
        try await send("v1/pull?cursor=\(cursor)&limit=\(limit)", method: "GET", body: Optional<Int>.none)
    }

    public func snapshot(after cursor: Int64, limit: Int) async throws(SyncFailure) -> PullResponse {
        try await send("v1/snapshot?cursor=\(cursor)&limit=\(limit)", method: "GET", body: Optional<Int>.none)
    }

    private func send<Body: Encodable, Reply: Decodable>(_ path: String, method: String, body: Body?, authenticated: Bool = true) async throws(SyncFailure) -> Reply {
        guard let url = URL(string: path, relativeTo: server) else { throw .unreachable("bad server address \(server)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if authenticated { request.setValue("Bearer \(device):\(secret)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            do { request.httpBody = try JSONEncoder().encode(body) } catch { throw .unreachable("could not encode the request") }
        }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw .unreachable(error.localizedDescription)
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            guard let refusal = try? JSONDecoder().decode(ErrorBody.self, from: data) else {
                throw .unreachable("the centre answered HTTP \(status)")
            }
            throw .refused(Self.error(refusal, status: status))
        }
        do { return try JSONDecoder().decode(Reply.self, from: data) } catch {
            throw .unreachable("the centre's reply could not be read")
        }
    }

    private static func error(_ body: ErrorBody, status: Int) -> CentralStoreError {
        switch body.error {
        case "gap": .gap(expected: body.expected ?? 1)
        case "unauthenticated": .unauthenticated(body.message)
        case "revoked": .revoked(body.message)
        case "bad-enrolment-code": .badEnrolmentCode
        case "storage", "internal": .storage(body.message)
        default: .invalid(body.message)
        }
    }
}
