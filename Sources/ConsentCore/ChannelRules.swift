import Foundation

/// The rules each channel adds to ``ChangeRules`` when it builds a change: which corrections wait
/// for staff to verify them, which grants staff key in are held for a second person, and how long a
/// consent lasts. The kiosk, staff mode and paper records build their changes with these, and a
/// receiver of a change it did not make (the centre, on a push) checks with
/// ``problem(_:catalogue:)`` that the change is what these rules would have made.
public enum ChannelRules {
    /// How much later than its purpose allows (``ChangeRules/adding(months:to:)`` from the grant's
    /// effective time) a pushed consent grant may be valid until. A device computes the end from the
    /// clock it read when it checked the change, and dates the event from its hybrid logical clock a
    /// moment later, so the end is normally no later than the bound; only a wall clock stepped back
    /// in between (a time-sync correction) puts it later, by the step. An hour covers that, and a
    /// consent of 24 months lasting an hour longer changes nothing a tenant would notice.
    public static let validityTolerance: TimeInterval = 3_600

    /// Whether a correction of `attribute` to `value` made through `channel` waits for staff to verify
    /// it (pending) before it applies:
    /// - at the kiosk, a value (not "prefer not to say") of an attribute that needs evidence;
    /// - by phone, an attribute that needs evidence or one staff hold for a second person
    ///   (`heldByPhone`: `held-attributes` in Forms/staff.yaml; nil when no policy is known, and then every attribute);
    /// - on paper, an attribute that needs evidence when no evidence is noted;
    /// - through the system or an import, never (a supervisor carrying out a decided request, an import).
    ///
    /// An attribute the catalogue does not know is treated as needing evidence.
    public static func correctionWaits(
        _ attribute: AttributeID, _ value: AttributeValue, channel: Channel, evidence: String?, catalogue: Catalogue,
        heldByPhone: Set<AttributeID>?
    ) -> Bool {
        let needsEvidence = catalogue.attribute(attribute)?.needsEvidence ?? true
        switch channel {
        case .kiosk: return needsEvidence && value != .preferNotToSay
        case .phone: return needsEvidence || (heldByPhone?.contains(attribute) ?? true)
        case .paper: return needsEvidence && (evidence ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        case .system, .importFile: return false
        }
    }

    /// Whether a grant of `purpose` covering `attributes`, keyed in by staff, must be held until a
    /// second person confirms it: a consent purpose (``LegalBasis/Control/optIn``) whose grant covers a
    /// special category (``StaffRules/holdsGrant(of:catalogue:)``).
    public static func staffGrantIsHeld(_ purpose: PurposeID, _ attributes: [AttributeID], catalogue: Catalogue) -> Bool {
        catalogue.purpose(purpose)?.legalBasis.control == .optIn && StaffRules.holdsGrant(of: attributes, catalogue: catalogue)
    }

    /// The latest end a grant of `purpose` made effective at `effective` may carry, nil when the
    /// purpose's grants need none (not a consent purpose, or consent lasting until withdrawn), with
    /// ``validityTolerance``.
    public static func latestValidUntil(_ purpose: PurposeID, from effective: Date, catalogue: Catalogue) -> Date? {
        guard let definition = catalogue.purpose(purpose), definition.legalBasis.control == .optIn else { return nil }
        let months = catalogue.validityMonths(of: definition)
        guard months > 0 else { return nil }
        return ChangeRules.adding(months: months, to: effective).addingTimeInterval(validityTolerance)
    }

    /// Why `request`, as a device recorded it (its effective time set), is not what its channel's
    /// rules make of the change, or nil:
    /// - a tenant at the kiosk never corrects what staff keep (`kept-by-staff`: they ask with a
    ///   rectification request), and a correction that waits (``correctionWaits(_:_:channel:evidence:catalogue:heldByPhone:)``,
    ///   held attributes from ``Catalogue/heldByPhone``) is pending;
    /// - a grant staff key in that ``staffGrantIsHeld(_:_:catalogue:)`` is a held grant, not a decision;
    /// - a consent grant ends no later than its purpose allows from when it was expressed
    ///   (``latestValidUntil(_:from:catalogue:)``), and has an end wherever the purpose gives one; no
    ///   other decision has an end.
    ///
    /// A receiver that finds one refuses the change: no honest device makes it.
    public static func problem(_ request: ChangeRequest, catalogue: Catalogue) -> String? {
        let effective = request.effectiveAt ?? .distantPast
        switch request.payload {
        case let .correction(attribute, value, pending):
            if request.actor == .tenant, catalogue.attribute(attribute)?.keptByStaff == true {
                return "'\(attribute)' is kept by staff (kept-by-staff in Forms/attributes.yaml): a tenant asks for its change with a rectification request and never corrects it"
            }
            if !pending, correctionWaits(attribute, value, channel: request.channel, evidence: request.evidence, catalogue: catalogue,
                                         heldByPhone: catalogue.heldByPhone ?? []) {
                return "a correction of '\(attribute)' \(Self.through(request.channel)) waits for staff to verify it (pending); this one applies at once"
            }
        case let .decision(purpose, attributes, state, _, until):
            if state == .granted, case .staff = request.actor, staffGrantIsHeld(purpose, attributes, catalogue: catalogue) {
                return "a grant of '\(purpose)' keyed by staff covers a special category: it is held until a second person confirms it (a held grant), never applied at once"
            }
            let consent = state == .granted && catalogue.purpose(purpose)?.legalBasis.control == .optIn
            if !consent, until != nil { return "a '\(state.rawValue)' decision for '\(purpose)' carries no end date; only a consent grant lapses" }
            if consent { return validityProblem(purpose, until, effective, catalogue) }
        case let .heldGrant(purpose, _, _, until):
            return validityProblem(purpose, until, effective, catalogue)
        default:
            break
        }
        return nil
    }

    private static func validityProblem(_ purpose: PurposeID, _ until: Date?, _ effective: Date, _ catalogue: Catalogue) -> String? {
        guard let latest = latestValidUntil(purpose, from: effective, catalogue: catalogue) else { return nil }
        guard let until else {
            return "a grant of '\(purpose)' lapses \(Self.months(purpose, catalogue)) months after it was given; this one has no end date"
        }
        guard until <= latest else {
            return "a grant of '\(purpose)' lapses \(Self.months(purpose, catalogue)) months after it was given (\(effective.formatted(.iso8601))); "
                + "this one claims to last until \(until.formatted(.iso8601))"
        }
        return nil
    }

    private static func months(_ purpose: PurposeID, _ catalogue: Catalogue) -> Int {
        catalogue.purpose(purpose).map(catalogue.validityMonths(of:)) ?? 0
    }

    private static func through(_ channel: Channel) -> String {
        switch channel {
        case .kiosk: "by the tenant at the kiosk"
        case .phone: "taken by phone"
        case .paper: "keyed from paper without evidence"
        case .system: "through the system"
        case .importFile: "from an import"
        }
    }
}
