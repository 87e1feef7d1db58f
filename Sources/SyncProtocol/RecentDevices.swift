import ConsentCore

/// The devices of the last source and writer a scan named: rows of a register share a handful, so most rows make
/// no `DeviceID` (the source is stored by number, the writer by name).
public struct RecentDevices {
    private let deviceID: (Int64) -> DeviceID
    private var sourceNumber: Int64?
    private var sourceDevice = DeviceID("")
    private var writerBytes: [UInt8] = []
    private var writerDevice = DeviceID("")

    /// `deviceID` names a device by its number in the store.
    public init(deviceID: @escaping (Int64) -> DeviceID) {
        self.deviceID = deviceID
    }

    /// The device with store number `number`.
    public mutating func source(_ number: Int64) -> DeviceID {
        if number != sourceNumber {
            sourceDevice = deviceID(number)
            sourceNumber = number
        }
        return sourceDevice
    }

    /// The device whose id is the UTF-8 text `name`.
    public mutating func writer(_ name: UnsafeRawBufferPointer) -> DeviceID {
        if !AttributeNames.same(writerBytes, name) {
            writerBytes = Array(name)
            writerDevice = DeviceID(String(decoding: name, as: UTF8.self))
        }
        return writerDevice
    }
}
