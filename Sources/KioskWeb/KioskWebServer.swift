import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The web kiosk's HTTP side: `GET /` (the screen), `POST /` (a form of it, then 303 to `/`),
/// `POST /alive` (typing, from the script), `POST /quiet` (stop reading aloud, from the script), `POST /staff-key` (F12, from
/// the script), `GET /kiosk.css` and `GET /kiosk.js`, nothing else. Every response, refusals and errors included, carries
/// `Cache-Control: no-store` and headers that keep the page out of frames, referrers and other
/// origins' scripts (``KioskHeadersMiddleware``). The session cookie is `HttpOnly`, `SameSite=Strict`,
/// a browser-session cookie (no expiry).
///
/// ```swift
/// let kiosk = try WebKiosk(content: content, timing: timing, database: db, printer: .none)
/// try await KioskWebServer(kiosk: kiosk, logger: logger).run(at: ListenAddress("127.0.0.1:8080"))
/// ```
public struct KioskWebServer: Sendable {
    /// The name of the session cookie.
    public static let cookieName = "kiosk_session"
    /// The longest form body read, in bytes (a kiosk form is a few hundred).
    public static let maxFormBytes = 16_384

    let kiosk: WebKiosk
    let logger: Logger

    /// Warnings and errors only.
    public static var quietLogger: Logger {
        var logger = Logger(label: "consent.kiosk")
        logger.logLevel = .warning
        return logger
    }

    /// A server for `kiosk`.
    public init(kiosk: WebKiosk, logger: Logger = Self.quietLogger) {
        self.kiosk = kiosk
        self.logger = logger
    }

    /// The routes, ready for an `Application` (tests use them with Hummingbird's test client).
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: KioskHeadersMiddleware())
        router.get("/") { request, _ in
            Self.response(await kiosk.show(cookie: request.cookies[Self.cookieName]?.value))
        }
        router.post("/") { request, _ in
            let body = try await request.body.collect(upTo: Self.maxFormBytes)
            let form = Self.decodeForm(String(buffer: body))
            return Self.response(await kiosk.post(cookie: request.cookies[Self.cookieName]?.value, form: form))
        }
        router.post("alive") { request, _ in
            let body = try await request.body.collect(upTo: Self.maxFormBytes)
            let token = Self.decodeForm(String(buffer: body))["csrf"]
            guard let seconds = await kiosk.alive(cookie: request.cookies[Self.cookieName]?.value, token: token) else {
                return Response(status: .forbidden)
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "\(seconds)")))
        }
        router.post("quiet") { request, _ in
            let body = try await request.body.collect(upTo: Self.maxFormBytes)
            let token = Self.decodeForm(String(buffer: body))["csrf"]
            let done = await kiosk.quiet(cookie: request.cookies[Self.cookieName]?.value, token: token)
            return Response(status: done ? .noContent : .forbidden)
        }
        router.post("staff-key") { request, _ in
            let body = try await request.body.collect(upTo: Self.maxFormBytes)
            let token = Self.decodeForm(String(buffer: body))["csrf"]
            guard let changed = await kiosk.staffKey(cookie: request.cookies[Self.cookieName]?.value, token: token) else {
                return Response(status: .forbidden)
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: changed ? "reload" : "")))
        }
        router.get("kiosk.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: KioskTemplates.css)))
        }
        router.get("kiosk.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: KioskTemplates.script)))
        }
        return router
    }

    /// The server as a Hummingbird application on `address`, with the once-a-second tick.
    public func application(at address: ListenAddress) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(address.host, port: address.port), serverName: "consent-kiosk"),
                    services: [KioskTicker(kiosk: kiosk)], logger: logger)
    }

    /// Runs until stopped (SIGINT or SIGTERM) or until staff end the kiosk (``WebKiosk/untilEnded()``), each a
    /// graceful shutdown (requests under way are answered); a session still open then ends as an idle sign-out would.
    public func run(at address: ListenAddress) async throws {
        let group = ServiceGroup(configuration: .init(services: [application(at: address)], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { if await kiosk.untilEnded() { await group.triggerGracefulShutdown() } }
            try await group.run()
            tasks.cancelAll()
        }
        await kiosk.stop()
    }

    static func response(_ reply: WebReply) -> Response {
        var response: Response
        switch reply.body {
        case .page(let html):
            response = Response(status: .init(code: reply.status), headers: [.contentType: "text/html; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: html)))
        case .redirect:
            response = Response(status: .seeOther, headers: [.location: "/"])
        }
        switch reply.cookie {
        case .keep: break
        case .set(let id):
            response.setCookie(Cookie(name: cookieName, value: id, path: "/", httpOnly: true, sameSite: .strict))
        case .clear:
            response.setCookie(Cookie(name: cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
        }
        return response
    }

    /// An `application/x-www-form-urlencoded` body as names and values (`+` is a space); a name given
    /// twice keeps its first value.
    static func decodeForm(_ body: String) -> [String: String] {
        var form: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String? { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = parts.first.flatMap(decode), !name.isEmpty else { continue }
            let value = parts.count > 1 ? decode(parts[1]) ?? "" : ""
            if form[name] == nil { form[name] = value }
        }
        return form
    }
}

/// Adds the kiosk's headers to every response, refusals and errors included: nothing is stored by the
/// browser, and nothing may frame, sniff or script the page.
struct KioskHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            response = Response(status: error.status, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: "\(error.status.code) \(error.status.reasonPhrase)\n")))
        } catch {
            response = Response(status: .internalServerError, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: "500 Internal Server Error\n")))
        }
        for (name, value) in Self.headers { response.headers[name] = value }
        return response
    }

    /// What every response carries.
    static var headers: [(HTTPField.Name, String)] {
        [("Cache-Control", "no-store"), ("Pragma", "no-cache"),
         ("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
         ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY")]
            .compactMap { name, value in HTTPField.Name(name).map { ($0, value) } }
    }
}
