extension Localizer {
    /// The names of the recipients an export recorded, in `language`, joined by "; ". An export keeps
    /// its recipients as ids joined by ';' (every recipient the purpose names, or the one given with
    /// `--recipient`); an id with no text in Localization/ is shown as it is.
    ///
    ///     localizer.recipientNames("landlord-staff;repair-contractors", "en")
    ///     // "Our housing staff; Firms who do repairs for us"
    public func recipientNames(_ stored: String, _ language: String) -> String {
        stored.split(separator: ";").map { id in
            let key = "recipient.\(id)"
            return hasText(key, language) || hasText(key) ? text(key, language) : String(id)
        }.joined(separator: "; ")
    }
}
