import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for a centre, or for someone between a device and its centre, on 127.0.0.1: it answers
/// every HTTP request with the same JSON body (an enrolment reply of its choosing). One connection at
/// a time, each closed after its answer; stopped at deinit.
final class FakeCentre: @unchecked Sendable {
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    private let listener: Int32
    private let thread: Thread

    init(answer body: String) throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw TestFailure("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        guard bound == 0, listen(socket, 8) == 0 else {
            close(socket)
            throw TestFailure("bind/listen: \(errno)")
        }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = socket
        let reply = Data("""
            HTTP/1.1 200 OK\r
            Content-Type: application/json\r
            Content-Length: \(Data(body.utf8).count)\r
            Connection: close\r
            \r
            \(body)
            """.utf8)
        thread = Thread {
            while true {
                let connection = accept(socket, nil, nil)
                guard connection >= 0 else { return } // closed at deinit
                FakeCentre.readRequest(connection)
                _ = reply.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(connection)
            }
        }
        thread.start()
    }

    /// Reads the request's headers and as much body as they announce.
    private static func readRequest(_ connection: Int32) {
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(connection, &buffer, buffer.count, 0)
            guard n > 0 else { return }
            received.append(contentsOf: buffer[0..<n])
            guard let end = received.range(of: Data("\r\n\r\n".utf8)) else { continue }
            let headers = String(decoding: received[..<end.lowerBound], as: UTF8.self).lowercased()
            let announced = headers.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if received.count - end.upperBound >= announced { return }
        }
    }

    /// An enrolment reply for `device` carrying `sealingKey` as the JSON text given (a base64 string, or anything).
    static func enrolmentReply(device: String, sealingKey json: String) -> String {
        #"{"device":"\#(device)","office":"Leeds","secret":"c2VjcmV0","sealingKey":\#(json)}"#
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
