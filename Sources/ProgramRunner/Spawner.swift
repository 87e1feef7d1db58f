import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `posix_spawn` with the file actions a ``Program`` needs: its three standard streams, its folder, and every
/// other descriptor of this process closed in the child.
enum Spawner {
    static func start(_ program: Program, stdin: Input, stdout: Output, stderr: Output) throws(ProgramError) -> RunningProgram {
        // Pipe ends are close-on-exec from birth: none may reach another child started meanwhile (whose end
        // would then hold this one's pipe open).
        var opened: [Int32] = []
        func pipeEnds() throws(ProgramError) -> (read: Int32, write: Int32) {
            guard let ends = closeOnExecPipe() else {
                let code = errno
                opened.forEach { close($0) }
                throw .noStreams(program.path, errno: code)
            }
            opened += [ends.read, ends.write]
            return ends
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }

        var parentEnds: [Int32?] = [nil, nil, nil], childEnds: [Int32] = []
        switch stdin {
        case .null: posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .file(let path): posix_spawn_file_actions_addopen(&actions, 0, path, O_RDONLY, 0)
        case .descriptor(let fd): posix_spawn_file_actions_adddup2(&actions, fd, 0)
        case .pipe:
            let ends = try pipeEnds()
            posix_spawn_file_actions_adddup2(&actions, ends.read, 0)
            parentEnds[0] = ends.write
            childEnds.append(ends.read)
        }
        for (target, output) in [(Int32(1), stdout), (Int32(2), stderr)] {
            switch output {
            case .null: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            case .inherit: break
            case .standardOutput: posix_spawn_file_actions_adddup2(&actions, 1, target)
            case let .file(path, append):
                posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0o600)
            case .descriptor(let fd): posix_spawn_file_actions_adddup2(&actions, fd, target)
            case .pipe:
                let ends = try pipeEnds()
                posix_spawn_file_actions_adddup2(&actions, ends.write, target)
                parentEnds[Int(target)] = ends.read
                childEnds.append(ends.write)
            }
        }
        closeInherited(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with every signal at its default and none blocked: it would otherwise inherit what this
        // process ignores (SIGPIPE, for the speaker) or blocks (the Swift runtime blocks some on its threads; a
        // server's child then never saw SIGTERM).
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var command = [program.path] + program.arguments
        var path = program.path
        if let directory = program.directory, !changeDirectory(&actions, to: directory) {
            // No chdir action in this libc: a shell changes the folder, then becomes the program.
            command = ["/bin/sh", "-c", #"cd "$0" && exec "$@""#, directory] + command
            path = "/bin/sh"
        }
        let environment = program.environment ?? ProcessInfo.processInfo.environment
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        childEnds.forEach { close($0) }
        guard code == 0 else {
            parentEnds.compactMap { $0 }.forEach { close($0) }
            throw .cannotStart(program.path, errno: code)
        }
        let handle = { (fd: Int32?) in fd.map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) } }
        return RunningProgram(pid: pid, standardInput: handle(parentEnds[0]), standardOutput: handle(parentEnds[1]),
                              standardError: handle(parentEnds[2]))
    }

    /// Writes all of `data` to `fd`; false when the reader has gone (EPIPE) or another error stops it. SIGPIPE,
    /// which such a write raises and which would end this whole process, is blocked on this thread meanwhile and
    /// taken back if it came.
    static func writeAll(_ data: Data, to fd: Int32) -> Bool {
        var pipeSignal = sigset_t(), previous = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let written = data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Bool in
            var offset = 0
            while offset < bytes.count {
                let count = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += count
            }
            return true
        }
        if !written && errno == EPIPE {
            // The SIGPIPE that write raised is pending on this thread: take it, so it is not delivered once unblocked.
            var none = timespec()
            while sigtimedwait(&pipeSignal, nil, &none) == -1 && errno == EINTR {}
        }
        return written
    }

    /// A pipe whose two ends are close-on-exec; nil (and `errno` set) when there is none. glibc's `pipe2` does it
    /// at once (no child started meanwhile on another thread inherits the ends) but is not visible to Swift, so it
    /// is looked up by name.
    static func closeOnExecPipe() -> (read: Int32, write: Int32)? {
        typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
        var ends: [Int32] = [-1, -1]
        if let symbol = dlsym(nil, "pipe2") {
            guard unsafeBitCast(symbol, to: Pipe2.self)(&ends, O_CLOEXEC) == 0 else { return nil }
        } else {
            guard pipe(&ends) == 0 else { return nil }
            for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        return (ends[0], ends[1])
    }

    /// Adds a file action closing every descriptor above 2 in the child, after the standard streams are in place.
    /// Without it a child inherits whatever this process holds open without close-on-exec at that moment
    /// (Foundation opens files that way): a long-lived child then keeps, say, a copied program open for writing,
    /// and starting that program fails with "Text file busy". glibc's `posix_spawn_file_actions_addclosefrom_np`
    /// (2.34 and later) is not visible to Swift, so it is looked up by name; without it, the descriptors open now
    /// are closed one by one.
    static func closeInherited(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
            if closeFrom(&actions, 3) == 0 { return }
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap { Int32($0) } ?? []
        for fd in open where fd > 2 && fcntl(fd, F_GETFD) >= 0 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
    }

    /// Adds glibc's `posix_spawn_file_actions_addchdir_np` (2.29 and later, looked up by name as above); false
    /// when this libc has none.
    static func changeDirectory(_ actions: inout posix_spawn_file_actions_t, to directory: String) -> Bool {
        typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else { return false }
        let addChdir = unsafeBitCast(symbol, to: ChangeDirectory.self)
        return addChdir(&actions, directory) == 0
    }
}
