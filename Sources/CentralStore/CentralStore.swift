import Foundation
import SyncProtocol

/// Why the centre refused a request. Each case maps to one HTTP status and an `ErrorBody` code,
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
        }
    }
}

/// A device as the centre knows it.
public struct CentralDevice: Codable, Hashable, Sendable {
    public var id: String
    public var office: String
    public var enrolledAt: Date
    public var revokedAt: Date?
    /// The highest device sequence the centre has stored from it.
    public var lastSequence: Int64

    public init(id: String, office: String, enrolledAt: Date, revokedAt: Date?, lastSequence: Int64) {
        self.id = id
        self.office = office
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
        self.lastSequence = lastSequence
    }
}

/// The centre's storage, behind the sync server: SQLite by default, PostgreSQL when one server is
/// outgrown. Both implementations apply the same rules (`PushCheck`, `TenantState.apply`) and pass
/// the same test suite.
public protocol CentralStore: Sendable {
    /// Issues a one-time enrolment code for a new device of `office`, valid for `lifetime`.
    func issueEnrolmentCode(office: String, lifetime: TimeInterval) async throws(CentralStoreError) -> String
    /// Enrols a device with a one-time code; returns its credential (shown once, stored hashed).
    func enrol(_ request: EnrolRequest) async throws(CentralStoreError) -> EnrolResponse
    /// Checks a device's credential; throws `unauthenticated` or `revoked`.
    func authenticate(device: String, secret: String) async throws(CentralStoreError)
    /// Revokes a device: every later request of it is refused.
    func revoke(device: String) async throws(CentralStoreError)
    /// The devices enrolled here.
    func devices() async throws(CentralStoreError) -> [CentralDevice]
    /// Applies a push from the authenticated `device` in one transaction: all of it, or (on a
    /// refusal of the whole batch: gap, wrong device, bad chain) none of it.
    func push(_ request: PushRequest, from device: String) async throws(CentralStoreError) -> PushResponse
    /// Events with central sequence above `cursor`, at most `limit`, in central order.
    func pull(after cursor: Int64, limit: Int) async throws(CentralStoreError) -> PullResponse
    /// Records a refused request in the centre's audit log (bad credential, bad input, replay).
    func audit(device: String?, what: String) async
}
