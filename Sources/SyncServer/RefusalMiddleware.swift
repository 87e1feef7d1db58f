import CentralStore
import Hummingbird
import Logging

/// In front of every sync route: answers 429 (with `Retry-After`) to an address that has had too
/// many unauthenticated refusals this window, before the request reaches the store; turns what a
/// route throws into its `SyncRefusal`; counts an unauthenticated refusal against its address (one
/// audit row per address per window, written by `RefusalLog`) and audits a refusal of an
/// authenticated device at once, with its id.
struct RefusalMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext
    let log: RefusalLog
    let store: any CentralStore
    let limits: ServerLimits
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.limits = limits
        let address = context.clientAddress(of: request)
        if let wait = await log.admit(address) { throw SyncRefusal.throttled(retryAfter: wait) }
        do {
            return try await next(request, context)
        } catch {
            let refusal = SyncRefusal(error, device: nil)
            let what = request.uri.path.split(separator: "/").last.map(String.init) ?? request.uri.path
            if refusal.countsAgainstAddress {
                await log.refused(address, code: refusal.body.error)
                logger.debug("refused", metadata: ["what": "\(what)", "address": "\(address)", "error": "\(refusal.body.error)"])
            } else if refusal.status == .internalServerError {
                logger.error("failed", metadata: ["what": "\(what)", "error": "\(String(reflecting: error))"])
            } else {
                if !refusal.isStoreFailure {
                    await store.audit(device: refusal.device, what: "\(what) refused: \(refusal.body.error): \(refusal.reason?.description ?? refusal.body.message)")
                }
                logger.notice("refused", metadata: ["what": "\(what)", "device": "\(refusal.device ?? "-")", "error": "\(refusal.body.error)"])
            }
            throw refusal
        }
    }
}

/// In front of the device routes (push, pull, snapshot): checks `Authorization: Bearer DEVICE:SECRET`
/// with the store and puts the device into the context; a refusal after that names the device.
struct DeviceAuthentication: RouterMiddleware {
    typealias Context = SyncRequestContext
    let store: any CentralStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              let colon = header.dropFirst(7).firstIndex(of: ":") else {
            throw SyncRefusal(CentralStoreError.unauthenticated("(none)"))
        }
        let device = String(header.dropFirst(7)[..<colon])
        try await store.authenticate(device: device, secret: String(header[header.index(after: colon)...]))
        var context = context
        context.device = device
        do { return try await next(request, context) } catch { throw SyncRefusal(error, device: device) }
    }
}
