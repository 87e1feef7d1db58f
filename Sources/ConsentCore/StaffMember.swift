import Foundation

/// A member of staff, as the register knows them.
public struct StaffMember: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: StaffRole

    public init(id: String, name: String, role: StaffRole) {
        self.id = id
        self.name = name
        self.role = role
    }
}

extension StaffMember {
    /// Why this id and name cannot be a member of staff's, or nil: ids are 2–32 letters, digits,
    /// `.`, `_` or `-`; names are plain text of at most 120 characters. Every registry checks these.
    public static func problem(id: String, name: String) -> String? {
        if let problem = idProblem(id) { return problem }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 120, !TextSafety.hasForbiddenCharacter(name) else {
            return "give the staff member's name (plain text, at most 120 characters)"
        }
        return nil
    }

    /// Why this cannot be a staff id, or nil: 2–32 letters, digits, `.`, `_` or `-` (so an id is
    /// also safe as a file name).
    public static func idProblem(_ id: String) -> String? {
        guard id.count >= 2, id.count <= 32, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            return "a staff id is 2 to 32 letters, digits, '.', '_' or '-'"
        }
        return nil
    }
}

/// What happened at a staff sign-in. Unknown ids and wrong passwords get the same ``failed``.
public enum StaffSignInOutcome: Equatable, Sendable {
    case signedIn(StaffMember)
    case failed
    case wait(seconds: Int)
    /// Five failures: a dp-lead must unlock (`consent staff unlock-staff`).
    case locked
}
