@preconcurrency import Dispatch
import CTerminalShims
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real terminal: raw mode, the alternate screen, mouse and paste reporting, reads with a
/// timeout, its size, and signals. A kiosk cannot be left with Ctrl-C, Ctrl-Z or Ctrl-\ (they
/// arrive as keys and are ignored); SIGTERM and SIGHUP ask the app to wipe the screen and exit.
public final class Terminal: @unchecked Sendable {
    private let input: Int32
    private let output: Int32
    private var original = termios()
    private var active = false
    private let lock = NSLock()
    private var signalSources: [DispatchSourceSignal] = []
    private var _stopRequested = false
    private var _resized = false

    public init(input: Int32 = 0, output: Int32 = 1) {
        self.input = input
        self.output = output
    }

    /// Whether SIGTERM or SIGHUP arrived.
    public var stopRequested: Bool { lock.withLock { _stopRequested } }

    /// Whether the window was resized since the last call (SIGWINCH).
    public func takeResize() -> Bool {
        lock.withLock {
            defer { _resized = false }
            return _resized
        }
    }

    /// Puts the terminal into kiosk mode.
    public func start() throws {
        guard isatty(input) == 1 else { throw TerminalError.notATerminal }
        guard tcgetattr(input, &original) == 0 else { throw TerminalError.notATerminal }
        var raw = original
        cfmakeraw(&raw)
        raw.c_oflag |= tcflag_t(OPOST | ONLCR)
        guard tcsetattr(input, TCSAFLUSH, &raw) == 0 else { throw TerminalError.notATerminal }
        active = true
        for sig in [SIGINT, SIGTSTP, SIGQUIT, SIGTTIN, SIGTTOU, SIGPIPE] { signal(sig, SIG_IGN) }
        for sig in [SIGTERM, SIGHUP, SIGWINCH] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.withLock {
                    if sig == SIGWINCH { self._resized = true } else { self._stopRequested = true }
                }
            }
            source.resume()
            signalSources.append(source)
        }
        // Alternate screen, hide cursor, SGR mouse, bracketed paste, and bidi explicit mode (ECMA-48 BDSM): lines
        // arrive already in visual order, so a terminal that reorders by itself must not do it again.
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[?1000h\u{1B}[?1006h\u{1B}[?2004h\u{1B}[8l")
    }

    /// Clears the screen and the scrollback, in the alternate screen and the normal one.
    public func wipe() {
        write("\u{1B}[0m\u{1B}[2J\u{1B}[3J\u{1B}[H")
    }

    /// Restores the terminal as it was, leaving nothing on screen.
    public func stop() {
        guard active else { return }
        active = false
        wipe()
        write("\u{1B}[8h\u{1B}[?2004l\u{1B}[?1006l\u{1B}[?1000l\u{1B}[?25h\u{1B}[?1049l")
        wipe()
        tcsetattr(input, TCSAFLUSH, &original)
        for source in signalSources { source.cancel() }
        signalSources = []
    }

    /// Rows and columns, or 24×80 when unknown.
    public func size() -> (width: Int, height: Int) {
        var rows: Int32 = 0, columns: Int32 = 0
        guard ct_window_size(output, &rows, &columns) == 0, rows > 0, columns > 0 else { return (80, 24) }
        return (Int(columns), Int(rows))
    }

    /// Writes all of `text`.
    public func write(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.write(output, base + offset, buffer.count - offset)
            }
            if n <= 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }

    /// Bytes typed, waiting at most `milliseconds`; empty when none came.
    public func read(timeout milliseconds: Int32) -> [UInt8] {
        var descriptor = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, milliseconds)
        guard ready > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
        if n == 0 { lock.withLock { _stopRequested = true } } // end of input: the terminal went away
        return n > 0 ? Array(buffer[0..<n]) : []
    }
}

/// Why the terminal could not be used.
public enum TerminalError: Error, CustomStringConvertible {
    case notATerminal
    public var description: String { "standard input is not a terminal; run the kiosk on a terminal (tty1, or tmux for testing)" }
}
