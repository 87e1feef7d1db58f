import Foundation
import Testing

/// Runs a test on threads of its own instead of Swift's cooperative pool.
///
/// The cooperative pool has one thread per core, two on these machines, and every test of the process shares it. A
/// test that waits on a program, a terminal or a browser holds its thread for as long as it waits; two of them
/// starve the rest for minutes: an in-process centre stops answering, a sync loop's timer never fires. Tests under
/// this trait run on ``WaitingThreads`` (a thread for each job that is ready to run, so a server a test starts keeps
/// answering while the test blocks), and at most ``WaitingThreads/concurrentTests`` of them at a time, so the
/// machine is not flooded with programs either.
///
/// Give it to every suite whose tests block on something outside the process, and to tests that need timers
/// or a server to keep their pace while a full run is busy.
public struct OwnThreadsTrait: SuiteTrait, TestTrait, TestScoping {
    /// Whether each test waits for one of ``WaitingThreads/concurrentTests`` turns (false for light tests).
    let takesTurn: Bool

    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        // A suite is scoped once around all its tests, and a test inside two suites that have the trait is
        // scoped twice: each test case takes one turn.
        guard testCase != nil, !WaitingThreads.onThem else { return try await function() }
        guard takesTurn else {
            return try await WaitingThreads.$onThem.withValue(true) {
                try await withTaskExecutorPreference(WaitingThreads.shared) { try await function() }
            }
        }
        TurnLog.noteRunStarted()
        await WaitingThreads.turns.take()
        let began = ContinuousClock.now
        defer {
            WaitingThreads.turns.give()
            TurnLog.record(test: test, testCase: testCase, began: began)
        }
        try await WaitingThreads.$onThem.withValue(true) {
            try await withTaskExecutorPreference(WaitingThreads.shared) { try await function() }
        }
    }
}

extension Trait where Self == OwnThreadsTrait {
    /// Runs the test (every test of the suite) on threads of its own; see ``OwnThreadsTrait``.
    public static var ownThreads: Self { OwnThreadsTrait(takesTurn: true) }

    /// Runs the test on threads of its own without waiting for a turn: for light tests that start no program and
    /// need only their timers to keep pace. Early in a full run, when the machine is busiest, three such tests took
    /// every turn for 70 to 90 s (each takes 0.2 s alone), and every test that starts programs waited behind them.
    public static var lightOwnThreads: Self { OwnThreadsTrait(takesTurn: false) }
}

/// A task executor with a thread for every job ready to run: an idle thread takes the next job, and a new thread
/// starts when none is idle. Threads stay for the rest of the process (a test run's peak is a few dozen).
public final class WaitingThreads: TaskExecutor, @unchecked Sendable {
    /// The one executor the tests share.
    public static let shared = WaitingThreads()

    /// How many tests run on these threads at once: one more than the machine has cores (at least three), since
    /// such tests spend much of their time waiting on their programs, or `CONSENT_TEST_TURNS` when set. On two
    /// cores a full run took 1,161 s with two turns and 1,064 s with three (`CONSENT_TEST_TURNS_LOG` shows where the
    /// time goes).
    public static let concurrentTests = ProcessInfo.processInfo.environment["CONSENT_TEST_TURNS"].flatMap(Int.init).map { max(1, $0) }
        ?? max(3, ProcessInfo.processInfo.activeProcessorCount + 1)

    /// Whether this task already runs a test on these threads.
    @TaskLocal static var onThem = false

    /// The turns tests take to run on these threads.
    static let turns = Turns(count: concurrentTests)

    /// A thread waiting for its next job.
    private final class Worker: @unchecked Sendable {
        let wake = DispatchSemaphore(value: 0)
        var job: UnownedJob?
    }

    private let lock = NSLock()
    private var idle: [Worker] = []

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let waiting: Worker? = lock.withLock { idle.popLast() }
        if let waiting {
            waiting.job = job
            waiting.wake.signal()
        } else {
            let worker = Worker()
            worker.job = job
            let thread = Thread { [self] in work(as: worker) }
            thread.name = "test-own-thread"
            thread.start()
        }
    }

    private func work(as worker: Worker) {
        while true {
            if let job = worker.job {
                worker.job = nil
                job.runSynchronously(on: asUnownedTaskExecutor())
            }
            lock.withLock { idle.append(worker) }
            worker.wake.wait()
        }
    }
}

/// A first-come, first-served count of turns: `take()` waits while every turn is taken.
final class Turns: @unchecked Sendable {
    private let lock = NSLock()
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(count: Int) { free = count }

    func take() async {
        await withCheckedContinuation { (turn: CheckedContinuation<Void, Never>) in
            let now = lock.withLock {
                if free > 0 { free -= 1; return true }
                waiting.append(turn)
                return false
            }
            if now { turn.resume() }
        }
    }

    func give() {
        let next: CheckedContinuation<Void, Never>? = lock.withLock {
            if waiting.isEmpty { free += 1; return nil }
            return waiting.removeFirst()
        }
        next?.resume()
    }
}

/// Where a run says how long each test held its turn: the file named by `CONSENT_TEST_TURNS_LOG`, if set, gets a
/// line "seconds held<TAB>seconds into the run when it took the turn<TAB>test" per test case, so the tests that
/// make a full run long can be found (`sort -rn`), and what ran beside a test that held its turn far longer than
/// it takes alone.
enum TurnLog {
    private static let lock = NSLock()
    private static let path = ProcessInfo.processInfo.environment["CONSENT_TEST_TURNS_LOG"]
    /// When the first test asked for a turn (set by ``noteRunStarted()``).
    private static let start = ContinuousClock.now

    /// Fixes the run's start, if not yet fixed.
    static func noteRunStarted() { _ = start }

    static func record(test: Test, testCase: Test.Case?, began: ContinuousClock.Instant) {
        guard let path else { return }
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        let line = String(format: "%.1f\t%.1f", seconds(ContinuousClock.now - began), seconds(began - start)) + "\t\(test.id)\n"
        lock.withLock {
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: path) else { return }
            defer { try? handle.close() }
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: Data(line.utf8))
        }
    }
}
