import ConsentCore

/// What an export needs of each tenant: the values of some attributes and the decisions of one purpose.
public struct TenantSlice: Sendable {
    public var purpose: PurposeID
    public var attributes: [AttributeID]
    /// Which of the attributes are special categories (their values live in the vault).
    public var special: Set<AttributeID>
    /// Whether the purpose's recorded decisions are needed (not for a contract purpose's ordinary values).
    public var readsDecisions: Bool

    public init(purpose: PurposeID, attributes: [AttributeID], special: Set<AttributeID>, readsDecisions: Bool) {
        self.purpose = purpose
        self.attributes = attributes
        self.special = special
        self.readsDecisions = readsDecisions
    }
}
