import ConsentCore

/// What an export needs of each tenant: the values of some attributes and the decisions of one purpose.
public struct TenantSlice: Sendable {
    public var purpose: PurposeID
    public var attributes: [AttributeID]
    /// Which of the attributes are special categories (their values live in the vault).
    public var special: Set<AttributeID>
    /// Whether the purpose's recorded decisions are needed (not for a contract purpose's ordinary values).
    /// Each comes as ``DecisionRecord/inForce``: what the gate, statistics and mailings read, no more.
    public var readsDecisions: Bool
    /// Attributes no row of the reader leaves without a granted decision of the purpose for each (an
    /// export's required attributes under consent: ``passesOver(_:)``). A store may pass over a tenant
    /// without them instead of reading their values; empty: every tenant is read. Always empty when
    /// decisions are not read (without them every tenant would look ungranted).
    public var grantsNeeded: [AttributeID]

    public init(purpose: PurposeID, attributes: [AttributeID], special: Set<AttributeID>, readsDecisions: Bool,
                grantsNeeded: [AttributeID] = []) {
        self.purpose = purpose
        self.attributes = attributes
        self.special = special
        self.readsDecisions = readsDecisions
        self.grantsNeeded = readsDecisions ? grantsNeeded : []
    }

    /// What a reader under `policy` needs: its attributes (the special categories among them marked)
    /// and, when `readingDecisions`, its purpose's decisions.
    public init(_ policy: PurposePolicy, readingDecisions: Bool, grantsNeeded: [AttributeID] = []) {
        self.init(purpose: policy.purpose.id, attributes: policy.attributes,
                  special: Set(zip(policy.attributes, policy.isSpecial).filter(\.1).map(\.0)), readsDecisions: readingDecisions,
                  grantsNeeded: grantsNeeded)
    }

    /// Whether `tenant` (holding at least this purpose's decisions) lacks a granted decision for one of
    /// ``grantsNeeded``: the reader sends no row of theirs, whatever their values.
    public func passesOver(_ tenant: TenantState) -> Bool {
        grantsNeeded.contains { tenant.decisions[DecisionKey($0, purpose)]?.state != .granted }
    }
}

/// What one read of the register covered: the ledger position of its snapshot, and the tenants it
/// passed over without giving them to its caller (``TenantSlice/passesOver(_:)``).
public struct SliceRead: Sendable, Equatable {
    public var position: Int64
    public var passedOver: Int

    public init(position: Int64, passedOver: Int = 0) {
        self.position = position
        self.passedOver = passedOver
    }
}
