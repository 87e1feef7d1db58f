import ArgumentParser

/// `consent`: the TenantConsent command line.
@main
struct Consent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "TenantConsent: tenants see, correct and control what their landlord holds about them.",
        discussion: """
            Every command that touches data takes --db PATH (default: $CONSENT_DB, else ./consent.sqlite).
            Special-category values live in a second file beside it (consent.special.sqlite): copy both together.
            They are sealed with keys that a key-encryption key opens: --key-file, $CONSENT_KEY_FILE, a systemd
            credential, or consent.key beside the database (made by init and demo). Back it up apart.
            Forms/ and Localization/ are read from --forms/--localization, $CONSENT_FORMS/$CONSENT_LOCALIZATION,
            ./Forms and ./Localization, or the folders beside the installed program.

            Start with:  consent demo            (a synthetic register of 3,545 tenants)
                         consent tenant list --limit 5 --reason "trying the demo"
                         consent tenant show T0000001
            """,

        subcommands: [Init.self, Demo.self, Kiosk.self, Staff.self, TenantCommand.self, Record.self, Correct.self, Export.self, ExpiryCommand.self, RetentionCommand.self, Notify.self, Report.self, RequestCommand.self, Stats.self, Return.self, Scan.self, Import.self, LedgerCommand.self, Keys.self, FormsCommand.self, Serve.self, DeviceCommand.self, SyncCommand.self, Audit.self, Migrate.self, Views.self]
    )
}
