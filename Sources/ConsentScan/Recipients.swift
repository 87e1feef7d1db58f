import ConsentCore
import Foundation

/// Where a message may go. A message that holds one tenant's data may go to that tenant only: every
/// envelope recipient (Bcc included, which no header shows) must be an email address the register holds
/// for that tenant, or be in the landlord's own domains (mail a tenant sends to the office). The mail
/// filter passes the envelope; the rule lives here, next to the verdict.
extension LeakScanner {
    /// Scans a message that will be delivered to `recipients` (envelope addresses). Like
    /// ``scan(_:name:format:)``, but a one-tenant message is blocked when any recipient is neither that
    /// tenant's own address in the register nor in one of `ownDomains` (the landlord's own and its
    /// processors', where a tenant's data may always go), with a reason naming the recipients at fault.
    /// The envelope sender counts for nothing: anyone sending through the landlord's relay can write a tenant's
    /// address there (a tenant writing to the office passes because the office's domain is one of `ownDomains`).
    public func scan(_ data: Data, name: String, format: ScanFormat? = nil, recipients: [String], ownDomains: [String] = []) throws(ScanError) -> ScanReport {
        var findings = Findings()
        var report = try scan(data, name: name, format: format, findings: &findings)
        guard report.verdict == .oneTenant, !recipients.isEmpty else { return report }
        let own = Set(ownDomains.map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: " .@")) })
        let checked = recipients.map { ($0, receipt($0, findings: findings, ownDomains: own)) }
        let strangers = checked.filter { $0.1 == .notTheTenants }.map { TextSafety.displaySafe($0.0) }
        let shared = checked.filter { $0.1 == .shared }.map { TextSafety.displaySafe($0.0) }
        guard !strangers.isEmpty || !shared.isEmpty else { return report }
        let kinds = report.personal.map(\.rawValue).joined(separator: ", ")
        report.verdict = .blocked
        if !strangers.isEmpty {
            report.reason = "it holds one tenant's data (\(kinds)) but goes to \(strangers.joined(separator: ", ")), which the register does not "
                + "hold as that tenant's email: send it only to the tenant's own address on file (no Cc or Bcc), or take their details out"
        } else {
            report.reason = "it holds one tenant's data (\(kinds)) but goes to \(shared.joined(separator: ", ")), which the register holds for "
                + "more than one tenant (a joint tenancy or a household), so the others would read it: send it to an address only this "
                + "tenant holds, or by post"
        }
        return report
    }

    /// Whether a recipient may receive one tenant's data.
    enum Receipt: Equatable {
        /// The tenant's own address, or one of the landlord's own domains.
        case allowed
        /// Not an address the register holds for that tenant.
        case notTheTenants
        /// An address the register holds for that tenant and for others too.
        case shared
    }

    /// Whether `address` is an email the register holds for the tenant the findings name, and for them alone.
    /// When only values several tenants share were matched (a couple's surname and postcode), any address the
    /// register holds is accepted, shared ones included, since the scanner cannot tell those tenants apart.
    func receipt(_ address: String, findings: Findings, ownDomains: Set<String>) -> Receipt {
        var bytes = Array(address.utf8)
        while let first = bytes.first, first == 0x3C || first == 0x20 { bytes.removeFirst() }
        while let last = bytes.last, last == 0x3E || last == 0x20 { bytes.removeLast() }
        guard let email = ScanNormal.email(bytes) else { return .notTheTenants }
        if let at = email.lastIndex(of: 0x40) {
            let domain = String(decoding: email[(at + 1)...], as: UTF8.self)
            if ownDomains.contains(where: { domain == $0 || domain.hasSuffix("." + $0) }) { return .allowed }
        }
        var scratch: [UInt8] = []
        let tag = email.withUnsafeBytes { ScanIndex.tag(index.key, .email, $0, scratch: &scratch) }
        guard let owner = index.owner(of: tag) else { return .notTheTenants }
        guard let sole = findings.soleTenant else { return .allowed }
        if owner == ScanIndex.ambiguous { return .shared }
        return owner == sole ? .allowed : .notTheTenants
    }
}

extension Findings {
    /// The one tenant matched by values only they hold, if exactly one was.
    var soleTenant: UInt32? {
        guard tenantsMatched == 1, let word = tenantBits.firstIndex(where: { $0 != 0 }) else { return nil }
        return UInt32(word * 64 + tenantBits[word].trailingZeroBitCount)
    }
}
