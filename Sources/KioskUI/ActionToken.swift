/// An action token split at its colons: the name and its arguments, none of them empty (a token
/// with an empty part has no arguments and an empty name, so no action reads it).
struct ActionToken {
    let name: String
    let arguments: [String]

    init(_ token: String) {
        let parts = token.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard token.count <= 200, !parts.contains(where: \.isEmpty), let first = parts.first else {
            (name, arguments) = ("", [])
            return
        }
        (name, arguments) = (first, Array(parts.dropFirst()))
    }
}
