import CentralStore
import Foundation
import Hummingbird
import NIOCore

/// A refused request as the server answers it: an HTTP status and an `ErrorBody` (a stable code,
/// what to do), from whatever stopped the request: the store's refusal, a body too large or too
/// slow, a caller throttled, or a failure of the server itself.
public struct SyncRefusal: HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let body: ErrorBody
    /// Extra response headers (`Retry-After` on a 429).
    public var headers: HTTPFields = [:]
    /// The device the request authenticated as, nil when it had no valid credential (or needed none).
    public var device: String?
    /// The store's refusal, when it was the store that refused.
    public let reason: CentralStoreError?

    public init(_ reason: CentralStoreError, device: String? = nil) {
        self.reason = reason
        self.device = device
        body = ErrorBody(reason)
        status = switch reason {
        case .gap: .conflict
        case .invalid: .badRequest
        case .unauthenticated: .unauthorized
        case .revoked, .wrongDevice, .badEnrolmentCode, .revealRefused: .forbidden
        // 503, not 410: the address serves again once the operator restarts it on PostgreSQL, so the
        // device must keep its events and retry there; a 410 says "gone for good" and may be cached.
        case .storage, .moved, .busy: .serviceUnavailable
        case .fetchRefused(let why): why.reason == .throttled ? .tooManyRequests : .notFound
        }
        if case .fetchRefused(let why) = reason, why.reason == .throttled { headers[.retryAfter] = "\(why.seconds)" }
    }

    init(status: HTTPResponse.Status, body: ErrorBody, headers: HTTPFields = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
        reason = nil
    }

    /// Any error a route or the body reader threw, as a refusal.
    init(_ error: any Error, device: String?) {
        switch error {
        case var refusal as SyncRefusal:
            refusal.device = refusal.device ?? device
            self = refusal
        case let reason as CentralStoreError:
            self.init(reason, device: device)
        case let http as HTTPError:
            self.init(status: http.status, body: ErrorBody(error: "http-\(http.status.code)", message: http.body ?? http.status.reasonPhrase))
            self.device = device
        default:
            self = .internalFailure
            self.device = device
        }
    }

    /// The body is over the size allowed for its encoding.
    static func tooLarge(_ limit: Int, json: Bool) -> SyncRefusal {
        let advice = json ? "a JSON body may be at most \(limit.bytesInWords); send fewer events per push or the binary encoding (\(BinaryWire.contentType))"
            : "the request body is over \(limit.bytesInWords); send smaller batches"
        return SyncRefusal(status: .contentTooLarge, body: ErrorBody(error: "too-large", message: advice))
    }

    /// A JSON push carries more events than one push may.
    static func tooManyEvents(_ count: Int) -> SyncRefusal {
        SyncRefusal(CentralStoreError.invalid("the push carries \(count) events; one push may carry at most \(SyncWire.maxPushEvents), send smaller batches"))
    }

    /// The body did not arrive within the deadline.
    static func tooSlow(_ deadline: Duration) -> SyncRefusal {
        SyncRefusal(status: .requestTimeout, body: ErrorBody(
            error: "timeout", message: "the request body took longer than \(Int(deadline.seconds)) s to arrive; try again on a better connection"))
    }

    /// The connection broke before the body was whole.
    static let incomplete = SyncRefusal(status: .badRequest, body: ErrorBody(
        error: "incomplete", message: "the request body did not arrive whole; nothing was applied, send it again"))

    /// Too many refused requests from the caller's address this window.
    static func throttled(retryAfter seconds: Int) -> SyncRefusal {
        SyncRefusal(status: .tooManyRequests, body: ErrorBody(
            error: "throttled", message: "too many refused requests from this address; wait \(seconds) s, then check the device's enrolment"),
            headers: [.retryAfter: "\(seconds)"])
    }

    /// An authenticated device made too many requests of one kind this window (`DeviceRequestWindow`).
    static func deviceThrottled(_ device: String, retryAfter seconds: Int, what: String) -> SyncRefusal {
        var refusal = SyncRefusal(status: .tooManyRequests, body: ErrorBody(
            error: ErrorBody.deviceThrottled, message: "\(device) made more \(what) than the centre takes in a window; nothing was applied, its next sync tries again (wait \(seconds) s)",
            detail: "\(seconds)"), headers: [.retryAfter: "\(seconds)"])
        refusal.device = device
        return refusal
    }

    /// The server failed (not the store, not the request): nothing was applied.
    static let internalFailure = SyncRefusal(status: .internalServerError,
                                             body: ErrorBody(error: "internal", message: "the centre failed; nothing was applied, try again"))

    /// Whether the store failed (then it is not asked to write an audit entry: at a SQLite centre whose write
    /// lock `consent migrate` holds, that would wait out the same lock again; the server's log has it).
    var isStoreFailure: Bool {
        if case .storage = reason { true } else { false }
    }

    /// Whether this refusal counts against the caller's address: a request with no valid
    /// credential (or none needed) that was refused for what it sent, not for a failure here.
    var countsAgainstAddress: Bool {
        switch reason {
        case .storage, .moved, .busy: false
        default: device == nil && status != .internalServerError && status != .tooManyRequests
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        // Keys in one order, so two refusals that say the same are the same bytes (a fetch's "not found").
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(body)
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    public var description: String { "\(status.code) \(body.error): \(body.message)" }
}

extension Int {
    /// A byte count for people: "16 MB", "4 MB", "512 KB".
    var bytesInWords: String {
        self >= 1 << 20 && self % (1 << 20) == 0 ? "\(self >> 20) MB" : self >= 1 << 10 ? "\(self >> 10) KB" : "\(self) bytes"
    }
}
