import ArgumentParser
import ConsentCommandLine
import ConsentStore
import Foundation
import SyncEngine

/// `consent sync set-aside`: move the event the centre refuses out of this device's outbox, kept and listed.
struct SyncSetAside: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-aside", abstract: "Set aside the event at the head of this device's outbox that the centre refuses.",
        discussion: """
            The centre must refuse the event (as the last `consent sync` reported); it keeps the event's hash as a link in \
            this device's chain and applies nothing of it. Here the event stays in the ledger, is listed by --list and is \
            recorded in the audit log (`consent audit log`); the next `consent sync` sends the changes after it.
            """)

    @OptionGroup var store: StoreOptions
    @Flag(help: "Set aside the export record the centre refuses (the record of what an export sent) instead of an event.") var export = false
    @Flag(help: "List the events and export records set aside on this device instead.") var list = false
    @Flag(name: .customLong("json"), help: "Print JSON.") var ownJSON = false
    /// `consent sync` takes `--json` too, and the parser gives it to `sync` when it comes after `set-aside`.
    @ParentCommand var sync: SyncCommand

    func run() async throws {
        let json = ownJSON || sync.json
        let db = try store.open()
        if list {
            let (events, exports) = (try db.setAsideEvents(), try db.setAsideExports())
            if json { return try printJSON(SetAsideList(events: events, exports: exports)) }
            if events.isEmpty && exports.isEmpty { print("Nothing of this device has been set aside.") }
            let time = ISO8601DateFormatter()
            for e in events {
                print("event \(db.device)#\(e.sequence)\t\(e.kind) for \(e.tenant)\tset aside \(time.string(from: e.at))\t\(e.reason)")
            }
            for e in exports { print("export \(e.exportID)\tset aside \(time.string(from: e.at))\t\(e.reason)") }
            return
        }
        guard let settings = try db.syncSettings(), let url = URL(string: settings.server) else {
            throw CLIError("\(db.path) is not enrolled with a centre; there is no outbox to set anything aside from")
        }
        let transport = try HTTPTransport(server: url, device: db.device.rawValue, secret: settings.secret, caFile: settings.caFile)
        let client = SyncClient(database: db, transport: transport)
        if export {
            guard let record = try await client.setAsideExport() else {
                if json { return try printJSON([SetAsideExport]()) }
                print("The centre refuses none of this device's export records: there is nothing to set aside.")
                return
            }
            if json { return try printJSON([record]) }
            print("""
                Set aside the record of export \(record.exportID), which the centre refuses: \(record.reason)
                It is kept here and listed by `consent sync set-aside --list`; run `consent sync` to send the records after it.
                """)
            return
        }
        guard let event = try await client.setAside() else {
            if json { return try printJSON([SetAsideEvent]()) }
            print("Nothing waits to be sent from this device: there is no event to set aside.")
            return
        }
        if json { return try printJSON([event]) }
        print("""
            Set aside event \(db.device)#\(event.sequence) (\(event.kind) for \(event.tenant)), which the centre refuses: \(event.reason)
            It is kept here and listed by `consent sync set-aside --list`; run `consent sync` to send the changes after it.
            """)
    }
}

/// What `consent sync set-aside --list --json` prints.
private struct SetAsideList: Encodable {
    var events: [SetAsideEvent]
    var exports: [SetAsideExport]
}
