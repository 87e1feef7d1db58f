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

    /// The same inside a read: one seek for the tenant's tenancy, one in `current_value_joint_tenancy` for the others.
    static func jointTenants(_ db: Database, of ref: String) throws -> [TenantRef] {
        try String.fetchAll(db.cachedStatement(sql: """
            SELECT t2.ref FROM tenant t1
            JOIN current_value c1 ON c1.tenant_id = t1.id AND c1.attribute_id = '\(jointTenancy)' AND c1.status = 'value'
            JOIN current_value c2 ON c2.attribute_id = '\(jointTenancy)' AND c2.value = c1.value COLLATE NOCASE
                AND c2.status = 'value' AND c2.tenant_id != c1.tenant_id
            JOIN tenant t2 ON t2.id = c2.tenant_id
            WHERE t1.ref = ? AND c1.value IS NOT NULL
            ORDER BY t2.ref
            """), arguments: [ref]).map { TenantRef($0) }
    }

    /// The attribute's id, written into the SQL (a constant of ours): the partial index below is used only
    /// when a query names its condition literally.
    static let jointTenancy = JointTenancy.attribute.rawValue

    /// The index that finds a tenancy's tenants (``jointTenants(of:)``) without reading every current value.
    static let jointTenancyIndex = """
        CREATE INDEX current_value_joint_tenancy ON current_value (value COLLATE NOCASE) WHERE attribute_id = '\(jointTenancy)'
        """
}
