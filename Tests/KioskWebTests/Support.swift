import ConsentCore
import ConsentStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KioskUI
@testable import KioskWeb
import NIOCore
import Testing
import TestSupport

/// A web kiosk over a fresh database holding one tenant with a PIN, on a clock the test moves.
struct WebFixture {
    static let ref = TenantRef("T0000001")
    static let pin = "482916"
    static let dateOfBirth = "01/05/1970"
    /// What is held about the tenant: none of it may reach the next person.
    static let values = ["full-name": "Ann Smith", "date-of-birth": "1970-05-01", "address": "1 High Street, Leeds",
                         "postcode": "LS1 1AA", "email": "ann@example.org", "mobile": "07700900123"]
    /// Texts of this tenant that a page after their session must not hold.
    static let traces = ["Ann Smith", "ann@example.org", "1 High Street", "07700900123", "LS1 1AA", "T0000001"]

    let dir: URL
    let db: ConsentDatabase
    let clock: ManualClock
    let kiosk: WebKiosk
    let receipts: URL

    init(timing: KioskTiming = KioskTiming(), speaker: Speaker? = nil, centre: (any TenantFetching)? = nil) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
        self.clock = clock
        db = try ConsentDatabase.create(at: dir.appendingPathComponent("consent.sqlite").path, validator: Shipped.content.validator,
                                        device: DeviceID("kiosk-web-test"), clock: { clock.read() })
        let registration = Dictionary(uniqueKeysWithValues: Self.values.map { (AttributeID($0.key), AttributeValue.value($0.value)) })
        try db.record(ChangeRequest(tenant: Self.ref, payload: .registration(values: registration), actor: .system("test"), channel: .importFile))
        try db.setPIN(Self.pin, for: Self.ref, actor: .tenant, channel: .kiosk)
        receipts = dir.appendingPathComponent("receipts.txt")
        kiosk = try WebKiosk(content: Shipped.content, timing: timing, database: db, printer: .file(receipts.path), speaker: speaker,
                             centre: centre, clock: { clock.read() })
    }

    /// The kiosk's HTTP server as an application. The session and hostile suites drive it through Hummingbird's router
    /// test client (no socket: a loaded parallel run once starved a live client past its 20 s read timeout); the
    /// browser suite runs it live on loopback for Chromium.
    func application() throws -> some ApplicationProtocol {
        KioskWebServer(kiosk: kiosk).application(at: try ListenAddress("127.0.0.1:0"))
    }

    /// The ledger's last event for the tenant.
    func lastPayload() throws -> EventPayload? { try db.tenantRecord(Self.ref).history.last?.event.payload }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

/// A browser as far as the kiosk can tell: one cookie jar, the last page, every response kept (to
/// check the headers of all of them).
final class Browser: @unchecked Sendable {
    var cookie: String?
    var page = ""
    var responses: [TestResponse] = []

    /// The form token of the last page, if it had one.
    var token: String? {
        guard let range = page.range(of: #"name="csrf" value="([0-9a-f]+)""#, options: .regularExpression) else { return nil }
        return String(page[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
    }

    @discardableResult
    func get(_ client: some TestClientProtocol, _ uri: String = "/") async throws -> TestResponse {
        let response = try await client.execute(uri: uri, method: .get, headers: headers())
        take(response)
        page = String(buffer: response.body)
        return response
    }

    /// Posts `form` as a browser would (the page's token added unless `token` says otherwise); a 303 is
    /// followed with a GET, as a browser does.
    @discardableResult
    func post(_ client: some TestClientProtocol, _ form: [(String, String)], token: String?? = .none) async throws -> TestResponse {
        var fields = form
        if let token = token ?? self.token { fields.insert(("csrf", token), at: 0) }
        let body = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        var headers = headers()
        headers[.contentType] = "application/x-www-form-urlencoded"
        let response = try await client.execute(uri: "/", method: .post, headers: headers, body: ByteBuffer(string: body))
        take(response)
        guard response.status == .seeOther else {
            page = String(buffer: response.body)
            return response
        }
        #expect(response.headers[.location] == "/", "redirect-after-post to the one fixed address")
        return try await get(client)
    }

    /// Presses the button for `action` with the boxes `fields` (by name), expecting the screen after it.
    func press(_ client: some TestClientProtocol, _ action: String, _ fields: [String: String] = [:],
               sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(page.contains("value=\"\(action)\""), "no button \(action) on this page", sourceLocation: sourceLocation)
        let response = try await post(client, [("action", action)] + fields.sorted { $0.key < $1.key }.map { ("f.\($0.key)", $0.value) })
        #expect(response.status == .ok, "\(action): \(response.status)", sourceLocation: sourceLocation)
    }

    /// Signs the fixture's tenant in from the welcome screen, in English.
    func signIn(_ client: some TestClientProtocol) async throws {
        try await get(client)
        try await press(client, "lang:en")
        try await press(client, "sign-in", ["ref": WebFixture.ref.rawValue, "dob": WebFixture.dateOfBirth, "pin": WebFixture.pin])
        #expect(page.contains("Ann Smith"), "signed in, the overview shows the name")
    }

    private func headers() -> HTTPFields {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = "\(KioskWebServer.cookieName)=\(cookie)" }
        return headers
    }

    private func take(_ response: TestResponse) {
        responses.append(response)
        guard let set = response.headers[.setCookie], set.hasPrefix(KioskWebServer.cookieName + "=") else { return }
        let value = set.dropFirst(KioskWebServer.cookieName.count + 1).prefix { $0 != ";" }
        cookie = value.isEmpty ? nil : String(value)
    }

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? ""
    }
}

/// Whether `page` holds anything of the fixture's tenant.
func tracesOfTenant(_ page: String) -> [String] { WebFixture.traces.filter { page.contains($0) } }
