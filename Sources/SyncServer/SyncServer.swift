import CentralStore
import ConsentCore
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import SyncProtocol

/// The central sync server: `GET /healthz`, `POST /v1/enrol`, `POST /v1/push`, `GET /v1/pull`, `GET /v1/snapshot`,
/// `GET /v1/staff`, `POST /v1/staff`, `POST /v1/sign-in-tallies`,
/// `POST /v1/reveal`, `POST /v1/tenant`, `POST /v1/disclosures` (at most `ServerLimits.disclosureExchangesPerWindow`
/// that send export records per device and window, else 429).
///
/// Every request but the health check and enrolment names its device and credential
/// (`Authorization: Bearer DEVICE:SECRET`, checked by `DeviceAuthentication`). Every refusal is a
/// 4xx (503 when the store failed or has moved) with an `ErrorBody` (`SyncRefusal`). A refusal of
/// an authenticated device goes to the centre's audit log at once; refusals of callers without a
/// valid credential are counted per address, throttled past `ServerLimits.refusalsPerWindow` (429)
/// and audited as one row per address per window (`RefusalMiddleware`, `RefusalLog`). Push bodies
/// and push and pull replies are binary (`BinaryWire`) when the request's `Content-Type` or
/// `Accept` names it, else JSON (`SyncRequestDecoder`, `SyncResponseEncoder`). A connection idle
/// for `ServerLimits.idleTimeout`, mid-request or between requests, is closed.
///
/// ```swift
/// try await SyncServer(store: SQLiteCentralStore(database: db), logger: logger).run(host: "127.0.0.1", port: 8443) // CentralStoreSQLite
/// ```
public struct SyncServer: Sendable {
    let store: any CentralStore
    let logger: Logger
    let limits: ServerLimits
    let refusals: RefusalLog
    /// Disclosure exchanges per device this window (`ServerLimits.disclosureExchangesPerWindow`).
    let disclosureExchanges: DeviceRequestWindow

    /// A server on `store`; `now` is the clock its refusal windows follow (tests move it by hand).
    public init(store: any CentralStore, logger: Logger, limits: ServerLimits = ServerLimits(), now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.logger = logger
        self.limits = limits
        refusals = RefusalLog(limits: limits, store: store, logger: logger, now: now)
        disclosureExchanges = DeviceRequestWindow(limit: limits.disclosureExchangesPerWindow, window: limits.window, now: now)
    }

    /// The routes, ready for an `Application`.
    public func router() -> Router<SyncRequestContext> {
        let router = Router(context: SyncRequestContext.self)
        // Healthy only when the store answers: a load balancer or monitor then sees a moved centre or
        // an unreachable database as down (503, with what to do), not as "ok".
        router.get("healthz") { _, _ in
            do throws(CentralStoreError) { try await store.health() } catch {
                return try Self.json(["status": "unavailable", "error": error.code, "message": error.description], status: .serviceUnavailable)
            }
            return try Self.json(["status": "ok"])
        }
        let guarded = router.group("v1").add(middleware: RefusalMiddleware(log: refusals, store: store, limits: limits, logger: logger))
        guarded.post("enrol") { request, context in
            try await store.enrol(request.decode(as: EnrolRequest.self, context: context))
        }
        let devices = guarded.group().add(middleware: DeviceAuthentication(store: store))
        devices.post("push") { request, context in
            let device = try context.authenticatedDevice()
            let body = try await request.decode(as: PushRequest.self, context: context)
            let response = try await store.push(body, from: device)
            logger.info("push", metadata: ["device": "\(device)", "events": "\(body.events.count)"])
            return response
        }
        // A pull page, or a snapshot page for a new device's first sync: the same events, larger pages.
        for (path, most) in [("pull", SyncWire.maxPullEvents), ("snapshot", SyncWire.maxSnapshotEvents)] {
            devices.get(RouterPath(path)) { request, context in
                let device = try context.authenticatedDevice()
                let query = request.uri.queryParameters
                guard let cursor = query.get("cursor").map({ Int64(String($0)) }) ?? 0,
                      let limit = query.get("limit").map({ Int(String($0)) }) ?? 1_000, cursor >= 0, limit > 0 else {
                    throw CentralStoreError.invalid("cursor must be a whole number ≥ 0 and limit one > 0")
                }
                return try await store.pull(after: cursor, limit: min(limit, most), for: device)
            }
        }
        // The staff registry, which each device copies after pulling, and the staff a device added
        // offline, which it offers before pushing (JSON: a few rows).
        devices.get("staff") { _, _ in try await store.staffRegistry() }
        devices.post("staff") { request, context in
            let device = try context.authenticatedDevice()
            return try await store.adoptStaff(request.decode(as: StaffRegistry.self, context: context), from: device)
        }
        // Failed kiosk sign-ins by reference, exchanged after each pull (JSON: a few rows).
        devices.post("sign-in-tallies") { request, context in
            let device = try context.authenticatedDevice()
            return try await store.exchangeSignInTallies(request.decode(as: SignInTallies.self, context: context), from: device)
        }
        // One special-category value for a staff device that recorded and pushed its read (JSON; `RevealCheck`).
        devices.post("reveal") { request, context in
            let device = try context.authenticatedDevice()
            return try await store.reveal(request.decode(as: RevealRequest.self, context: context), from: device)
        }
        // A tenant not held by a kiosk, for someone there who gave their date of birth (JSON request; the
        // answer is a pull page, binary when asked for; `TenantFetchCheck`).
        devices.post("tenant") { request, context in
            let device = try context.authenticatedDevice()
            return try await store.fetchTenant(request.decode(as: TenantFetchRequest.self, context: context), from: device)
        }
        // Exports made on a device, for the centre, and the centre's exports naming the device's tenants (JSON; `DisclosureSync`).
        devices.post("disclosures") { request, context in
            let device = try context.authenticatedDevice()
            let exchange = try await request.decode(as: DisclosureExchange.self, context: context)
            // Only exchanges that send export records count (what could bury the report); receiving pages freely.
            if !exchange.exports.isEmpty, let seconds = disclosureExchanges.admit(device) {
                throw SyncRefusal.deviceThrottled(device, retryAfter: seconds, what: "disclosure exchanges")
            }
            return try await store.exchangeDisclosures(exchange, from: device)
        }
        return router
    }

    /// The server as a Hummingbird application: the routes, the connection limits and the service
    /// that writes refusal windows to the audit log. Over TLS when given a certificate chain and its
    /// private key (PEM files), else plain HTTP (for loopback and tests).
    ///
    /// Its connections, and so the idle timer of each, run on `eventLoopGroup`; by default NIO's shared
    /// singleton, which every other NIO user in the process (AsyncHTTPClient, postgres-nio) runs on too.
    /// A test that times the server's closes gives it a group of its own, so that work elsewhere in the
    /// test process cannot hold the loop its timers fire on.
    public func application(host: String, port: Int, tls: (certificate: String, key: String)? = nil,
                            eventLoopGroup: (any EventLoopGroup)? = nil) throws -> some ApplicationProtocol {
        let configuration = ApplicationConfiguration(address: .hostname(host, port: port), serverName: "consent")
        var http = HTTPServerBuilder.http1(configuration: .init(idleTimeout: TimeAmount(limits.idleTimeout)))
        if let tls {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
            http = try .tls(http, tlsConfiguration: TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        }
        return Application(router: router(), server: http, configuration: configuration, services: [RefusalAuditService(log: refusals)],
                           eventLoopGroupProvider: eventLoopGroup.map { .shared($0) } ?? .singleton, logger: logger)
    }

    /// Runs the server until it is stopped (SIGINT or SIGTERM).
    /// Why the centre must not listen for plain HTTP on `host`, or nil when it may: without TLS only on loopback, or
    /// behind a balancer that ends TLS (`behindProxy`, named by `--trusted-proxy`), since tenants' records, devices'
    /// secrets and the organisation's sealing key would otherwise cross the network in clear.
    public static func plainHTTPRefusal(host: String, tls: Bool, behindProxy: Bool) -> String? {
        guard !tls, !behindProxy, !LoopbackHost.contains(host) else { return nil }
        return """
            --listen \(host): plain HTTP would carry tenants' records and devices' secrets across the network in clear; give \
            --tls-certificate and --tls-key, listen on 127.0.0.1, or name the balancer that ends TLS with --trusted-proxy
            """
    }

    public func run(host: String, port: Int, tls: (certificate: String, key: String)? = nil) async throws {
        try await application(host: host, port: port, tls: tls).runService()
    }

    private static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension SyncRequestContext {
    /// The device `DeviceAuthentication` put here.
    func authenticatedDevice() throws(SyncRefusal) -> String {
        guard let device else { throw SyncRefusal(CentralStoreError.unauthenticated("(none)")) }
        return device
    }
}

extension PushResponse: ResponseGenerator, ResponseEncodable {}
extension PullResponse: ResponseGenerator, ResponseEncodable {}
extension EnrolResponse: ResponseGenerator, ResponseEncodable {}
extension StaffRegistry: ResponseGenerator, ResponseEncodable {}
extension StaffOfferReply: ResponseGenerator, ResponseEncodable {}
extension SignInTallies: ResponseGenerator, ResponseEncodable {}
extension RevealAnswer: ResponseGenerator, ResponseEncodable {}
extension DisclosureReply: ResponseGenerator, ResponseEncodable {}
