import Foundation

/// A calendar day as tenants read it in every language here: day/month/year, in UK time
/// (31/03/2027), used where a message or screen names the day something ends.
public enum DayText {
    public static func text(_ date: Date) -> String {
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_GB_POSIX")
        day.timeZone = TimeZone(identifier: "Europe/London")
        day.dateFormat = "dd/MM/yyyy"
        return day.string(from: date)
    }

    /// A UTC calendar day as `2026-12-04`, the form reports and their options use.
    public static func utcDay(_ date: Date) -> String { String(date.ISO8601Format().prefix(10)) }
}
