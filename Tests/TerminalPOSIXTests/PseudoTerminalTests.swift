import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TerminalPOSIX

/// The real terminal's reads, writes and size against a pseudo-terminal this test holds both ends of.
/// (`start()` is not called here: it changes the signal handling of the whole test process. The
/// kiosk's end-to-end tests run it under tmux.)
@Suite struct PseudoTerminalTests {
    /// Both ends of a new pseudo-terminal: the side a terminal emulator holds, and the kiosk's.
    final class Pair {
        private(set) var emulator: Int32
        var kiosk: Int32

        init() throws {
            // glibc's pseudo-terminal calls, which Swift's Glibc module leaves out (they need _XOPEN_SOURCE).
            func libc<F>(_ name: String, _: F.Type) throws -> F {
                guard let symbol = dlsym(nil, name) else { throw Failure("no \(name) in the C library") }
                return unsafeBitCast(symbol, to: F.self)
            }
            typealias OnDescriptor = @convention(c) (Int32) -> Int32
            let openpt = try libc("posix_openpt", OnDescriptor.self), grant = try libc("grantpt", OnDescriptor.self)
            let unlock = try libc("unlockpt", OnDescriptor.self), ptsname = try libc("ptsname", (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)
            emulator = openpt(O_RDWR | O_NOCTTY)
            guard emulator >= 0, grant(emulator) == 0, unlock(emulator) == 0, let name = ptsname(emulator) else {
                throw Failure("no pseudo-terminal: \(String(cString: strerror(errno)))")
            }
            kiosk = open(name, O_RDWR | O_NOCTTY)
            guard kiosk >= 0 else { throw Failure("cannot open \(String(cString: name))") }
        }

        func type(_ text: String) { _ = Array(text.utf8).withUnsafeBytes { Glibc.write(emulator, $0.baseAddress, $0.count) } }

        /// What reached the emulator's side within `milliseconds`.
        func shown(within milliseconds: Int32 = 2_000) -> String {
            var poller = pollfd(fd: emulator, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, milliseconds) > 0 else { return "" }
            var buffer = [UInt8](repeating: 0, count: 4_096)
            let n = buffer.withUnsafeMutableBytes { Glibc.read(emulator, $0.baseAddress, $0.count) }
            return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
        }

        /// Closes the emulator's side once: a second close could shut a descriptor number another test
        /// (running in parallel in this process) has since been given.
        func closeEmulator() {
            if emulator >= 0 { close(emulator) }
            emulator = -1
        }

        deinit {
            closeEmulator()
            close(kiosk)
        }
    }

    struct Failure: Error { let why: String; init(_ why: String) { self.why = why } }

    @Test func whatIsTypedIsReadAndWhatIsWrittenIsShown() throws {
        let pair = try Pair()
        defer { withExtendedLifetime(pair) {} }
        let terminal = Terminal(input: pair.kiosk, output: pair.kiosk)
        #expect(terminal.read(timeout: 50).isEmpty, "nothing typed: the read returns at its timeout")
        pair.type("42\n")
        #expect(String(decoding: terminal.read(timeout: 2_000), as: UTF8.self) == "42\n")
        _ = pair.shown(within: 200) // the line discipline's echo of what was typed
        terminal.write("Hello, Ana")
        #expect(pair.shown() == "Hello, Ana")
        #expect(!terminal.stopRequested)
    }

    @Test func aTerminalThatGoesAwayAsksTheKioskToStop() throws {
        let pair = try Pair()
        // Held to the end: Swift may end an object's life after its last use, and the pair's end would close the
        // kiosk's descriptor while the terminal still polls its number, which a test running alongside may have
        // been given since (its typed input and its output would then be read here).
        defer { withExtendedLifetime(pair) {} }
        let terminal = Terminal(input: pair.kiosk, output: pair.kiosk)
        pair.closeEmulator()
        let started = Date()
        while !terminal.stopRequested && Date().timeIntervalSince(started) < 5 { _ = terminal.read(timeout: 100) }
        #expect(terminal.stopRequested, "the other side closed: nothing more can be typed")
    }

    @Test func aTerminalWithoutASizeIsTakenAsEightyByTwentyFour() throws {
        let pair = try Pair()
        defer { withExtendedLifetime(pair) {} }
        let size = Terminal(input: pair.kiosk, output: pair.kiosk).size()
        #expect(size.width == 80 && size.height == 24)
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        defer { close(pipeEnds[0]); close(pipeEnds[1]) }
        let piped = Terminal(input: pipeEnds[0], output: pipeEnds[1]).size()
        #expect(piped.width == 80 && piped.height == 24, "not a terminal")
    }

    @Test func kioskModeRefusesInputThatIsNotATerminalAndWritesNothing() throws {
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        defer { close(pipeEnds[0]); close(pipeEnds[1]) }
        let output = try Pair()
        defer { withExtendedLifetime(output) {} }
        let terminal = Terminal(input: pipeEnds[0], output: output.kiosk)
        #expect(throws: TerminalError.self) { try terminal.start() }
        #expect(output.shown(within: 100) == "", "no escape sequences were sent")
        terminal.stop()
        #expect(output.shown(within: 100) == "", "stopping a terminal never started writes nothing either")
    }
}
