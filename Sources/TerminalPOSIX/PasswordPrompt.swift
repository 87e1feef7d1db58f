import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Asks for a password on the terminal without showing what is typed.
public enum PasswordPrompt {
    /// Writes `prompt` to standard error and reads one line from standard input with echo off, when
    /// standard input is a terminal; nil when it is not (a pipe, a script) or at the end of input.
    /// Ctrl-C is ignored while asking, so the terminal is never left without echo.
    public static func ask(_ prompt: String) -> String? {
        let input = STDIN_FILENO
        guard isatty(input) == 1 else { return nil }
        var saved = termios()
        guard tcgetattr(input, &saved) == 0 else { return nil }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        quiet.c_lflag |= tcflag_t(ECHONL)
        let previous = signal(SIGINT, SIG_IGN)
        defer {
            tcsetattr(input, TCSAFLUSH, &saved)
            signal(SIGINT, previous)
        }
        FileHandle.standardError.write(Data(prompt.utf8))
        guard tcsetattr(input, TCSAFLUSH, &quiet) == 0 else { return nil }
        return readLine(strippingNewline: true)
    }
}
