import Foundation
import FuzzCommon
import SyncProtocol

/// The JSON sync messages on arbitrary bytes, as the centre reads them from a request body (push,
/// enrolment) and a device reads them from a reply (pull page, push reply, refusal): decoding must
/// refuse or succeed, never crash; a decoded push within the limit re-encodes to one that decodes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSyncJSON(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Fuzzing.data(start, count)
    let decoder = JSONDecoder()
    if let push = try? decoder.decode(PushRequest.self, from: data) {
        Fuzzing.require(push.events.count <= SyncWire.maxPushEvents, "a push over the event limit was decoded")
        let again = (try? JSONEncoder().encode(push)).flatMap { try? decoder.decode(PushRequest.self, from: $0) }
        Fuzzing.require(again?.events == push.events && again?.dataKeys == push.dataKeys, "a push changed on its way through JSON")
        // The binary form carries the same fields.
        let binary = BinaryWire.encode(push)
        let fromBinary = binary.withUnsafeBytes { try? BinaryWire.decode(PushRequest.self, from: $0) }
        Fuzzing.require(fromBinary?.events == push.events, "a push decoded from JSON does not survive the binary encoding")
    }
    _ = try? decoder.decode(PullResponse.self, from: data)
    _ = try? decoder.decode(PushResponse.self, from: data)
    _ = try? decoder.decode(EnrolRequest.self, from: data)
    if let refusal = try? decoder.decode(ErrorBody.self, from: data) { _ = refusal.refusal.description }
    return 0
}
