import SyncProtocol

/// How much the sync server takes from one connection or one address before it refuses.
///
/// ```swift
/// var limits = ServerLimits()
/// limits.refusalsPerWindow = 10
/// try await SyncServer(store: store, logger: logger, limits: limits).run(host: "0.0.0.0", port: 8443)
/// ```
public struct ServerLimits: Sendable {
    /// A connection that sends nothing for this long is closed: a request whose head or body stops
    /// half-way, or an idle keep-alive connection. Time spent answering a request does not count.
    public var idleTimeout: Duration = .seconds(10)
    /// The most time a request body may take to arrive, however steadily it trickles in.
    public var bodyDeadline: Duration = .seconds(60)
    /// Largest binary (`BinaryWire`) request body, in bytes: what devices send.
    public var binaryBodyBytes = SyncWire.maxBodyBytes
    /// Largest JSON request body, in bytes. JSON is for people and scripts (curl, debugging); a
    /// device sends binary. Kept small because a JSON body is parsed whole before it is checked.
    public var jsonBodyBytes = 4 * 1024 * 1024
    /// Refusals of requests without a valid credential (wrong or no credential, revoked device,
    /// bad enrolment code, any refused enrolment) one address may have in a window before
    /// every request from it is answered 429 until the window ends.
    public var refusalsPerWindow = 30
    /// The length of a counting window, which is also how often an address's refusals are
    /// written to the audit log (one row per address per window).
    public var window: Duration = .seconds(60)
    /// Disclosure exchanges that send export records (`POST /v1/disclosures` with exports) one device may make
    /// in a window before it is answered 429 until the window ends: a sync round sends once or twice, an
    /// export sent in parts once per part. Exchanges that only receive are not counted.
    public var disclosureExchangesPerWindow = 30
    /// Most addresses counted in one window; refusals from further addresses are added up together.
    public var maxAddresses = 50_000
    /// Addresses of load balancers or proxies in front of the server: for a request from one of
    /// them, the client's address is the last one in its `X-Forwarded-For` header.
    public var trustedProxies: Set<String> = []

    public init() {}
}
