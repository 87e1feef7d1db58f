import Foundation
import GRDB
import GRDBSQLite

/// Direct binding and stepping of a cached GRDB statement, for the ledger's hot paths (one
/// append writes several rows; building GRDB argument arrays cost more than SQLite itself).
/// Only used inside a GRDB write block, on GRDB's own connection.
struct RawStatement {
    private let statement: OpaquePointer
    private let connection: OpaquePointer?
    private var index: Int32 = 0
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database, _ sql: String) throws {
        try self.init(db, try db.cachedStatement(sql: sql))
    }

    /// Wraps a statement prepared earlier (see ``StatementCache``), skipping the SQL lookup.
    init(_ db: Database, _ prepared: Statement) throws {
        statement = prepared.sqliteStatement
        connection = db.sqliteConnection
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    mutating func bind(_ value: Int64?) {
        index += 1
        if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
    }

    mutating func bind(_ value: Int?) { bind(value.map(Int64.init)) }

    mutating func bind(_ value: Bool?) { bind(value.map { $0 ? Int64(1) : 0 }) }

    mutating func bind(_ value: String?) {
        index += 1
        guard let value else { sqlite3_bind_null(statement, index); return }
        var copy = value
        let statement = self.statement, index = self.index
        copy.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = sqlite3_bind_text(statement, index, chars.baseAddress, Int32(chars.count), Self.transient)
            }
        }
    }

    /// Binds `bytes` as text (UTF-8, as SQLite keeps it), not as a blob.
    mutating func bind(text bytes: [UInt8]) {
        index += 1
        let statement = self.statement, index = self.index
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                if let start = chars.baseAddress {
                    _ = sqlite3_bind_text(statement, index, start, Int32(chars.count), Self.transient)
                } else {
                    _ = sqlite3_bind_text(statement, index, "", 0, Self.transient)
                }
            }
        }
    }

    mutating func bind(_ value: Data?) {
        index += 1
        guard let value else { sqlite3_bind_null(statement, index); return }
        let statement = self.statement, index = self.index
        value.withUnsafeBytes { buffer in
            _ = sqlite3_bind_blob(statement, index, buffer.baseAddress, Int32(buffer.count), Self.transient)
        }
    }

    /// Runs a statement that returns no rows.
    func execute() throws {
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else { throw error(code) }
    }

    /// Steps once: true when a row is available (read it with the column accessors).
    func step() throws -> Bool {
        let code = sqlite3_step(statement)
        if code == SQLITE_ROW { return true }
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else { throw error(code) }
        return false
    }

    /// Ends reading rows.
    func done() { sqlite3_reset(statement) }

    func int64(_ column: Int32) -> Int64? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    /// The column's bytes, text or blob (empty for NULL), valid only inside `body`.
    func withBytes<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        if sqlite3_column_type(statement, column) == SQLITE_BLOB {
            let count = Int(sqlite3_column_bytes(statement, column))
            return body(UnsafeRawBufferPointer(start: sqlite3_column_blob(statement, column), count: count))
        }
        let text = sqlite3_column_text(statement, column)
        let count = Int(sqlite3_column_bytes(statement, column))
        return body(UnsafeRawBufferPointer(start: text.map { UnsafeRawPointer($0) }, count: text == nil ? 0 : count))
    }

    func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(statement, column) else { return nil }
        return String(cString: text)
    }

    private func error(_ code: Int32) -> DatabaseError {
        let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "SQLite error \(code)"
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
    }
}

/// Statements prepared once per write transaction and reused for every append in it, so the hot
/// path does not hash its SQL text on every row.
final class StatementCache {
    let db: Database
    private var statements: [Slot: Statement] = [:]

    /// One per hot statement: the cache is looked up by slot, never by hashing SQL text.
    enum Slot: Hashable {
        case tenantID, insertTenant, insertValue, insertLedger, insertLedgerNumbered, chainHead
        case decisionsOfTenant, decision, deleteCurrentValue, upsertCurrentValue, upsertDecision
        case acknowledge, numberDecision
    }

    init(_ db: Database) { self.db = db }

    /// The statement for `sql` in `slot`, prepared on first use.
    func raw(_ slot: Slot, _ sql: @autoclosure () -> String) throws -> RawStatement {
        if let statement = statements[slot] { return try RawStatement(db, statement) }
        let statement = try db.cachedStatement(sql: sql())
        statements[slot] = statement
        return try RawStatement(db, statement)
    }
}
