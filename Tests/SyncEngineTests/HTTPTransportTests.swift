import Foundation
import NIOCore
@testable import SyncEngine
import SyncProtocol
import Testing

/// What the device says when the centre cannot be reached or answers something it cannot read.
@Suite struct HTTPTransportTests {
    @Test func aReplyOfTheWrongShapeNamesTheFieldWithoutQuotingTheReply() {
        let reply = Data(#"{"device":"kiosk-a","office":"Leeds","sealingKey":"not base64 at all, secret-looking text"}"#.utf8)
        do {
            _ = try JSONDecoder().decode(EnrolResponse.self, from: reply)
            Issue.record("decoded a reply with no secret")
        } catch {
            let said = HTTPTransport.describe(error)
            #expect(said.hasPrefix("sealingKey: ") || said == "secret: missing", "\(said)")
            #expect(!said.contains("secret-looking"), "the reply is not quoted: \(said)")
        }
        #expect(HTTPTransport.describe(CocoaError(.fileReadUnknown)) == "it is not JSON of the expected shape")
    }

    @Test func aRefusedConnectionAndATimeoutAreSaidInWords() {
        #expect(HTTPTransport.explain(IOError(errnoCode: ECONNREFUSED, reason: "connect")) == "nothing answers at that address: connection refused")
        #expect(HTTPTransport.explain(IOError(errnoCode: ENETUNREACH, reason: "connect")) == String(cString: strerror(ENETUNREACH)))
        #expect(HTTPTransport.explain(CertificateProblem()).contains("--ca-file"), "a TLS failure says how to trust the centre")
    }

    struct CertificateProblem: Error, CustomStringConvertible {
        var description: String { "handshake failed: CERTIFICATE_VERIFY_FAILED" }
    }
}
