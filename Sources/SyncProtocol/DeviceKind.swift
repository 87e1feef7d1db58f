import Foundation

/// What a device enrolled at the centre is, chosen by whoever issues its enrolment code there
/// (`consent device issue-code --kind`) and recorded with the device, so a device cannot say what it
/// is: a kiosk (tenants use it alone) or a staff terminal. Only a staff terminal may ask the centre to
/// reveal a special-category value (`RevealCheck`) or push changes on a staff channel (`WireCheck`).
/// A device enrolled before kinds were recorded has none and is treated as a kiosk.
public enum DeviceKind: String, Codable, Sendable, CaseIterable {
    /// A kiosk: tenants record their own choices on it.
    case kiosk
    /// A staff terminal (a desk, the office's terminal).
    case staff

    /// The kind recorded for a device, where nil (enrolled before kinds were recorded) is a kiosk.
    public static func recorded(_ text: String?) -> DeviceKind { text.flatMap(DeviceKind.init(rawValue:)) ?? .kiosk }
}
