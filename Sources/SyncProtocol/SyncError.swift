import Foundation

/// Why the centre (or a device applying what it pulled) refused a request. Each case maps to one HTTP status and an `ErrorBody` code,
/// and its description says what the device's operator should do.
public enum CentralStoreError: Error, Equatable, CustomStringConvertible {
    /// The device sent sequence numbers that skip ahead; it must resend from `expected`.
    case gap(expected: Int64)
    /// The request is malformed or breaks a rule (a field, a size, a chain hash).
    case invalid(String)
    /// No such device, or a wrong credential.
    case unauthenticated(String)
    /// The device was revoked at the centre.
    case revoked(String)
    /// An event claims to come from another device than the authenticated one.
    case wrongDevice(claimed: String, authenticated: String)
    /// The enrolment code is unknown, used or expired.
    case badEnrolmentCode
    /// The store itself failed; nothing of the request was applied.
    case storage(String)
    /// This SQLite centre was moved to PostgreSQL by `consent migrate`: it takes no more requests,
    /// and the device keeps its changes until the centre is served from PostgreSQL at this address.
    case moved
    /// The store is held by a long write (a migration, a backup); nothing was applied, and the same
    /// request succeeds once it is done. An answer, not a failure: the device retries.
    case busy
    /// The centre would not open a special-category value for this device (`RevealCheck`): no recorded
    /// read, a stale one, a kiosk's, another office's tenant, staff who may not reveal.
    case revealRefused(RevealRefusal)
    /// The centre sent no tenant to a kiosk's fetch (`TenantFetchCheck`): no such reference and date of
    /// birth (one answer for both), or too many failed fetches.
    case fetchRefused(TenantFetchRefusal)

    public var description: String {
        switch self {
        case .gap(let expected): "events are missing before this batch; resend from device sequence \(expected)"
        case .invalid(let why): why
        case .unauthenticated(let device): "device \(device) is unknown or its credential is wrong; enrol it again with a new code"
        case .revoked(let device): "device \(device) has been revoked at the centre; ask the data protection lead"
        case let .wrongDevice(claimed, authenticated):
            "an event claims device \(claimed) but the request was made by \(authenticated); nothing was applied"
        case .badEnrolmentCode: "the enrolment code is unknown, already used or expired; issue a new one at the centre"
        case .storage(let why): "the central store failed: \(why); nothing was applied, try again"
        case .moved:
            "the centre has moved to PostgreSQL and takes nothing more here; its operator must restart `consent serve` with --database at "
                + "this address. Nothing was applied"
        case .busy: "the centre is busy with a long write (a migration or a backup); nothing was applied: the device tries again shortly"
        case .revealRefused(let refusal): "the centre would not reveal the value: \(refusal.message)"
        case .fetchRefused(let refusal): refusal.description
        }
    }

    /// The stable code an `ErrorBody` carries.
    public var code: String {
        switch self {
        case .gap: "gap"
        case .invalid: "invalid"
        case .unauthenticated: "unauthenticated"
        case .revoked: "revoked"
        case .wrongDevice: "wrong-device"
        case .badEnrolmentCode: "bad-enrolment-code"
        case .storage: "storage"
        case .moved: "moved"
        case .busy: "busy"
        case .revealRefused: "reveal-refused"
        case .fetchRefused: "tenant-not-sent"
        }
    }
}
