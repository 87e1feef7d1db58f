import ConsentCore
import ConsentForms
import ConsentStore
import Foundation
import GRDB
import TestSupport

/// A fresh database in its own temporary folder, removed at the end.
final class TempDatabase {
    let dir: URL
    let path: String
    /// The key-encryption key the database was created with (kept in memory, as a test may want it).
    let key = KeyEncryptionKey.generate()
    var db: ConsentDatabase

    init(clock: @escaping @Sendable () -> Date = Date.init) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        path = dir.appendingPathComponent("consent.sqlite").path
        db = try ConsentDatabase.create(at: path, validator: Shipped.content.validator, device: DeviceID("kiosk-test"), clock: clock, key: key)
    }

    /// Runs raw SQL on the files, as an attacker with file access would (triggers dropped first).
    func tamper(_ sql: String) throws {
        try db.close()
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { d in
            try d.execute(sql: "ATTACH DATABASE ? AS vault", arguments: [ConsentDatabase.vaultPath(for: path)])
            try d.execute(sql: "DROP TRIGGER IF EXISTS ledger_append_only_update; DROP TRIGGER IF EXISTS ledger_append_only_delete")
            try d.execute(sql: sql)
        }
        try queue.close()
        db = try ConsentDatabase.open(at: path, validator: Shipped.content.validator, key: key)
    }

    /// Opens the database again (closing the current connection first), with `key`.
    func reopen(key: KeyEncryptionKey?) throws -> ConsentDatabase {
        try db.close()
        return try ConsentDatabase.open(at: path, validator: Shipped.content.validator, key: key, keyProblem: key == nil ? "test without key" : nil)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }
}

extension TenantRef: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

func register(_ ref: TenantRef, _ values: [String: String]) -> ChangeRequest {
    ChangeRequest(tenant: ref, payload: .registration(values: Dictionary(uniqueKeysWithValues: values.map {
        (AttributeID($0.key), $0.value == "<pnts>" ? AttributeValue.preferNotToSay : .value($0.value))
    })), actor: .system("test"), channel: .importFile)
}

func decide(_ ref: TenantRef, _ purpose: String, _ attributes: [String], _ state: DecisionState, channel: Channel = .kiosk) -> ChangeRequest {
    ChangeRequest(tenant: ref, payload: .decision(
        PurposeID(purpose), attributes.map { AttributeID($0) }, state,
        notice: state == .granted ? NoticeShown(version: 1, language: "en") : nil, validUntil: nil),
        // The tenant records at the kiosk; elsewhere a member of staff keys the choice.
        actor: channel == .kiosk ? .tenant : .staff(StaffID("S1"), verification: "signed-form", reason: "paper-campaign"), channel: channel)
}

let annValues = [
    "full-name": "Ann Smith", "date-of-birth": "1970-05-01", "address": "1 High Street, Leeds", "postcode": "LS1 1AA",
    "email": "ann@example.org", "mobile": "07700900123", "religion": "<pnts>", "health-needs": "Uses a wheelchair QZXW",
    "ethnic-origin": "white-irish",
]
