/// Identifiers of the domain, kept distinct by type so an attribute id can never be passed where a
/// purpose id is meant.

/// The id of an attribute defined in `Forms/attributes.yaml`, such as `email` or `ethnic-origin`.
public struct AttributeID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The id of a purpose defined in `Forms/purposes.yaml`, such as `service-updates-email`.
public struct PurposeID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// A tenancy reference as issued by the housing system (stored upper-case). It identifies a tenant
/// on every device and at the centre.
public struct TenantRef: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The id of a device (kiosk, staff terminal, the centre itself) that writes events.
public struct DeviceID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The id of a member of staff acting on a tenant's behalf.
public struct StaffID: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// Which decision an event is about: one attribute of one tenant for one purpose.
public struct DecisionKey: Hashable, Comparable, Codable, Sendable {
    public var attribute: AttributeID
    public var purpose: PurposeID
    public init(_ attribute: AttributeID, _ purpose: PurposeID) {
        self.attribute = attribute
        self.purpose = purpose
    }
    public static func < (a: Self, b: Self) -> Bool {
        (a.attribute, a.purpose) < (b.attribute, b.purpose)
    }
}
