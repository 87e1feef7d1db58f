import ConsentCore
import ConsentStore
import Foundation
import SyncProtocol

/// Staff reveal on an enrolled device, whose special-category values only the centre opens: the
/// read is recorded here first (an `access` event with the member of staff and the reason, as on any
/// device), pushed with the rest of the outbox, and then the centre is asked for the value
/// (`POST /v1/reveal`), which it opens only for that recorded read (`RevealCheck`). The answer is
/// returned to the screen and never written to disk.
public struct CentreReveal: Sendable {
    public let client: SyncClient

    public init(client: SyncClient) {
        self.client = client
    }

    /// The device's centre, from its enrolment; nil when it is not enrolled.
    public static func enrolled(_ database: ConsentDatabase) -> CentreReveal? {
        guard let settings = try? database.syncSettings(), let url = URL(string: settings.server),
              let transport = try? HTTPTransport(server: url, device: database.device.rawValue, secret: settings.secret,
                                                 caFile: settings.caFile, timeout: 15)
        else { return nil }
        return CentreReveal(client: SyncClient(database: database, transport: transport))
    }

    /// Pushes this device's unsent events (the recorded read among them), then asks the centre for
    /// `attribute` of `tenant` on behalf of `staff`. Throws `.unreachable` when the centre cannot be
    /// reached, `.refused(.revealRefused(…))` when it will not reveal.
    public func reveal(_ tenant: TenantRef, _ attribute: AttributeID, staff: StaffID) async throws(SyncFailure) -> RevealAnswer {
        var report = SyncReport()
        try await client.push(into: &report)
        if let rejected = report.rejected.first {
            throw .refused(.invalid("the centre did not take this device's changes, the recorded read among them: \(rejected)"))
        }
        return try await client.transport.reveal(RevealRequest(tenant: tenant.rawValue, attribute: attribute.rawValue, staff: staff.rawValue))
    }
}
