import ConsentCore
import Foundation

/// What became of asking the centre for a tenant this device does not hold.
public enum TenantFetchOutcome: Equatable, Sendable {
    /// The centre sent the tenant and they are held here now (their history applied like a pull).
    case fetched
    /// No tenant with that reference and date of birth: one answer for both, so nothing tells which.
    case notFound
    /// Too many failed fetches of that reference or from this device: a wait or a lock, as the centre decided
    /// it (an older centre that does not say: ``TenantFetchRefusal/bar``), with the seconds before it answers again.
    case throttled(SignInThrottle.Bar)
    /// No centre: the device is not enrolled, the centre could not be reached, or it refused the device.
    case unreachable
}

/// A way to fetch a tenant of another office on demand (`POST /v1/tenant`), for the kiosk's sign-in:
/// the device's centre over HTTP (`SyncEngine.CentreFetch`), or nothing on a device that is not
/// enrolled. The kiosk asks only for a reference it does not hold, with the date of birth typed there.
public protocol TenantFetching: Sendable {
    /// Asks the centre for `ref`, proving someone here knows their date of birth (`YYYY-MM-DD`), and
    /// applies what it sends; waits for the answer (within the transport's timeout).
    func fetch(_ ref: TenantRef, dateOfBirth: String) -> TenantFetchOutcome
}
