import Foundation

extension PushRequest {
    /// A JSON push that carries more events than one push may (`SyncWire.maxPushEvents`): found
    /// from the events array's length before any event is decoded.
    public struct TooManyEvents: Error, Equatable {
        public var count: Int
    }

    private enum JSONKeys: String, CodingKey { case version, device, events, dataKeys, head }

    /// Decodes a push, refusing one with too many events before decoding them (a hostile body of
    /// hundreds of thousands of small events would otherwise be decoded whole, and only then refused),
    /// and one with a negative version.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: JSONKeys.self)
        var list = try container.nestedUnkeyedContainer(forKey: .events)
        if let count = list.count, count > SyncWire.maxPushEvents { throw TooManyEvents(count: count) }
        var events: [WireEvent] = []
        events.reserveCapacity(min(list.count ?? 0, SyncWire.maxPushEvents))
        while !list.isAtEnd {
            guard events.count < SyncWire.maxPushEvents else { throw TooManyEvents(count: events.count + 1) }
            events.append(try list.decode(WireEvent.self))
        }
        let version = try container.decode(Int.self, forKey: .version)
        // A version is a count from 0, as the binary form writes it; a negative one is no version.
        guard version >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .version, in: container, debugDescription: "a push's version is a whole number from 0")
        }
        self.init(device: try container.decode(String.self, forKey: .device), events: events,
                  dataKeys: try container.decode([WireDataKey].self, forKey: .dataKeys),
                  head: try container.decodeIfPresent(SignedHead.self, forKey: .head),
                  version: version)
    }
}
