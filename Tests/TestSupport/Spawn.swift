import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to its end with `posix_spawn` and collects what it printed. Tests use it instead of
/// Foundation's `Process`, whose `run()` on Linux (swift-corelibs-foundation before #5472) copies 256 bytes of
/// each `/proc/self/fd` entry and now and then reads past an unmapped page, killing the whole test process
/// with SIGSEGV; the more programs a suite starts, the likelier.
public enum Spawn {
    /// What a finished program left: its exit status (the signal's number when a signal ended it), its output.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: Data
        public var killedBySignal: Bool
    }

    /// The program could not be started.
    public struct Failed: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `executable` with `arguments` in `directory`, `stdin` written to it, under exactly `environment`.
    public static func run(_ executable: String, _ arguments: [String], in directory: String? = nil, stdin: Data? = nil,
                           environment: [String: String]) throws -> Result {
        var input: [Int32] = [-1, -1], output: [Int32] = [-1, -1], errors: [Int32] = [-1, -1]
        guard pipe(&input) == 0, pipe(&output) == 0, pipe(&errors) == 0 else {
            throw Failed(description: "no pipe for \(executable): errno \(errno)")
        }
        // None of these ends may reach another test's child (its reader would wait for that child's end too).
        for fd in input + output + errors { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        closeInherited(&actions)
        // The folder is changed by a shell that then becomes the program (glibc's chdir action is not visible here).
        let command = directory.map { ["/bin/sh", "-c", #"cd "$0" && exec "$@""#, $0, executable] + arguments } ?? [executable] + arguments
        var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let started = posix_spawn(&pid, command[0], &actions, nil, &argv, &envp)
        close(input[0])
        close(output[1])
        close(errors[1])
        let writer = FileHandle(fileDescriptor: input[1], closeOnDealloc: true)
        let outReader = FileHandle(fileDescriptor: output[0], closeOnDealloc: true)
        let errReader = FileHandle(fileDescriptor: errors[0], closeOnDealloc: true)
        guard started == 0 else { throw Failed(description: "cannot start \(executable): errno \(started)") }
        // Standard error is drained on another thread so neither pipe can fill and block the child.
        nonisolated(unsafe) var errData = Data()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errData = errReader.readDataToEndOfFile()
            drained.signal()
        }
        if let stdin { writer.write(stdin) }
        try writer.close()
        let outData = outReader.readDataToEndOfFile()
        drained.wait()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let signal = status & 0x7F
        return signal == 0
            ? Result(status: (status >> 8) & 0xFF, stdout: outData, stderr: errData, killedBySignal: false)
            : Result(status: signal, stdout: outData, stderr: errData, killedBySignal: true)
    }

    /// Adds a file action closing every descriptor above 2 in the child. Without it a child inherits whatever
    /// this process held open without close-on-exec at the moment (Foundation opens files that way): another
    /// test's long-lived server then keeps, say, a copied program open for writing, and starting that program
    /// fails with "Text file busy". glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later) is not
    /// visible to Swift, so it is looked up by name (a nil handle is glibc's RTLD_DEFAULT); without it, the descriptors open now are listed instead.
    public static func closeInherited(_ actions: inout posix_spawn_file_actions_t) {
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
}
