import FuzzCommon
import SyncProtocol

/// The binary sync decoder on arbitrary bytes, as each message a centre or device reads: it must
/// refuse (`BinaryWireError`) or decode, never crash, and what it decodes must encode back to a
/// body that decodes to the same message.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBinaryWire(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    roundTrip(PushRequest.self, bytes)
    roundTrip(PushResponse.self, bytes)
    roundTrip(PullResponse.self, bytes)
    return 0
}

func roundTrip<M: BinaryMessage>(_ type: M.Type, _ bytes: UnsafeRawBufferPointer) {
    guard let message = try? BinaryWire.decode(M.self, from: bytes) else { return }
    let once = BinaryWire.encode(message)
    let again = once.withUnsafeBytes { try? BinaryWire.decode(M.self, from: $0) }
    Fuzzing.require(again != nil, "a \(M.binaryName) the decoder accepted does not decode after encoding it again")
    if let again { Fuzzing.require(BinaryWire.encode(again) == once, "a \(M.binaryName) changed on its way through the encoding") }
}
