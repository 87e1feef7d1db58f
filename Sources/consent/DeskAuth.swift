import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentStore
import Foundation
import TerminalPOSIX

/// How a desk command's member of staff proves who they are: their password (asked on a terminal,
/// or one line of standard input), or their session from `consent staff login`.
struct DeskAuthOptions: ParsableArguments {
    @Flag(help: "Read your staff password from standard input, one line (for scripts); without it you are asked on a terminal, unless `consent staff login` started a session.")
    var passwordStdin = false

    /// The member of staff `id`, signed in (see `ConsentDatabase.deskSignIn`).
    func member(_ id: String, _ db: ConsentDatabase) throws -> StaffMember {
        try db.deskSignIn(id, password: try password(), ask: { Self.ask(id) })
    }

    /// Asks `id`'s password on the terminal (nil when there is none, or at Ctrl-D).
    static func ask(_ id: String) -> String? { PasswordPrompt.ask("Password for \(id) (Ctrl-D to cancel): ") }

    /// The line given on standard input with --password-stdin, else nil.
    func password() throws -> String? {
        guard passwordStdin else { return nil }
        guard let line = readLine(strippingNewline: true) else {
            throw CLIError("--password-stdin: standard input was empty; give the password as its first line")
        }
        return line
    }
}

extension Staff {
    struct Login: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "login",
            abstract: "Start a 15-minute desk session: desk commands with --staff ID then need no password.",
            discussion: """
                The session is kept beside the database (X.sessions/ID, readable by you only) as a random token whose hash \
                only the database holds; it works for this member of staff on this database until it ends or \
                `consent staff logout ID`. It is never extended: log in again after 15 minutes.
                """)

        @OptionGroup var store: StoreOptions

        @Argument(help: "Your staff id.")
        var id: String

        @OptionGroup var auth: DeskAuthOptions

        func run() throws {
            let db = try store.open()
            guard let password = try auth.password() ?? DeskAuthOptions.ask(id) else {
                throw CLIError("give your password: type it when asked (on a terminal) or on standard input with --password-stdin")
            }
            let session = try db.startDeskSession(id, password: password)
            let time = ISO8601DateFormatter.string(from: session.ends, timeZone: TimeZone(identifier: "UTC") ?? .current,
                                                   formatOptions: [.withTime, .withColonSeparatorInTime])
            print("Signed in as \(session.staff.id) (\(session.staff.role.rawValue)) until \(time) UTC; `consent staff logout \(session.staff.id)` ends it sooner.")
        }
    }

    struct Logout: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "logout", abstract: "End a desk session started with `consent staff login`.")

        @OptionGroup var store: StoreOptions

        @Argument(help: "The staff id whose session ends.")
        var id: String

        func run() throws {
            let ended = try store.open().endDeskSession(id)
            print(ended ? "Signed out \(id)." : "\(id) had no desk session here.")
        }
    }
}
