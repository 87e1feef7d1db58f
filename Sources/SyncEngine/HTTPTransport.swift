import AsyncHTTPClient
import ConsentCore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import SyncProtocol

/// Talks to `consent serve` over HTTP(S), authenticating every request with the device's credential.
/// Pushes and pulls travel in the binary sync encoding (`BinaryWire`); enrolment and refusals in JSON.
///
/// HTTPS is checked against the system's trusted authorities, or only against the certificate
/// authority in `caFile` when one is given (an office's own CA, or the centre's self-signed
/// certificate), so a centre need not be in the public web of trust.
public struct HTTPTransport: SyncTransport {
    public let server: URL
    public let device: String
    let secret: String
    let client: HTTPClient
    let timeout: TimeAmount

    /// Refuses a `caFile` that cannot be read as PEM certificates, saying which file, and a plain `http://` centre
    /// that is not on this machine (``SyncFailure/plainHTTP(_:)``).
    public init(server: URL, device: String, secret: String, caFile: String? = nil, timeout: TimeInterval = 30) throws(SyncFailure) {
        if server.scheme?.lowercased() == "http", !LoopbackHost.contains(server.host ?? "") {
            throw .plainHTTP(server.absoluteString)
        }
        self.server = server
        self.device = device
        self.secret = secret
        self.timeout = .milliseconds(Int64(timeout * 1000))
        client = try Clients.shared.client(caFile: caFile)
    }

    /// Enrols a device with a one-time code (no credential yet).
    public static func enrol(server: URL, request: EnrolRequest, caFile: String? = nil) async throws(SyncFailure) -> EnrolResponse {
        let transport = try HTTPTransport(server: server, device: request.device, secret: "", caFile: caFile)
        let body: ByteBuffer
        do { body = ByteBuffer(data: try JSONEncoder().encode(request)) } catch { throw .unreachable("could not encode the request") }
        let reply = try await transport.exchange("v1/enrol", method: .POST, body: (body, "application/json"), authenticated: false)
        do { return try JSONDecoder().decode(EnrolResponse.self, from: reply) } catch {
            throw .unreachable("its enrolment reply could not be read: \(Self.describe(error))")
        }
    }

    public func push(_ request: PushRequest) async throws(SyncFailure) -> PushResponse {
        try await binary("v1/push", method: .POST, body: request)
    }

    public func pull(after cursor: Int64, limit: Int) async throws(SyncFailure) -> PullResponse {
        try await binary("v1/pull?cursor=\(cursor)&limit=\(limit)", method: .GET, body: Optional<PushRequest>.none)
    }

    public func snapshot(after cursor: Int64, limit: Int) async throws(SyncFailure) -> PullResponse {
        try await binary("v1/snapshot?cursor=\(cursor)&limit=\(limit)", method: .GET, body: Optional<PushRequest>.none)
    }

    public func staff() async throws(SyncFailure) -> StaffRegistry {
        let reply = try await exchange("v1/staff", method: .GET, body: nil)
        do { return try JSONDecoder().decode(StaffRegistry.self, from: reply) } catch {
            throw .unreachable("the centre's staff registry could not be read (\(error))")
        }
    }

    public func offerStaff(_ offer: StaffRegistry) async throws(SyncFailure) -> StaffOfferReply {
        let body: ByteBuffer
        do { body = ByteBuffer(data: try JSONEncoder().encode(offer)) } catch { throw .unreachable("could not encode the staff offer") }
        let reply = try await exchange("v1/staff", method: .POST, body: (body, "application/json"))
        do { return try JSONDecoder().decode(StaffOfferReply.self, from: reply) } catch {
            throw .unreachable("the centre's answer to the staff offer could not be read (\(error))")
        }
    }

    public func exchangeSignInTallies(_ sent: SignInTallies) async throws(SyncFailure) -> SignInTallies {
        let body: ByteBuffer
        do { body = ByteBuffer(data: try JSONEncoder().encode(sent)) } catch { throw .unreachable("could not encode the sign-in tallies") }
        let reply = try await exchange("v1/sign-in-tallies", method: .POST, body: (body, "application/json"))
        do { return try JSONDecoder().decode(SignInTallies.self, from: reply) } catch {
            throw .unreachable("the centre's sign-in tallies could not be read (\(error))")
        }
    }

    public func reveal(_ request: RevealRequest) async throws(SyncFailure) -> RevealAnswer {
        let body: ByteBuffer
        do { body = ByteBuffer(data: try JSONEncoder().encode(request)) } catch { throw .unreachable("could not encode the reveal request") }
        let reply = try await exchange("v1/reveal", method: .POST, body: (body, "application/json"))
        do { return try JSONDecoder().decode(RevealAnswer.self, from: reply) } catch {
            throw .unreachable("the centre's answer to the reveal could not be read (\(Self.describe(error)))")
        }
    }

    public func fetchTenant(_ request: TenantFetchRequest) async throws(SyncFailure) -> PullResponse {
        let body: ByteBuffer
        do { body = ByteBuffer(data: try JSONEncoder().encode(request)) } catch { throw .unreachable("could not encode the tenant request") }
        let reply = try await exchange("v1/tenant", method: .POST, body: (body, "application/json"), accept: BinaryWire.contentType)
        do { return try BinaryWire.decode(PullResponse.self, from: reply) } catch {
            throw .unreachable("the centre's answer with a tenant could not be read (\(error))")
        }
    }

    public func exchangeDisclosures(_ request: DisclosureExchange) async throws(SyncFailure) -> DisclosureReply {
        let body: ByteBuffer
        do { body = ByteBuffer(data: try JSONEncoder().encode(request)) } catch { throw .unreachable("could not encode the disclosures") }
        let reply = try await exchange("v1/disclosures", method: .POST, body: (body, "application/json"))
        do { return try JSONDecoder().decode(DisclosureReply.self, from: reply) } catch {
            throw .unreachable("the centre's disclosures could not be read (\(error))")
        }
    }

    /// The largest reply read (a snapshot page of the biggest size the server sends is far below it).
    static let maxReplyBytes = 256 << 20

    /// A request and reply in the binary sync encoding (`BinaryWire`).
    private func binary<Body: BinaryMessage, Reply: BinaryMessage>(_ path: String, method: HTTPMethod, body: Body?) async throws(SyncFailure) -> Reply {
        let payload = body.map { (ByteBuffer(bytes: BinaryWire.encode($0)), BinaryWire.contentType) }
        let reply = try await exchange(path, method: method, body: payload, accept: BinaryWire.contentType)
        do { return try BinaryWire.decode(Reply.self, from: reply) } catch {
            throw .unreachable("the centre's reply could not be read (\(error))")
        }
    }

    /// Sends one request; the reply's body when the centre answered 200, else its refusal.
    private func exchange(_ path: String, method: HTTPMethod, body: (ByteBuffer, String)?, accept: String = "application/json",
                          authenticated: Bool = true) async throws(SyncFailure) -> Data {
        guard let url = URL(string: path, relativeTo: server) else { throw .unreachable("bad server address \(server)") }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "Accept", value: accept)
        if authenticated { request.headers.add(name: "Authorization", value: "Bearer \(device):\(secret)") }
        if let (bytes, type) = body {
            request.headers.add(name: "Content-Type", value: type)
            request.body = .bytes(bytes)
        }
        let status: Int, data: Data
        do {
            let response = try await client.execute(request, timeout: timeout)
            status = Int(response.status.code)
            data = Data(buffer: try await response.body.collect(upTo: Self.maxReplyBytes))
        } catch {
            throw .unreachable(Self.explain(error))
        }
        guard status == 200 else {
            if status == 429, let body = try? JSONDecoder().decode(ErrorBody.self, from: data), case .fetchRefused = body.refusal {
                throw .refused(body.refusal) // a fetch of a tenant held back, not the address
            }
            if status == 429, let body = try? JSONDecoder().decode(ErrorBody.self, from: data), body.error == ErrorBody.deviceThrottled {
                throw .deviceThrottled(seconds: body.detail.flatMap { Int($0) } ?? 60) // this device's own limit, not the address
            }
            if status == 429 {
                // The centre holds back this address after too many refused requests from it (perhaps another
                // device behind the same router): nothing is wrong with this device's events; try again later.
                throw .unreachable("the centre is turning away requests from this network for a while (too many refused requests from it)")
            }
            guard let refusal = try? JSONDecoder().decode(ErrorBody.self, from: data) else {
                throw .unreachable("the centre answered HTTP \(status)")
            }
            throw .refused(refusal.refusal)
        }
        return data
    }

    /// Why a reply could not be decoded, naming the field (`sealingKey: ...`) without quoting the reply.
    static func describe(_ error: any Error) -> String {
        var path: [any CodingKey] = []
        var why = "it is not JSON of the expected shape"
        if case let .dataCorrupted(context)? = error as? DecodingError {
            (path, why) = (context.codingPath, context.debugDescription)
        } else if case let .keyNotFound(key, context)? = error as? DecodingError {
            (path, why) = (context.codingPath + [key], "missing")
        } else if case let .typeMismatch(_, context)? = error as? DecodingError {
            (path, why) = (context.codingPath, context.debugDescription)
        } else if case let .valueNotFound(_, context)? = error as? DecodingError {
            (path, why) = (context.codingPath, context.debugDescription)
        }
        let field = path.map(\.stringValue).joined(separator: ".")
        return field.isEmpty ? why : "\(field): \(why)"
    }

    /// A connection failure in words, with what to do when the centre's certificate is not trusted.
    static func explain(_ error: any Error) -> String {
        let text = String(describing: error)
        if error is NIOSSLError || error is BoringSSLError || text.contains("certificate") || text.contains("handshake") {
            let reason = text.contains("CERTIFICATE_VERIFY_FAILED") ? "its certificate could not be verified" : "the TLS handshake failed"
            return "the centre's TLS certificate is not trusted here (\(reason)); enrol with --ca-file naming the certificate "
                + "authority that signed it, or install that authority with update-ca-certificates"
        }
        if let io = error as? IOError {
            return io.errnoCode == ECONNREFUSED ? "nothing answers at that address: connection refused" : String(cString: strerror(io.errnoCode))
        }
        if let client = error as? HTTPClientError {
            if client == .connectTimeout || client == .deadlineExceeded { return "no answer in time" }
            return String(describing: client)
        }
        return text
    }
}

/// One HTTP client per trust setting for the life of the process (clients hold connection pools
/// and event-loop resources; a sync every few seconds reuses them).
final class Clients: @unchecked Sendable {
    static let shared = Clients()
    private let lock = NSLock()
    private var clients: [String: HTTPClient] = [:]

    func client(caFile: String?) throws(SyncFailure) -> HTTPClient {
        lock.lock()
        defer { lock.unlock() }
        let key = caFile ?? ""
        if let client = clients[key] { return client }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw .unreachable("the certificate authority file \(caFile) cannot be read (moved or deleted?); put it back, "
                    + "or enrol again with --ca-file naming where it is now")
            }
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(caFile)
                guard !certificates.isEmpty else { throw SyncFailure.unreachable("") }
                tls.trustRoots = .certificates(certificates)
            } catch {
                throw .unreachable("\(caFile) holds no PEM certificate to trust; give the file of the authority that signed the centre's certificate")
            }
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(10))
        // Fail at once when the centre cannot be reached: the sync loop retries with its own backoff.
        configuration.connectionPool.retryConnectionEstablishment = false
        // Give up an idle connection before the centre does (it closes one after 10 s by default), so a
        // request is never sent on a connection the centre is closing at that moment.
        configuration.connectionPool.idleTimeout = .seconds(5)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        clients[key] = client
        return client
    }
}
