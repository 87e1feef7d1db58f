import Foundation

/// Which office holds a tenant: the value of the `office` attribute (declared in `Forms/attributes.yaml`),
/// recorded like any other value, so the ledger is where an office comes from and a move is a correction
/// that syncs. A device enrolled for an office pulls that office's tenants, every tenant with no office
/// (so a register without offices reaches every device, as before offices existed), and every tenant it
/// has itself changed.
public enum Office {
    /// The attribute whose value names a tenant's office.
    public static let attribute = AttributeID("office")

    /// The name the demo gives office `number` of a register spread over several: `office-01`, `office-02`, ...
    public static func demoName(_ number: Int) -> String { String(format: "office-%02d", number) }
}
