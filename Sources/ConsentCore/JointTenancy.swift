import Foundation

/// Joint tenancies: two (or more) tenants holding one tenancy. The tenancy is the value of the
/// `joint-tenancy` attribute (declared in `Forms/attributes.yaml`), recorded like any other value, so the
/// ledger is where it comes from, a change is a correction that syncs, and `ledger verify` folds it.
///
/// Each joint tenant stays a data subject of their own: their own sign-in, values, grants and withdrawals,
/// and nothing of one reaches the other (every screen, pack, message and export reads one tenant's state).
/// Staff are told who else holds the tenancy, by reference only, so a caller is acted for as themselves.
public enum JointTenancy {
    /// The attribute whose value names the tenancy a tenant holds.
    public static let attribute = AttributeID("joint-tenancy")
}
