import CentralStore
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import SyncProtocol

/// The central sync server: `GET /healthz`, `POST /v1/enrol`, `POST /v1/push`, `GET /v1/pull`, `GET /v1/snapshot`.
/// Every request but the health check and enrolment names its device and credential
/// (`Authorization: Bearer DEVICE:SECRET`); every refusal is a 4xx (503 when the store failed or
/// has moved) with an `ErrorBody`, and an entry in the centre's audit log (a store failure only in
/// the server's log). Push bodies and push and pull replies are binary (`BinaryWire`) when the
/// request's `Content-Type` or `Accept` names it, else JSON.
public struct SyncServer: Sendable {
    let store: any CentralStore
    let logger: Logger

    public init(store: any CentralStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// The routes, ready for an `Application`.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        // Healthy only when the store answers: a load balancer or monitor then sees a moved centre or
        // an unreachable database as down (503, with what to do), not as "ok".
        router.get("healthz") { _, _ in
            do throws(CentralStoreError) { try await store.health() } catch {
                return try Self.json(["status": "unavailable", "error": error.code, "message": error.description], status: .serviceUnavailable)
            }
            return try Self.json(["status": "ok"])
        }
        router.post("v1/enrol") { request, _ in
            await respond(to: request, device: nil, what: "enrol") {
                let body: EnrolRequest = try await Self.decode(request)
                return try await store.enrol(body)
            }
        }
        router.post("v1/push") { request, _ in
            await respond(to: request, device: Self.claimedDevice(request), what: "push") {
                let device = try await authenticate(request)
                let body: PushRequest = try await Self.decode(request)
                let response = try await store.push(body, from: device)
                logger.info("push", metadata: ["device": "\(device)", "events": "\(body.events.count)"])
                return response
            }
        }
        // A pull page, or a snapshot page for a new device's first sync: the same events, larger pages.
        for (path, most) in [("v1/pull", SyncWire.maxPullEvents), ("v1/snapshot", SyncWire.maxSnapshotEvents)] {
            router.get(RouterPath(path)) { request, _ in
                await respond(to: request, device: Self.claimedDevice(request), what: path) {
                    _ = try await authenticate(request)
                    let query = request.uri.queryParameters
                    guard let cursor = query.get("cursor").map({ Int64(String($0)) }) ?? 0,
                          let limit = query.get("limit").map({ Int(String($0)) }) ?? 1_000, cursor >= 0, limit > 0 else {
                        throw CentralStoreError.invalid("cursor must be a whole number ≥ 0 and limit one > 0")
                    }
                    return try await store.pull(after: cursor, limit: min(limit, most))
                }
            }
        }
        return router
    }

    /// Runs the server until it is stopped (SIGINT or SIGTERM): over TLS when given a certificate
    /// chain and its private key (PEM files), else plain HTTP (for loopback and tests).
    public func run(host: String, port: Int, tls: (certificate: String, key: String)? = nil) async throws {
        let configuration = ApplicationConfiguration(address: .hostname(host, port: port), serverName: "consent")
        guard let tls else {
            try await Application(router: router(), configuration: configuration, logger: logger).runService()
            return
        }
        let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
        let settings = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        try await Application(router: router(), server: try .tls(.http1(), tlsConfiguration: settings), configuration: configuration,
                              logger: logger).runService()
    }

    private static func claimedDevice(_ request: Request) -> String? {
        request.headers[.authorization].flatMap { $0.split(separator: " ").last?.split(separator: ":").first.map(String.init) }
    }

    private func authenticate(_ request: Request) async throws(CentralStoreError) -> String {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              let colon = header.dropFirst(7).firstIndex(of: ":") else {
            throw .unauthenticated("(none)")
        }
        let device = String(header.dropFirst(7)[..<colon])
        let secret = String(header[header.index(after: colon)...])
        try await store.authenticate(device: device, secret: secret)
        return device
    }

    private static func collect(_ request: Request) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: SyncWire.maxBodyBytes)
        } catch {
            throw TooLarge()
        }
    }

    private static func sentBinary(_ request: Request) -> Bool {
        request.headers[.contentType]?.hasPrefix(BinaryWire.contentType) == true
    }

    /// A push body, binary or JSON by its content type.
    private static func decode<T: Decodable & BinaryMessage>(_ request: Request) async throws -> T {
        guard sentBinary(request) else { return try await decodeJSON(request) }
        let buffer = try await collect(request)
        let decoded = buffer.withUnsafeReadableBytes { raw in
            Result { () throws(BinaryWireError) in try BinaryWire.decode(T.self, from: raw) }
        }
        do { return try decoded.get() } catch {
            throw CentralStoreError.invalid("the body is not a valid binary \(T.binaryName): \(error)")
        }
    }

    private static func decode<T: Decodable>(_ request: Request) async throws -> T { try await decodeJSON(request) }

    private static func decodeJSON<T: Decodable>(_ request: Request) async throws -> T {
        let buffer = try await collect(request)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw CentralStoreError.invalid("the body is not a valid \(T.self): \(Self.describe(error))")
        } catch {
            throw CentralStoreError.invalid("the body is not valid JSON")
        }
    }

    private struct TooLarge: Error {}

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let c): "malformed JSON at \(path(c.codingPath))"
        case .keyNotFound(let key, let c): "missing \(key.stringValue) at \(path(c.codingPath))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): "wrong type at \(path(c.codingPath))"
        @unknown default: "malformed JSON"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top" : keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    /// Runs a handler and turns its result or refusal into a response (refusals are logged and audited).
    private func respond<T: Encodable>(to request: Request, device: String?, what: String, _ body: () async throws -> T) async -> Response {
        do {
            let reply = try await body()
            if let message = reply as? any BinaryMessage, Self.acceptsBinary(request) { return Self.binary(message) }
            return try Self.json(reply)
        } catch let error as CentralStoreError {
            // A store that just failed is not asked to write its audit entry (at a SQLite centre whose write
            // lock `consent migrate` holds, that would wait out the same lock again); the log line below has it.
            let storeFailed = if case .storage = error { true } else { false }
            if !storeFailed {
                await store.audit(device: device, what: "\(what) refused: \(error.code): \(error)")
            }
            logger.notice("refused", metadata: ["what": "\(what)", "device": "\(device ?? "-")", "error": "\(error.code)"])
            let body = ErrorBody(error)
            return (try? Self.json(body, status: Self.status(error))) ?? Response(status: .internalServerError)
        } catch is TooLarge {
            await store.audit(device: device, what: "\(what) refused: body over \(SyncWire.maxBodyBytes) bytes")
            let body = ErrorBody(error: "too-large", message: "the request body is over \(SyncWire.maxBodyBytes) bytes; send smaller batches")
            return (try? Self.json(body, status: .contentTooLarge)) ?? Response(status: .contentTooLarge)
        } catch {
            logger.error("failed", metadata: ["what": "\(what)", "error": "\(String(reflecting: error))"])
            let body = ErrorBody(error: "internal", message: "the centre failed; nothing was applied, try again")
            return (try? Self.json(body, status: .internalServerError)) ?? Response(status: .internalServerError)
        }
    }

    private static func status(_ error: CentralStoreError) -> HTTPResponse.Status {
        switch error {
        case .gap: .conflict
        case .invalid: .badRequest
        case .unauthenticated: .unauthorized
        case .revoked, .wrongDevice, .badEnrolmentCode: .forbidden
        // 503, not 410: the address serves again once the operator restarts it on PostgreSQL, so the
        // device must keep its events and retry there; a 410 says "gone for good" and may be cached.
        case .storage, .moved: .serviceUnavailable
        }
    }

    private static func acceptsBinary(_ request: Request) -> Bool {
        request.headers[.accept]?.contains(BinaryWire.contentType) == true
    }

    private static func binary(_ message: some BinaryMessage) -> Response {
        Response(status: .ok, headers: [.contentType: BinaryWire.contentType],
                 body: .init(byteBuffer: ByteBuffer(bytes: BinaryWire.encode(message))))
    }

    private static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
