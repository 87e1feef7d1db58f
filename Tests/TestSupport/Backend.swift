/// The centre's storage a test runs against: the suites that check both take it as a
/// `@Test(arguments: Backend.allCases)` parameter, so one body of test code checks both. On
/// PostgreSQL the centre is a database of the test process's ``ThrowawayPostgres``.
public enum Backend: String, CaseIterable, Sendable {
    /// A SQLite centre (`SQLiteCentralStore`, or `consent serve --db`).
    case sqlite
    /// A PostgreSQL centre (`PostgresCentralStore`, or `consent serve --database`).
    case postgres
}
