import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain HTTP GET on loopback, over a socket: how the benchmarks see that a server they started is up
/// (they link no HTTP client of their own).
public enum LoopbackHTTP {
    /// The status of `GET path` on 127.0.0.1:`port`, or nil when nothing answers.
    public static func status(_ port: Int, path: String) -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard write(fd, request, request.count) == request.count else { return nil }
        var reply = [UInt8](repeating: 0, count: 64)
        let count = read(fd, &reply, reply.count)
        guard count > 12 else { return nil }
        return Int(String(decoding: reply[9..<12], as: UTF8.self))
    }
}
