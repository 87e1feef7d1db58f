import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentForms
import ConsentStore
import Foundation

/// Helpers shared by the staff desk commands.
enum DeskSupport {
    /// The staff policy of Forms/, or what to do without one.
    static func policy(_ content: Content) throws -> StaffPolicy {
        guard let policy = content.staff else {
            throw CLIError("Forms/staff.yaml is missing: staff mode needs its caller checks and reason codes")
        }
        return policy
    }

    static func reference(_ raw: String, _ db: ConsentDatabase) -> TenantRef {
        db.validator.tenancyReference(raw) ?? TenantRef(raw)
    }
}

extension TenantCommand {
    struct Find: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "find",
            abstract: "Find tenants by tenancy reference, or by name and postcode (partial, any case, accents ignored).",
            discussion: "Each word of --name matches the start of a word of the name; --postcode matches the start of the postcode. Uses the search index, so it stays fast on a large register.")

        @OptionGroup var store: StoreOptions

        @Option(help: "A tenancy reference (exact).")
        var reference: String?

        @Option(help: "Words of the name, e.g. 'zoe luk'.")
        var name = ""

        @Option(help: "The start of the postcode, e.g. 'LS1'.")
        var postcode = ""

        @Option(help: "Show at most this many.")
        var limit = 20

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() throws {
            let db = try store.open()
            let matches: [TenantMatch]
            if let reference {
                matches = try db.findTenant(reference: DeskSupport.reference(reference, db)).map { [$0] } ?? []
            } else {
                guard !name.isEmpty || !postcode.isEmpty else { throw ValidationError("give --reference, or --name and/or --postcode") }
                matches = try db.findTenants(name: name, postcode: postcode, limit: limit)
            }
            if json { return try printJSON(matches) }
            if matches.isEmpty { print("No tenant found.") }
            for m in matches {
                let markers = m.markers.isEmpty ? "" : "  [\(m.markers.joined(separator: ", "))]"
                let joint = m.jointTenants.isEmpty ? "" : "  (joint tenancy with \(m.jointTenants.map(TextSafety.displaySafe).joined(separator: ", ")))"
                print("\(m.reference)\t\(TextSafety.displaySafe(m.name ?? "-"))\t\(TextSafety.displaySafe(m.postcode ?? "-"))\(markers)\(joint)")
            }
        }
    }

    struct Reveal: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reveal",
            abstract: "Show one special-category value (data-protection lead only); the read is recorded in the ledger with the reason.",
            discussion: "Phone support reveals values inside `consent staff`, after verifying the caller.")

        @OptionGroup var store: StoreOptions

        @Argument(help: "The tenancy reference.")
        var reference: String

        @Argument(help: "The special-category attribute, e.g. health-needs.")
        var attribute: String

        @Option(help: "Your staff id (a dp-lead).")
        var staff: String

        @OptionGroup var auth: DeskAuthOptions

        @Option(help: "A reason code from Forms/staff.yaml.")
        var reason: String

        func run() throws {
            let (content, db) = try store.openWithContent()
            try db.refuseIfSealedForCentre("revealing a special-category value")
            let policy = try DeskSupport.policy(content)
            let member = try auth.member(staff, db)
            let ref = DeskSupport.reference(reference, db)
            let context = StaffContext(staff: StaffID(member.id), role: member.role, caller: .none(required: policy.required))
            guard let state = try db.tenantState(ref) else { throw CLIError("no tenant \(ref); check the tenancy reference with `consent tenant find`") }
            let request = try StaffRules.reveal(AttributeID(attribute), of: state, context: context, reason: reason, at: Date(),
                                                policy: policy, catalogue: content.catalogue)
            try db.record(request)
            let value = state.value(AttributeID(attribute))
            switch value {
            case .held(.value(let text), _): print(TextSafety.displaySafe(text))
            case .held(.preferNotToSay, _): print("(prefer not to say)")
            case .notHeld: print("(not held)")
            case .erased: print("(erased)")
            case .unavailable: throw CLIError("the value is sealed and this machine has no key to open it; the read was still recorded")
            }
        }
    }
}

extension Staff {
    struct Mark: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mark",
            abstract: "Set or clear a tenant's marker (vulnerable, safe-address: see Forms/staff.yaml); staff see it before anything else.")

        @OptionGroup var store: StoreOptions

        @Argument(help: "The tenancy reference.")
        var reference: String

        @Argument(help: "The marker id.")
        var marker: String

        @Option(help: "Your staff id (a supervisor or the dp-lead).")
        var staff: String

        @OptionGroup var auth: DeskAuthOptions

        @Flag(help: "Clear the marker instead.")
        var clear = false

        func run() throws {
            let (content, db) = try store.openWithContent()
            let policy = try DeskSupport.policy(content)
            guard policy.marker(marker) != nil else {
                throw CLIError("no marker '\(marker)' in Forms/staff.yaml; known: \(policy.markers.map(\.id).joined(separator: ", "))")
            }
            let member = try auth.member(staff, db)
            guard StaffRules.may(member.role, .setMarker) else { throw StaffRefusal.notAllowed(member.role, .setMarker) }
            try db.setMarker(marker, on: !clear, for: DeskSupport.reference(reference, db), by: StaffID(member.id))
            print(clear ? "Cleared \(marker)." : "Marked \(marker).")
        }
    }

    struct Held: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "held",
            abstract: "List changes waiting for a second person (four eyes) and tenants' open requests, oldest first.")

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print JSON for scripts.")
        var json = false

        struct Line: Encodable {
            var reference: String, event: String, kind: String, what: String, takenBy: String, at: Date
        }

        func run() throws {
            let db = try store.open()
            let lines = try db.heldItems().map { item -> Line in
                let (kind, what): (String, String)
                switch item.kind {
                case .correction(let a): (kind, what) = ("correction", a.rawValue)
                case let .grant(p, attributes): (kind, what) = ("grant", "\(p): \(attributes.map(\.rawValue).joined(separator: ", "))")
                case .erasureRequest(let a): (kind, what) = ("erasure-request", a.rawValue)
                case .request(let r): (kind, what) = (r.kind.eventKind, r.attribute?.rawValue ?? "everything held")
                }
                let taker: String
                switch item.takenBy {
                case .tenant: taker = "tenant"
                case .staff(let id, _, _): taker = id.rawValue
                case .system(let name): taker = name
                }
                return Line(reference: item.tenant.rawValue, event: item.event.description, kind: kind, what: what, takenBy: taker, at: item.at)
            }
            if json { return try printJSON(lines) }
            if lines.isEmpty { print("Nothing is waiting.") }
            for l in lines { print("\(l.reference)\t\(l.event)\t\(l.kind)\t\(l.what)\ttaken by \(TextSafety.displaySafe(l.takenBy))") }
        }
    }

    struct Confirm: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "confirm",
            abstract: "Confirm (or reject) a held change: as a supervisor, after a call-back to the number on file, or against evidence seen.",
            discussion: """
                A tenant's erasure request (kind erasure-request in `consent staff held`) is decided by a supervisor or the \
                data-protection lead: confirming erases the value (use --how supervisor), --reject declines it and keeps the value.
                """)

        @OptionGroup var store: StoreOptions

        @Argument(help: "The tenancy reference.")
        var reference: String

        @Argument(help: "The held event, as `consent staff held` lists it (device#sequence).")
        var event: String

        @Option(help: "Your staff id: never the one who took the change.")
        var staff: String

        @OptionGroup var auth: DeskAuthOptions

        @Option(help: "supervisor, call-back or evidence.")
        var how: String

        @Option(help: "What evidence you saw (with --how evidence).")
        var evidence: String?

        @Option(name: .customLong("reason"), help: "A reason code from Forms/staff.yaml (supervisor-check; for an erasure request erasure-granted or erasure-declined).")
        var reasonGiven: String?
        var reason: String { reasonGiven ?? "supervisor-check" }

        @Flag(help: "Reject the change instead: it never takes effect.")
        var reject = false

        func run() throws {
            let (content, db) = try store.openWithContent()
            let policy = try DeskSupport.policy(content)
            let member = try auth.member(staff, db)
            let ref = DeskSupport.reference(reference, db)
            guard let item = try db.heldItems(limit: 100_000).first(where: { $0.tenant == ref && $0.event.description == event }) else {
                throw CLIError("\(ref) has no held change \(event); see `consent staff held`")
            }
            if case .erasureRequest(let attribute) = item.kind {
                guard how == "supervisor" else { throw ValidationError("an erasure request is decided by a supervisor or the dp-lead: use --how supervisor") }
                let change = try StaffRules.decideErasure(item.event, attribute: attribute, erase: !reject, tenant: ref, takenBy: item.takenBy, staff: StaffID(member.id),
                                                          role: member.role, reason: reasonGiven ?? (reject ? "erasure-declined" : "erasure-granted"),
                                                          policy: policy)
                try db.record(change)
                return print(reject ? "Declined \(event): the value is kept; tell the tenant why." : "Erased \(attribute), as the tenant asked (\(event)).")
            }
            if case .request(let request) = item.kind {
                throw CLIError("\(event) is a \(request.kind.rawValue) request: decide it with `consent request decide \(ref) \(event) --staff ID --carry-out|--refuse REASON`")
            }
            let method: ConfirmationMethod
            switch how {
            case "supervisor": method = .supervisor
            case "call-back": method = .callBack
            case "evidence": method = .evidence(evidence ?? "")
            default: throw ValidationError("--how must be supervisor, call-back or evidence")
            }
            let request = try StaffRules.confirm(item.event, attribute: item.attribute, approved: !reject, tenant: ref, takenBy: item.takenBy,
                                                 staff: StaffID(member.id), role: member.role, how: method, reason: reason, policy: policy)
            try db.record(request)
            print(reject ? "Rejected \(event)." : "Confirmed \(event).")
        }
    }

    struct Conflicts: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "conflicts", abstract: "Decisions to re-confirm with the tenant: a grant and a withdrawal that sync found in conflict.")

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() throws {
            let items = try store.open().conflicts()
            if json { return try printJSON(items) }
            if items.isEmpty { print("No conflicts to re-confirm.") }
            for c in items { print("\(c.reference)\t\(c.purpose)/\(c.attribute)\t\(c.state), re-confirm \(c.losingEvent)") }
        }
    }

    struct UnlockStaff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unlock-staff", abstract: "Unlock a member of staff locked out after too many failed sign-ins.")

        @OptionGroup var store: StoreOptions

        @Argument(help: "The staff id to unlock.")
        var id: String

        @Option(help: "Your staff id (the dp-lead).")
        var staff: String

        @OptionGroup var auth: DeskAuthOptions

        func run() throws {
            let db = try store.open()
            let member = try auth.member(staff, db)
            guard StaffRules.may(member.role, .unlockStaff) else { throw StaffRefusal.notAllowed(member.role, .unlockStaff) }
            try db.unlockStaff(id)
            print("Unlocked \(id).")
        }
    }
}
