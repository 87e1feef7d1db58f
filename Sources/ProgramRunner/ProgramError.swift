import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a program could not be started; each says what to do.
public enum ProgramError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No such executable (on the `PATH`, for a bare name); `package` is the Debian package that installs it.
    case notInstalled(String, package: String?)
    /// The system refused to start it (`errno`).
    case cannotStart(String, errno: Int32)
    /// No pipe or file for its standard streams (`errno`), e.g. too many open files.
    case noStreams(String, errno: Int32)

    public var description: String {
        switch self {
        case let .notInstalled(program, package?):
            "\(program) is not installed: apt-get install \(package)"
        case let .notInstalled(program, nil):
            "\(program) is not installed (not found on PATH): install it, or give its full path"
        case let .cannotStart(program, code):
            "cannot start \(program): \(String(cString: strerror(code))); check that it is an executable this user may run"
        case let .noStreams(program, code):
            "cannot connect the input and output of \(program): \(String(cString: strerror(code))); "
                + "if it says too many open files, raise the limit (ulimit -n) or end other programs"
        }
    }
}
