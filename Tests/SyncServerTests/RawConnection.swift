import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP connection written byte by byte, as a hostile client would: half a request, a body that
/// trickles in, then a look at whether the server has closed it.
final class RawConnection {
    struct Failure: Error, CustomStringConvertible { let description: String }
    private let fd: Int32

    /// Connects to `host:port`, from the address `source` when given (any of 127.0.0.0/8 on loopback).
    init(host: String = "localhost", port: Int, source: String? = nil) throws {
        var hints = addrinfo()
        hints.ai_family = source == nil ? AF_UNSPEC : AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0 else { throw Failure(description: "cannot resolve \(host)") }
        defer { freeaddrinfo(found) }
        var next = found
        while let info = next {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0, Self.bind(fd, to: source), connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                self.fd = fd
                return
            }
            if fd >= 0 { close(fd) }
            next = info.pointee.ai_next
        }
        throw Failure(description: "cannot connect to \(host):\(port)")
    }

    private static func bind(_ fd: Int32, to source: String?) -> Bool {
        guard let source else { return true }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        guard inet_pton(AF_INET, source, &address.sin_addr) == 1 else { return false }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    deinit { close(fd) }

    /// Sends `text`; false once the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Reads until the server closes the connection or `seconds` pass: whether it closed, and what it
    /// sent. The wait runs on a thread of its own, blocked in `poll` against the deadline, so a test
    /// process whose task threads are all busy cannot make it miss a close that came in time.
    func waitForClose(within seconds: Double) async -> (closed: Bool, received: String) {
        let fd = self.fd
        let deadline = Date().addingTimeInterval(seconds)
        return await withCheckedContinuation { done in
            Thread { done.resume(returning: Self.read(fd, until: deadline)) }.start()
        }
    }

    /// Reads until a whole HTTP response (its head and the body its Content-Length announces) has come,
    /// the server closes the connection, or `seconds` pass; what was received.
    func waitForAnswer(within seconds: Double) async -> String {
        let fd = self.fd
        let deadline = Date().addingTimeInterval(seconds)
        return await withCheckedContinuation { done in
            Thread { done.resume(returning: Self.read(fd, until: deadline, stopWhen: Self.isWholeResponse).received) }.start()
        }
    }

    /// Whether `bytes` hold a response head and all of the body it announces.
    static func isWholeResponse(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return text[end.upperBound...].utf8.count >= length
    }

    /// Blocks in `poll` until `fd` is closed by its peer, `stopWhen` holds for what was received, or
    /// `deadline` passes.
    private static func read(_ fd: Int32, until deadline: Date, stopWhen: ([UInt8]) -> Bool = { _ in false }) -> (closed: Bool, received: String) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let left = Int32(max(0, (deadline.timeIntervalSinceNow * 1_000).rounded(.up)))
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, left)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return (false, String(decoding: received, as: UTF8.self)) }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return (true, String(decoding: received, as: UTF8.self)) }
            received += buffer[0..<n]
            if stopWhen(received) { return (false, String(decoding: received, as: UTF8.self)) }
        }
    }
}
