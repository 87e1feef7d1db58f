import ConsentForms
import Testing

/// The `{name}` placeholders a translation must keep (`Localizer.placeholders`), found in texts written by hand here.
@Suite struct PlaceholderTests {
    @Test(arguments: [
        ("Hello {name}, you have {count} letters", ["name", "count"]),
        ("{ok_1}{also-ok} but not {two words}, {} or {a.b}", ["ok_1", "also-ok"]),
        ("Witaj {imię}; {名前} — {٣}", ["imię", "名前", "٣"]),
        ("{{nested}} and an unclosed {tail", []),
        ("no braces at all", []),
        ("é{name}é then {x", ["name"]),
    ])
    func placeholdersAreFound(_ text: String, _ expected: [String]) {
        #expect(Localizer.placeholders(text) == Set(expected))
    }
}
