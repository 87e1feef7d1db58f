import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentForms
import ConsentStore
import Foundation

/// `consent request`: tenants' requests (erasure, rectification, restriction, access) taken by staff, the
/// data-protection lead's queue with the statutory deadline, and the decision.
struct RequestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Tenants' requests: take one by phone or from paper, list the queue with deadlines, decide one.",
        subcommands: [Make.self, List.self, Decide.self])

    /// A request as `list` prints it.
    struct Line: Encodable {
        var reference: String, event: String, kind: String, attribute: String?, channel: String, madeAt: Date, deadline: Date
        var outcome: String, decidedAt: Date?, reason: String?
        /// What a rectification proposes (`ProposalView.name`: none, text, special, prefer-not-to-say, withheld),
        /// and the tenant's text when it may be shown.
        var proposal: String, proposed: String?

        init(_ r: TenantRequest, _ catalogue: Catalogue) {
            (reference, event, kind, attribute, channel) = (r.tenant.rawValue, r.event.description, r.kind.rawValue, r.attribute?.rawValue, r.channel.rawValue)
            let view = r.proposalView(catalogue)
            proposal = view.name
            if case .text(let text) = view { proposed = text }
            (madeAt, deadline, outcome) = (r.madeAt, r.deadline, r.outcome.name)
            switch r.outcome {
            case .open: break
            case .carriedOut(let at), .lifted(let at): decidedAt = at
            case let .refused(at, why): (decidedAt, reason) = (at, why)
            }
        }
    }

    struct Make: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "make",
            abstract: "Record a tenant's request taken by phone or from a letter or form (tenants make theirs at the kiosk).")

        @OptionGroup var store: StoreOptions

        @Argument(help: "The tenancy reference.")
        var reference: String

        @Option(help: "erasure, rectification, restriction or access.")
        var kind: String

        @Option(help: "The attribute it is about (not for access).")
        var attribute: String?

        @Option(help: "For a rectification: the value the tenant says is right (checked like any value; sealed for a special category).")
        var value: String?

        @Option(help: "phone or paper.")
        var channel = "paper"

        @Option(help: "How the tenant's identity was checked (e.g. 'signed letter, signature matches').")
        var verifiedBy: String?

        @Option(help: "Your staff id.")
        var staff: String

        @OptionGroup var auth: DeskAuthOptions

        func run() throws {
            let (content, db) = try store.openWithContent()
            let policy = try DeskSupport.policy(content)
            guard let kind = RequestKind(rawValue: kind) else {
                throw ValidationError("--kind must be \(RequestKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let channel = Channel(rawValue: channel) else { throw ValidationError("--channel must be phone or paper") }
            let member = try auth.member(staff, db)
            let ref = DeskSupport.reference(reference, db)
            if value != nil, kind != .rectification { throw ValidationError("--value is for a rectification request (the value the tenant says is right)") }
            let change = try StaffRules.takeRequest(kind, attribute: attribute.map { AttributeID($0) }, proposed: value.map { .value($0) }, tenant: ref,
                                                    staff: StaffID(member.id), channel: channel, verification: verifiedBy, policy: policy)
            let stored = try db.record(change)
            print("Recorded \(kind.rawValue) request \(stored.event.id) for \(ref); answer by \(DayText.utcDay(ProtectionReport.deadline(for: Date()))).")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "The queue of tenants' requests, oldest first, with the day each must be answered by (one month).")

        @OptionGroup var store: StoreOptions

        @Option(help: "Only this tenant's requests, decided ones too.")
        var reference: String?

        @Flag(help: "Decided requests too.")
        var all = false

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() throws {
            let (content, db) = try store.openWithContent()
            let requests = try reference.map { try db.requests(of: DeskSupport.reference($0, db)) } ?? db.requestQueue(openOnly: !all)
            let lines = requests.map { Line($0, content.catalogue) }
            if json { return try printJSON(lines) }
            if lines.isEmpty { print(all || reference != nil ? "No requests." : "No request is open.") }
            let now = Date()
            for l in lines {
                let late = l.outcome == "open" && l.deadline < now ? " OVERDUE" : ""
                let outcome = l.outcome + (l.reason.map { ": \(TextSafety.displaySafe($0))" } ?? "")
                let proposal: String = switch l.proposal {
                case "special": " -> (proposed value held, special category: carry it out to apply it)"
                case "withheld": " -> (proposed value cannot be read here: give --value)"
                case "prefer-not-to-say": " -> prefer not to say"
                default: l.proposed.map { " -> \(TextSafety.displaySafe($0))" } ?? ""
                }
                print("\(l.reference)\t\(l.event)\t\(l.kind)\t\(l.attribute ?? "-")\(proposal)\tmade \(DayText.utcDay(l.madeAt))\tanswer by \(DayText.utcDay(l.deadline))\(late)\t\(outcome)")
            }
        }
    }

    struct Decide: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "decide",
            abstract: "Decide a tenant's request (a supervisor or the data-protection lead): carry it out, refuse it with a reason, or lift a restriction.",
            discussion: """
                --carry-out erases the value (erasure), records --value, or else the value the tenant proposed, as the corrected value (rectification), keeps the value out of \
                every export until lifted (restriction) or marks the request answered (access; `consent tenant pack` does this itself). \
                --refuse REASON refuses it with one of the reasons the tenant reads at the kiosk in their own language: \(RefusalReason.codes). \
                --lift ends a restriction in force.
                """)

        @OptionGroup var store: StoreOptions

        @Argument(help: "The tenancy reference.")
        var reference: String

        @Argument(help: "The request, as `consent request list` shows it (device#sequence).")
        var event: String

        @Option(help: "Your staff id (a supervisor or the dp-lead).")
        var staff: String

        @OptionGroup var auth: DeskAuthOptions

        @Flag(help: "Carry the request out.")
        var carryOut = false

        @Option(help: "The corrected value (rectification, with --carry-out; without it, the value the tenant proposed).")
        var value: String?

        @Option(help: ArgumentHelp("Refuse the request with this reason, which the tenant is shown in their language: \(RefusalReason.codes).",
                                   valueName: "reason"))
        var refuse: String?

        @Option(help: "Lift a restriction in force, with a note the tenant is shown (may be empty).")
        var lift: String?

        func run() throws {
            let (content, db) = try store.openWithContent()
            let policy = try DeskSupport.policy(content)
            let decision: RequestDecision
            switch (carryOut, refuse, lift) {
            case (true, nil, nil): decision = .carryOut(value.map { .value($0) })
            case (false, let reason?, nil): decision = .refuse(reason)
            case (false, nil, let note?): decision = .lift(note)
            default: throw ValidationError("give one of --carry-out, --refuse REASON or --lift NOTE")
            }
            let member = try auth.member(staff, db)
            let ref = DeskSupport.reference(reference, db)
            guard let request = try db.requests(of: ref).first(where: { $0.event.description == event }) else {
                throw CLIError("\(ref) has no request \(event); see `consent request list --reference \(ref)`")
            }
            try db.record(try StaffRules.decideRequest(request, decision, staff: StaffID(member.id), role: member.role, policy: policy))
            switch decision {
            case .carryOut: print("Carried out \(request.kind.rawValue) request \(event).")
            case .refuse: print("Refused \(request.kind.rawValue) request \(event); the tenant sees the reason at the kiosk.")
            case .lift: print("Lifted restriction \(event): the value is used again where the tenant's decisions allow.")
            }
        }
    }
}
