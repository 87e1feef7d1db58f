import ConsentCore
import ConsentStore
@preconcurrency import Dispatch
import Foundation
import SyncProtocol

/// Fetch on demand: a kiosk asked to sign in a reference it does not hold (a tenant of another office)
/// asks its centre for them with the date of birth typed there (`POST /v1/tenant`, `TenantFetchCheck`),
/// and applies the history the centre sends with the same code as a pull (`applyFetched`). The tenant
/// is then held here; they still sign in as at a first visit to this kiosk (a code from the desk, then
/// a PIN), since PINs and codes belong to one device.
///
/// ```swift
/// if let centre = CentreFetch.enrolled(db) { _ = centre.fetch("T0000001", dateOfBirth: "1980-02-03") }
/// ```
public struct CentreFetch: TenantFetching {
    public let client: SyncClient

    public init(client: SyncClient) {
        self.client = client
    }

    /// The device's centre, from its enrolment; nil when it is not enrolled.
    public static func enrolled(_ database: ConsentDatabase) -> CentreFetch? {
        guard let settings = try? database.syncSettings(), let url = URL(string: settings.server),
              let transport = try? HTTPTransport(server: url, device: database.device.rawValue, secret: settings.secret,
                                                 caFile: settings.caFile, timeout: 10)
        else { return nil }
        return CentreFetch(client: SyncClient(database: database, transport: transport))
    }

    /// Asks the centre for `ref` and applies the tenant it sends. Throws `.refused(.fetchRefused(…))`
    /// when it sends none, `.unreachable` when it cannot be reached.
    public func fetchAndApply(_ ref: TenantRef, dateOfBirth: String) async throws(SyncFailure) -> PulledPage {
        let page = try await client.transport.fetchTenant(TenantFetchRequest(tenant: ref.rawValue, dateOfBirth: dateOfBirth))
        // The centre sends exactly one tenant's events: anything else is not applied.
        guard page.events.allSatisfy({ $0.record.tenant == ref.rawValue }) else {
            throw .refused(.invalid("the centre sent events of another tenant than the one asked for"))
        }
        do { return try client.database.applyFetched(page) } catch { throw .local(error) }
    }

    /// ``fetchAndApply(_:dateOfBirth:)`` run to its end while the caller (the kiosk's effects) waits.
    public func fetch(_ ref: TenantRef, dateOfBirth: String) -> TenantFetchOutcome {
        let box = FetchBox()
        let done = DispatchSemaphore(value: 0)
        let centre = self
        Task.detached {
            let outcome: TenantFetchOutcome
            do throws(SyncFailure) {
                _ = try await centre.fetchAndApply(ref, dateOfBirth: dateOfBirth)
                outcome = .fetched
            } catch {
                switch error {
                case .refused(.fetchRefused(let refusal)):
                    outcome = refusal.bar.map { .throttled($0) } ?? .notFound
                default: outcome = .unreachable
                }
            }
            box.set(outcome)
            done.signal()
        }
        done.wait()
        return box.get() ?? .unreachable
    }
}

/// The outcome handed from the asking task to the waiting kiosk.
private final class FetchBox: @unchecked Sendable {
    private let lock = NSLock()
    private var outcome: TenantFetchOutcome?
    func set(_ value: TenantFetchOutcome) { lock.withLock { outcome = value } }
    func get() -> TenantFetchOutcome? { lock.withLock { outcome } }
}
