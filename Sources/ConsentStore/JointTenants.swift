import ConsentCore
import Foundation
import GRDB

extension ConsentDatabase {
    /// The other tenants holding the same tenancy as `ref` (the same `joint-tenancy` value, compared without
    /// case), by reference only and in reference order; empty when `ref` holds none or holds it alone.
    ///
    /// For staff, so a caller is acted for as themselves: a joint tenant is a data subject of their own, so
    /// nothing else of the others is returned, and nothing tenant-facing shows this list.
    ///
    ///     try db.jointTenants(of: TenantRef("T0000001"))   // [TenantRef("T0000002")]
    public func jointTenants(of ref: TenantRef) throws(StoreError) -> [TenantRef] {
        try read { db in try Self.jointTenants(db, of: ref.rawValue) }
    }

    /// The same inside a read: one seek for the tenant's tenancy, one in `value_joint_tenancy` for the value rows holding
    /// the same text, kept where they are a tenant's current value.
    static func jointTenants(_ db: Database, of ref: String) throws -> [TenantRef] {
        try String.fetchAll(db.cachedStatement(sql: jointTenantsSQL), arguments: [ref]).map { TenantRef($0) }
    }

    /// The query of ``jointTenants(_:of:)``, given the tenant's reference.
    static let jointTenantsSQL = """
        SELECT t2.ref FROM tenant t1
        JOIN current_value c1 ON c1.tenant_id = t1.id AND c1.attribute_id = '\(jointTenancy)' AND c1.status = 'value'
        \(LeanCurrentValue.textJoin("c1.", as: "v1"))
        JOIN value v2 ON v2.attribute_id = '\(jointTenancy)' AND v2.value = v1.value COLLATE NOCASE AND v2.tenant_id != t1.id
        JOIN current_value c2 ON c2.tenant_id = v2.tenant_id AND c2.attribute_id = '\(jointTenancy)' AND c2.status = 'value'
            AND c2.source_device = v2.device_no AND c2.source_seq = v2.device_seq
        JOIN tenant t2 ON t2.id = c2.tenant_id
        WHERE t1.ref = ? AND v1.value IS NOT NULL
        ORDER BY t2.ref
        """

    /// The attribute's id, written into the SQL (a constant of ours): the partial index below is used only
    /// when a query names its condition literally.
    static let jointTenancy = JointTenancy.attribute.rawValue

    /// The index migration `joint-tenancy-1` made, on the copies of current values' texts `current-value-lean-1` dropped.
    static let currentValueJointTenancyIndex = """
        CREATE INDEX current_value_joint_tenancy ON current_value (value COLLATE NOCASE) WHERE attribute_id = '\(jointTenancy)'
        """

    /// The index that finds a tenancy's tenants (``jointTenants(of:)``) without reading every value: the value rows of
    /// the attribute (a tenant's earlier tenancies among them, which the query leaves out).
    static let jointTenancyIndex = """
        CREATE INDEX value_joint_tenancy ON value (value COLLATE NOCASE) WHERE attribute_id = '\(jointTenancy)'
        """
}
