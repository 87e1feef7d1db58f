import ArgumentParser

/// `consent`: the TenantConsent command line.
@main
struct Consent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "TenantConsent: tenants see, correct and control what their landlord holds about them.",
        discussion: """
            Every command that touches data takes --db PATH (default: $CONSENT_DB, else ./consent.sqlite).
            Special-category values live in a second file beside it (consent.special.sqlite): copy both together.
            Forms/ and Localization/ are read from --forms/--localization, $CONSENT_FORMS/$CONSENT_LOCALIZATION,
            ./Forms and ./Localization, or the folders beside the installed program.

            Start with:  consent demo            (a synthetic register of 3,545 tenants)
                         consent tenant list --limit 5
                         consent tenant show T0000001
            """,
        subcommands: [Init.self, Demo.self, Kiosk.self, Staff.self, TenantCommand.self, Record.self, Correct.self, Export.self, Scan.self, Import.self, LedgerCommand.self, FormsCommand.self, Bench.self]
    )
}
