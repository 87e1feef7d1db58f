import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentExport
import ConsentForms
import ConsentStore
import Foundation

extension TenantCommand {
    /// The language a tenant's report is given in: the one asked for, else their preferred language if
    /// shipped, else English; an unknown one asked for is refused.
    static func reportLanguage(_ requested: String?, _ state: TenantState, _ content: Content) throws -> String {
        if let requested, !content.localizer.has(requested) {
            throw CLIError("no translation for '\(requested)'; shipped: \(content.localizer.languages.map(\.code).joined(separator: ", "))")
        }
        let preferred = state.value(AttributeID("preferred-language")).answer?.text
        return requested ?? preferred.flatMap { content.localizer.has($0) ? $0 : nil } ?? "en"
    }

    /// What `tenant show` and `tenant pack` share: the language, and whether special categories are shown, with why.
    struct ReportOptions: ParsableArguments {
        @Option(help: ArgumentHelp("Language (en, pl, ro, ur). Default: the tenant's preferred language if shipped, else English.", valueName: "code"))
        var language: String?

        @Flag(help: "Include special-category values (ethnic origin, religion, sexual orientation, health), as an access request asks; needs --reason.")
        var revealSpecial = false

        @Option(help: ArgumentHelp("Why they are shown (recorded with each read), e.g. 'Art. 15 request 2026-114'.", valueName: "text"))
        var reason: String?

        func validate() throws {
            if revealSpecial && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--reveal-special needs --reason: each special-category value shown is recorded as a read, with why")
            }
        }
    }

    /// `consent tenant pack`: the answer to an access request as a PDF.
    struct Pack: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pack",
            abstract: "Write the answer to a tenant's access request (UK GDPR Art. 15) as a PDF in their language.",
            discussion: """
                The pack holds everything held about the tenant, every purpose with its basis, decision and notice version,
                every disclosure (what was sent out, to whom, when) and the whole history. Special-category values are named
                as held unless the request asks for them: --reveal-special with --reason records each read in the ledger
                before the pack is made. The PDF is made by WeasyPrint (Debian's weasyprint) and is readable by its owner only.
                """)

        @OptionGroup var store: StoreOptions

        @Argument(help: "The tenancy reference, e.g. T0000001.")
        var reference: String

        @Option(help: ArgumentHelp("The PDF to write (must not exist).", valueName: "file"), completion: .file(extensions: ["pdf"]))
        var out: String

        @OptionGroup var shown: ReportOptions

        @Option(help: "Your staff id (a supervisor or the dp-lead): the tenant's open access requests are marked answered by this pack.")
        var staff: String?

        @OptionGroup var auth: DeskAuthOptions
        var language: String? { shown.language }
        var revealSpecial: Bool { shown.revealSpecial }
        var reason: String? { shown.reason }

        func run() throws {
            let (content, db) = try store.openWithContent()
            let ref = content.validator.tenancyReference(reference) ?? TenantRef(reference)
            let member = try staff.map { try auth.member($0, db) }
            let answered = try db.requests(of: ref).filter { $0.kind == .access && $0.isOpen }
            var record = try db.tenantRecord(ref)
            let lang = try TenantCommand.reportLanguage(language, record.state, content)
            if revealSpecial, let reason {
                try db.recordSpecialReads(ref, state: record.state, catalogue: content.catalogue, by: "consent tenant pack", reason: reason)
                record = try db.tenantRecord(ref)   // the reads just recorded belong in the pack's history
            }
            let now = Date()
            let report = AccessReport.build(record.state, content: content, language: lang, at: now, revealSpecial: revealSpecial)
            let history = HistoryLines.lines(record.history.map(\.event), content, lang)
            let page = AccessPack.html(report, history: history, disclosures: record.disclosures, content: content, madeAt: now)
            try AccessPackPDF.write(html: page, to: URL(fileURLWithPath: out))
            print("Wrote the access pack for \(ref) (\(lang)) to \(out).")
            guard !answered.isEmpty else { return }
            guard let member else {
                return print("\(answered.count) access request(s) of \(ref) stay open: give --staff to mark them answered by this pack.")
            }
            let policy = try DeskSupport.policy(content)
            try db.record(try answered.flatMap {
                try StaffRules.decideRequest($0, .carryOut(nil), staff: StaffID(member.id), role: member.role, policy: policy)
            })
            print("Marked answered: \(answered.map(\.event.description).joined(separator: ", ")).")
        }
    }
}
