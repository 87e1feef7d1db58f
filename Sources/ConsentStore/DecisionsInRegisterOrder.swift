import ConsentCore
import GRDB

/// Every tenant's decisions in register order, for a pass over the whole register (`verify`, ``ConsentDatabase/eachTenant(_:)``):
/// `decision` is keyed by purpose first, so this holds one ordered range per purpose and merges them in step,
/// instead of seeking every purpose's rows for each tenant in turn (which reads pages all over the table).
struct DecisionsInRegisterOrder {
    /// One range: its own prepared statement (several are open at once), stepped up to each tenant in turn.
    private struct Range {
        let purpose: PurposeID
        let prepared: Statement
        var statement: RawStatement
        var hasRow: Bool
    }

    private var ranges: [Range] = []
    private let projection: ProjectionRows

    init(_ db: Database, projection: ProjectionRows) throws {
        self.projection = projection
        let purposes = try String.fetchAll(db, sql: "WITH RECURSIVE \(DecisionByPurpose.purposes) SELECT id FROM decision_purpose WHERE id IS NOT NULL")
        for purpose in purposes {
            let prepared = try db.makeStatement(sql: """
                SELECT \(ProjectionRows.decisionColumns), d.attribute_id, d.tenant_id FROM decision d \(LeanDecision.eventJoin)
                WHERE d.purpose_id = ? ORDER BY d.tenant_id, d.attribute_id
                """)
            var statement = try RawStatement(db, prepared)
            statement.bind(purpose)
            ranges.append(Range(purpose: PurposeID(purpose), prepared: prepared, statement: statement, hasRow: try statement.step()))
        }
    }

    /// Adds the decisions of tenant `id` to `state`; tenants must come in ascending id order.
    mutating func read(_ id: Int64, into state: inout TenantState) throws {
        for i in ranges.indices {
            while ranges[i].hasRow, let owner = ranges[i].statement.int64(17), owner <= id {
                let statement = ranges[i].statement
                if owner == id {
                    state.decisions[DecisionKey(AttributeID(statement.string(16) ?? ""), ranges[i].purpose)] = projection.decisionRecord(statement)
                }
                ranges[i].hasRow = try statement.step()
            }
        }
    }

    /// Ends reading (also when a pass stops early).
    func finish() { for range in ranges { range.statement.done() } }
}
