import Foundation
import Hummingbird
import NIOCore
import SyncProtocol

/// Reads a request body as the message a route expects: binary (`BinaryWire`) when its
/// `Content-Type` names it, else JSON. The body is read up to its encoding's limit (a body over
/// it is refused as soon as that many bytes have come, or at once from its `Content-Length`) and
/// within the body deadline; a JSON push's events are counted before any of them is decoded.
public struct SyncRequestDecoder: RequestDecoder {
    let limits: ServerLimits

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        if request.headers[.contentType]?.hasPrefix(BinaryWire.contentType) == true, let binary = T.self as? any BinaryMessage.Type {
            let buffer = try await collect(request, upTo: limits.binaryBodyBytes, json: false)
            guard let message = try Self.decodeBinary(binary, from: buffer) as? T else { throw SyncRefusal.internalFailure }
            return message
        }
        let buffer = try await collect(request, upTo: limits.jsonBodyBytes, json: true)
        return try Self.decodeJSON(T.self, from: buffer)
    }

    /// The body, or a refusal when it is too large or too slow.
    private func collect(_ request: Request, upTo limit: Int, json: Bool) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw SyncRefusal.tooLarge(limit, json: json)
        }
        let deadline = limits.bodyDeadline
        return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask {
                do { return try await request.body.collect(upTo: limit) } catch is NIOTooManyBytesError {
                    throw SyncRefusal.tooLarge(limit, json: json)
                } catch is CancellationError {
                    return nil
                } catch {
                    throw SyncRefusal.incomplete
                }
            }
            group.addTask {
                try await Task.sleep(for: deadline)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let buffer = first else { throw SyncRefusal.tooSlow(deadline) }
            return buffer
        }
    }

    static func decodeBinary<M: BinaryMessage>(_ type: M.Type, from buffer: ByteBuffer) throws -> M {
        let decoded = buffer.withUnsafeReadableBytes { raw in
            Result { () throws(BinaryWireError) in try BinaryWire.decode(M.self, from: raw) }
        }
        do { return try decoded.get() } catch {
            throw SyncRefusal(CentralStoreError.invalid("the body is not a valid binary \(M.binaryName): \(error)"))
        }
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as PushRequest.TooManyEvents {
            throw SyncRefusal.tooManyEvents(error.count)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, let tooMany = context.underlyingError as? PushRequest.TooManyEvents {
                throw SyncRefusal.tooManyEvents(tooMany.count)
            }
            throw SyncRefusal(CentralStoreError.invalid("the body is not a valid \(T.self): \(describe(error))"))
        } catch {
            throw SyncRefusal(CentralStoreError.invalid("the body is not valid JSON"))
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let c): "malformed JSON at \(path(c.codingPath))"
        case .keyNotFound(let key, let c): "missing \(key.stringValue) at \(path(c.codingPath))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): "wrong type at \(path(c.codingPath))"
        @unknown default: "malformed JSON"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top" : keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}

/// Writes a route's reply: binary when it has a binary form and the request's `Accept` names
/// that encoding, else JSON.
public struct SyncResponseEncoder: ResponseEncoder {
    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        if let message = value as? any BinaryMessage, request.headers[.accept]?.contains(BinaryWire.contentType) == true {
            return Response(status: .ok, headers: [.contentType: BinaryWire.contentType],
                            body: .init(byteBuffer: ByteBuffer(bytes: BinaryWire.encode(message))))
        }
        let data = try JSONEncoder().encode(value)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
