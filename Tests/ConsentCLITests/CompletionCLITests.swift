import Foundation
import Testing
import TestSupport

/// The shell completion scripts the program prints complete paths where an option takes one.
@Suite(.ownThreads) struct CompletionCLITests {
    /// The lines that follow each `'OPTION')` case of the generated bash script, one per occurrence.
    private func bashCompletions(of option: String, in script: String) -> [String] {
        let lines = script.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        return lines.indices.dropLast().filter { lines[$0] == "'\(option)')" }.map { lines[$0 + 1] }
    }

    @Test func bashScriptCompletesFilesForDatabaseAndFoldersForForms() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let bash = try cli.run(["--generate-completion-script", "bash"])
        #expect(bash.status == 0, "\(bash.stderr)")
        #expect(bash.stdout.contains("complete -o filenames -F _consent consent"), "not a bash completion script for consent")

        let db = bashCompletions(of: "--db", in: bash.stdout)
        #expect(!db.isEmpty, "no command offers --db")
        #expect(db.allSatisfy { $0 == "__consent_add_completions -f" }, "--db must complete file names: \(Set(db))")

        let forms = bashCompletions(of: "--forms", in: bash.stdout)
        #expect(!forms.isEmpty, "no command offers --forms")
        #expect(forms.allSatisfy { $0 == "__consent_add_completions -d" }, "--forms must complete folders: \(Set(forms))")

        let localization = bashCompletions(of: "--localization", in: bash.stdout)
        #expect(!localization.isEmpty && localization.allSatisfy { $0 == "__consent_add_completions -d" },
                "--localization must complete folders: \(Set(localization))")
    }

    @Test func zshAndFishScriptsArePrinted() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let zsh = try cli.run(["--generate-completion-script", "zsh"])
        #expect(zsh.status == 0, "\(zsh.stderr)")
        #expect(zsh.stdout.hasPrefix("#compdef consent"), "zsh loads it as _consent from $fpath")
        #expect(zsh.stdout.contains(":path:_files"), "--db must complete file names in zsh")
        let fish = try cli.run(["--generate-completion-script", "fish"])
        #expect(fish.status == 0, "\(fish.stderr)")
        #expect(fish.stdout.contains("-l 'db' -d 'The main database file. Default: $CONSENT_DB, else ./consent.sqlite.' -rF"),
                "--db must complete file names in fish")
    }
}
