import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentForms
import ConsentRegister
import ConsentStore
import Foundation

extension Channel: ExpressibleByArgument {}

/// Options every staff-keyed change shares.
struct StaffChangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("How the tenant made the change: paper or phone (only the tenant records at the kiosk; imports and the system record their own).", valueName: "channel"))
    var channel: Channel = .paper

    @Option(help: ArgumentHelp("You, the member of staff keying it (see `consent staff add`), signed in with your password or `consent staff login`; every row of a batch names you.", valueName: "id"))
    var staff: String?

    @OptionGroup var auth: DeskAuthOptions

    @Option(help: ArgumentHelp("Why: a reason code (e.g. tenant-request, paper-campaign).", valueName: "code"))
    var reason: String?

    @Option(help: ArgumentHelp("How a caller's identity was checked (phone), e.g. dob+postcode.", valueName: "method"))
    var verification: String?

    @Option(help: ArgumentHelp("What was seen or given, e.g. 'form 2026-114, signed'.", valueName: "text"))
    var evidence: String?

    @Flag(help: "Print the recorded event as JSON.")
    var json = false
}

struct Record: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record a decision from a paper form, a call or a script, exactly as the kiosk or staff mode would.",
        discussion: """
            One decision for a purpose, covering the attributes named (repeat --attribute), by a member of staff, with
            the notice version and language the tenant was shown (required to record a grant of consent). What the
            kiosk or staff mode would refuse is refused here too: a grant without its notice, a change to a contract
            purpose, an unknown staff id. --signed gives a paper form's date: an older grant never overrides a later
            withdrawal.

            Many decisions at once: consent record --batch FILE.csv [--channel paper], with the columns reference,
            attribute, purpose, decision, date signed, staff, form version (and optionally language, reason, evidence).
            The whole file is refused, with row and column named, when any row is wrong. Each member of staff imports the
            rows they keyed: every row's staff is the one signed in with --staff.

            Who you are: --staff ID with your password (asked on a terminal, or --password-stdin for scripts), or a session
            from `consent staff login ID`. Wrong passwords count towards the lock as at the staff terminal.

            Four eyes: a grant that covers a special category, by phone or on paper, is held until another member of
            staff confirms it (`consent staff held`, then `consent staff confirm`, with the scanned form as evidence).
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "The tenancy reference (not with --batch).")
    var reference: String?

    @Argument(help: "grant, withdraw, object or not-asked (not with --batch).")
    var decision: String?

    @Option(help: ArgumentHelp("An attribute the decision covers (repeat for more).", valueName: "id"))
    var attribute: [String] = []

    @Option(help: ArgumentHelp("The purpose.", valueName: "id"))
    var purpose: String?

    @Option(help: ArgumentHelp("The notice version the tenant was shown.", valueName: "n"))
    var noticeVersion: Int?

    @Option(help: ArgumentHelp("The language of that notice (en, pl, ro, ur).", valueName: "code"))
    var language: String?

    @Option(help: ArgumentHelp("The date the tenant signed (YYYY-MM-DD or DD/MM/YYYY); default now.", valueName: "date"))
    var signed: String?

    @Option(help: ArgumentHelp("A paper campaign's CSV: every row recorded, or none.", valueName: "file"), completion: .file())
    var batch: String?

    @OptionGroup var change: StaffChangeOptions

    func validate() throws {
        if batch != nil {
            guard reference == nil, decision == nil else { throw ValidationError("--batch takes no reference or decision; they come from the file") }
            guard change.staff != nil else { throw ValidationError("give --staff ID: who keyed the file's forms (signed in)") }
        } else {
            guard reference != nil, decision != nil, purpose != nil, change.staff != nil, !attribute.isEmpty else {
                throw ValidationError("give REF and DECISION with --attribute, --purpose and --staff (or --batch FILE.csv)")
            }
        }
    }

    func run() throws {
        let (content, db) = try store.openWithContent()
        let member = try change.auth.member(change.staff ?? "", db)
        let records = PaperRecords(content: content, database: db)
        if let batch {
            do {
                guard change.channel != .phone else {
                    throw CLIError("calls are recorded one at a time (or in `consent staff`), so the four-eyes rule applies to each; use --channel paper for a campaign file")
                }
                let count = try records.batch(URL(fileURLWithPath: batch), channel: change.channel, keyedBy: member.id)
                if change.json { return try printJSON(["recorded": count]) }
                print("Recorded \(count) decisions from \(batch).")
            } catch let error as CSVError {
                throw CLIError("\(error.description) — nothing was recorded")
            }
            return
        }
        let entry = DecisionEntry(
            reference: reference ?? "", attributes: attribute, purpose: purpose ?? "", decision: decision ?? "", channel: change.channel,
            staff: member.id, noticeVersion: noticeVersion, language: language, reason: change.reason, evidence: change.evidence,
            verification: change.verification, signed: signed)
        let stored = try db.record(try records.request(entry))
        try report(stored, db: db, json: change.json)
    }
}

struct Correct: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "correct",
        abstract: "Record a corrected value keyed by staff, validated by Forms/.",
        discussion: "Attributes that need evidence (name, date of birth, address, postcode) wait for verification unless --evidence is given.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The tenancy reference.")
    var reference: String

    @Option(help: ArgumentHelp("The attribute to correct.", valueName: "id"))
    var attribute: String

    @Option(help: ArgumentHelp("The new value.", valueName: "text"))
    var value: String?

    @Flag(help: "Record 'prefer not to say' instead of a value.")
    var preferNotToSay = false

    @OptionGroup var change: StaffChangeOptions

    func validate() throws {
        guard (value == nil) != !preferNotToSay else { throw ValidationError("give either --value or --prefer-not-to-say") }
        guard change.staff != nil else { throw ValidationError("give --staff ID: who keyed the correction") }
    }

    func run() throws {
        let (content, db) = try store.openWithContent()
        let member = try change.auth.member(change.staff ?? "", db)
        let request = try PaperRecords(content: content, database: db).correction(
            reference: reference, attribute: attribute, value: value.map { .value($0) } ?? .preferNotToSay, channel: change.channel,
            staff: member.id, evidence: change.evidence, reason: change.reason, verification: change.verification)
        try report(try db.record(request), db: db, json: change.json)
    }
}

/// Prints what was recorded.
func report(_ stored: StoredEvent, db: ConsentDatabase, json: Bool) throws {
    let event = stored.event
    var pending = false
    if case .correction(_, _, let isPending) = event.payload { pending = isPending }
    if case .heldGrant = event.payload { pending = true }
    if json {
        return try printJSON(RecordedJSON(event: event.id.description, tenant: event.tenant.rawValue, kind: event.payload.kind,
                                          channel: event.channel.rawValue, effectiveAt: event.effectiveAt, pending: pending))
    }
    print("Recorded \(event.payload.kind) \(event.id) for \(event.tenant)\(pending ? " (pending verification by staff)" : "").")
}

struct RecordedJSON: Encodable {
    var event: String
    var tenant: String
    var kind: String
    var channel: String
    var effectiveAt: Date
    var pending: Bool
}
