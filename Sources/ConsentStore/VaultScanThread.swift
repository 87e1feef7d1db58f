import ConsentCore
import ConsentVault
import Foundation
import GRDB

/// Reads and opens the sealed special-category values of every tenant on a second connection and
/// thread, while the caller's thread reads everything else. The vault is a file of its own, so its
/// scan and the AES-GCM opening run on the other core instead of adding to the export's time.
///
/// Both connections must read the same state: the side connection starts its read transaction,
/// then checks that the ledger's last position is the one the caller's transaction read. Every
/// change to current values appends to the ledger, so equal positions mean equal projections; when
/// they differ (a write landed in between), ``start(database:attributes:devices:position:)``
/// returns nil and the caller reads the vault itself.
final class VaultScanThread: @unchecked Sendable {
    /// Consecutive tenants' opened values, one slot per tenant and attribute (nil: none recorded).
    struct Batch {
        var tenants: [Int64] = []
        var records: [ValueRecord?] = []
    }

    private let channel = BatchChannel<Batch>(capacity: 3)
    private let done = DispatchSemaphore(value: 0)
    private let attributes: [AttributeID]
    private var batch = Batch()
    private var index = 0

    /// Tenants handed over at a time.
    static let batchSize = 256

    private init(attributes: [AttributeID]) { self.attributes = attributes }

    /// Starts the side scan, or returns nil when it would not read the caller's snapshot (or cannot
    /// open its connection), in which case the caller reads the vault itself.
    static func start(database: ConsentDatabase, attributes: [AttributeID], devices: DeviceNumbers, position: Int64) -> VaultScanThread? {
        let scan = VaultScanThread(attributes: attributes)
        let ready = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var sameSnapshot = false
        let keys = database.keys
        let (path, vaultPath) = (database.path, database.vaultPath)
        let thread = Thread {
            defer { scan.done.signal() }
            var failure: (any Error)?
            do {
                var config = Configuration()
                config.readonly = true
                config.busyMode = .timeout(10)
                config.prepareDatabase { db in
                    try db.execute(sql: "ATTACH DATABASE ? AS vault", arguments: [vaultPath])
                    // One forward scan: a small page cache is enough, and keeps the export's memory low.
                    try db.execute(sql: "PRAGMA cache_size = -500; PRAGMA vault.cache_size = -500")
                }
                let side = try DatabaseQueue(path: path, configuration: config)
                defer { try? side.close() }
                try side.read { db in
                    sameSnapshot = try Int64.fetchOne(db, sql: "SELECT max(position) FROM ledger") ?? 0 == position
                    ready.signal()
                    guard sameSnapshot else { return }
                    try scan.run(db, devices: devices, keys: keys)
                }
            } catch {
                failure = error
                if !sameSnapshot { ready.signal() }
            }
            scan.channel.finish(throwing: failure)
        }
        thread.name = "consent.vault-scan"
        thread.stackSize = 1 << 20
        thread.start()
        ready.wait()
        guard sameSnapshot else {
            scan.done.wait()
            return nil
        }
        return scan
    }

    /// The side thread's loop: tenants in register order, each with its opened values.
    private func run(_ db: Database, devices: DeviceNumbers, keys: VaultKeyring) throws {
        guard var values = try ValueScan(db, attributes, devices: devices, keys: keys) else { return }
        defer { values.finish() }
        let tenants = try RawStatement(db, "SELECT id, ref FROM tenant ORDER BY id")
        defer { tenants.done() }
        var out = Batch()
        var state = TenantState(ref: TenantRef(""))
        while try tenants.step() {
            let id = tenants.int64(0) ?? 0
            state.ref = TenantRef(tenants.string(1) ?? "")
            state.values.removeAll(keepingCapacity: true)
            try values.read(id, into: &state)
            out.tenants.append(id)
            for attribute in attributes { out.records.append(state.values[attribute]) }
            if out.tenants.count == Self.batchSize {
                guard channel.send(out) else { return }
                out = Batch()
            }
        }
        if !out.tenants.isEmpty { _ = channel.send(out) }
    }

    /// Adds tenant `id`'s special-category values to `state`; tenants come in the same order on
    /// both threads.
    func read(_ id: Int64, into state: inout TenantState) throws {
        if index == batch.tenants.count {
            guard let next = try channel.receive() else { throw StoreError.sqlite("the vault scan ended before tenant \(id)") }
            batch = next
            index = 0
        }
        guard batch.tenants[index] == id else {
            throw StoreError.sqlite("the vault scan is out of step (tenant \(batch.tenants[index]), expected \(id)); run the export again")
        }
        let first = index * attributes.count
        for (offset, attribute) in attributes.enumerated() {
            if let record = batch.records[first + offset] { state.values[attribute] = record }
        }
        index += 1
    }

    /// Stops the side thread (also when the caller stops early) and waits for it to let go of its connection.
    func finish() {
        channel.cancel()
        done.wait()
    }
}

/// A bounded hand-over of items from one producing thread to one consuming thread; the consumer
/// may cancel, the producer ends it with or without an error.
final class BatchChannel<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    /// At most `capacity` items: taking the first one is cheap.
    private var items: [Element] = []
    private var finished = false
    private var cancelled = false
    private var failure: (any Error)?
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Waits for room and hands `item` over; false when the consumer has cancelled.
    func send(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// The next item, or nil once the producer has finished and everything was taken.
    func receive() throws -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !finished { condition.wait() }
        if !items.isEmpty {
            condition.broadcast()
            return items.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// The producer is done (with `error` when it failed).
    func finish(throwing error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The consumer wants no more.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
