/// Which PINs a tenant may choose: six digits, not guessable from their date of birth, not a
/// repeated digit or a run, and not one of the PINs people choose most.
public enum PINPolicy {
    public enum Problem: String, Error, Sendable, Equatable {
        /// Not exactly six digits.
        case format = "pin.format"
        /// Made from the date of birth (day, month, year in any common order).
        case dateOfBirth = "pin.date-of-birth"
        /// One of the most common PINs, a repeated digit, or a run like 123456.
        case common = "pin.common"
    }

    /// The most chosen six-digit PINs (from published analyses of leaked PIN sets).
    static let common: Set<String> = [
        "123456", "654321", "111111", "000000", "123123", "666666", "121212", "112233", "789456", "159753", "123321",
        "696969", "555555", "777777", "888888", "999999", "222222", "333333", "444444", "101010", "131313", "232323",
        "252525", "456789", "987654", "147258", "258369", "102030", "112211", "121314", "123654", "147852", "159357",
        "202020", "212121", "246810", "369369", "420420", "520520", "753951", "789789", "852456", "852963", "963852",
        "000001", "100000", "110110", "123000", "123789", "124578", "198400", "199000", "200000", "201201", "212223",
    ]

    /// Nil when `pin` may be used by a tenant born on `dateOfBirth` (`YYYY-MM-DD`, if held).
    public static func problem(_ pin: String, dateOfBirth: String?) -> Problem? {
        guard pin.count == 6, pin.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .format }
        let digits = pin.compactMap(\.wholeNumberValue)
        if Set(digits).count == 1 || common.contains(pin) { return .common }
        let steps = zip(digits, digits.dropFirst()).map { ($1 - $0 + 10) % 10 }
        if Set(steps).count == 1 && (steps[0] == 1 || steps[0] == 9) { return .common }
        if let dob = dateOfBirth {
            let parts = dob.split(separator: "-").map(String.init)
            if parts.count == 3 {
                let (yyyy, mm, dd) = (parts[0], parts[1], parts[2])
                let yy = String(yyyy.suffix(2))
                let derived = [dd + mm + yy, mm + dd + yy, yy + mm + dd, yy + dd + mm, yyyy + mm, mm + yyyy, yyyy + dd, dd + yyyy,
                               dd + mm + String(yyyy.prefix(2)), String(yyyy.dropFirst()) + mm]
                if derived.contains(pin) { return .dateOfBirth }
            }
        }
        return nil
    }
}
