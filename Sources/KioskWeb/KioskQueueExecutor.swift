import Dispatch

/// The web kiosk's own serial executor: a dispatch queue, so the kiosk's blocking work (its SQLite
/// writes, and a fetch from the centre that waits for an HTTP request made on Swift's cooperative pool)
/// never holds a thread of that pool. The pool has one thread per core: on a one-core kiosk an actor
/// blocked on the pool would leave no thread to run the request it waits for, and the kiosk would freeze
/// at the first sign-in of a tenant it does not hold.
final class KioskQueueExecutor: SerialExecutor, @unchecked Sendable {
    /// Marks the executor's queue, so a check can tell that work runs there (``isCurrent``).
    private static let key = DispatchSpecificKey<Bool>()
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
        queue.setSpecific(key: Self.key, value: true)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }

    /// Whether the caller runs on a kiosk executor's queue (not on the cooperative pool).
    static var isCurrent: Bool { DispatchQueue.getSpecific(key: key) == true }
}
