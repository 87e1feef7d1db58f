import KioskUI
import Mustache

/// One item as the template sees it: exactly one of the `is…` flags is true.
struct ItemContext {
    var isText = false, isHeading = false, isButton = false, isField = false
    var label: String
    /// A value held about the tenant, after the label in its own bidi isolate.
    var held = "", hasHeld = false, separator = "", heldNote = "", hasHeldNote = false
    var token = ""
    var id = ""
    var name = ""
    var inputType = "text"
    /// A PIN, code or password box: its value is never sent back, and it takes the form's `autocomplete="off"`
    /// (axe 3.1.1 calls the attribute on a password box inappropriate).
    var masked = false
    var inputMode = "text"
    var value = ""
    var maxLength = 0
    var note = ""
    var hasNote = false
    var autofocus: Bool
    var buttonLang = "", buttonDir = "", hasLang = false

    init(_ item: KioskItem, fields: [String: Field], notes: [String: String], autofocus: Bool) {
        label = item.label
        if let shown = item.value {
            (held, hasHeld, separator) = (shown, true, item.label.isEmpty ? "" : ": ")
            (heldNote, hasHeldNote) = (item.note ?? "", item.note != nil)
        }
        self.autofocus = autofocus
        switch item.kind {
        case .text: isText = true
        case .heading: isHeading = true
        case .button(let action):
            isButton = true
            token = action.token
        case .field(let field):
            isField = true
            id = "f-\(field)"
            name = "f.\(field)"
            let typed = fields[field] ?? Field()
            masked = typed.masked
            inputType = typed.masked ? "password" : "text"
            inputMode = typed.digitsOnly ? "numeric" : "text"
            // A PIN, code or password is never sent back to the browser.
            value = typed.masked ? "" : typed.text
            maxLength = typed.limit
            note = notes[field] ?? ""
            hasNote = !note.isEmpty
        }
    }
}

struct LanguageContext {
    let code: String, name: String, dir: String, current: Bool
}

struct SizeContext {
    let value: String, label: String, current: Bool
}

struct PageContext {
    let lang: String, dir: String, title: String, corner: String
    let size: String, highContrast: Bool, csrf: String
    let items: [ItemContext], footer: [ItemContext], hasFooter: Bool, footerLabel: String
    let status: String, hasStatus: Bool, countdown: String, hasCountdown: Bool
    let refresh: Int, hasRefresh: Bool
    let settingsLabel: String, languageLabel: String, languages: [LanguageContext]
    let sizeLabel: String, sizes: [SizeContext]
    let contrastLabel: String, contrastNext: String
    let canSpeak: Bool, speaking: Bool, speechLabel: String, speechNext: String
    let headphones: Bool, headphonesLabel: String, headphonesNext: String
}

struct NoticeContext {
    let lang: String, dir: String, title: String, text: String, again: String
}

// The templates' names, answered without reflection: Mustache reads a context through `Mirror` unless it is a
// `MustacheParent`, and reflecting every name of every item took about 12 ms of the overview's 13 ms render on a
// 2-core kiosk. Each name is listed once here; `PageContextTests` checks every stored property is answered.

extension ItemContext: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "isText": isText
        case "isHeading": isHeading
        case "isButton": isButton
        case "isField": isField
        case "label": label
        case "held": held
        case "hasHeld": hasHeld
        case "separator": separator
        case "heldNote": heldNote
        case "hasHeldNote": hasHeldNote
        case "token": token
        case "id": id
        case "name": self.name
        case "inputType": inputType
        case "masked": masked
        case "inputMode": inputMode
        case "value": value
        case "maxLength": maxLength
        case "note": note
        case "hasNote": hasNote
        case "autofocus": autofocus
        case "buttonLang": buttonLang
        case "buttonDir": buttonDir
        case "hasLang": hasLang
        default: nil
        }
    }
}

extension LanguageContext: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "code": code
        case "name": self.name
        case "dir": dir
        case "current": current
        default: nil
        }
    }
}

extension SizeContext: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "value": value
        case "label": label
        case "current": current
        default: nil
        }
    }
}

extension PageContext: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "lang": lang
        case "dir": dir
        case "title": title
        case "corner": corner
        case "size": size
        case "highContrast": highContrast
        case "csrf": csrf
        case "items": items
        case "footer": footer
        case "hasFooter": hasFooter
        case "footerLabel": footerLabel
        case "status": status
        case "hasStatus": hasStatus
        case "countdown": countdown
        case "hasCountdown": hasCountdown
        case "refresh": refresh
        case "hasRefresh": hasRefresh
        case "settingsLabel": settingsLabel
        case "languageLabel": languageLabel
        case "languages": languages
        case "sizeLabel": sizeLabel
        case "sizes": sizes
        case "contrastLabel": contrastLabel
        case "contrastNext": contrastNext
        case "canSpeak": canSpeak
        case "speaking": speaking
        case "speechLabel": speechLabel
        case "speechNext": speechNext
        case "headphones": headphones
        case "headphonesLabel": headphonesLabel
        case "headphonesNext": headphonesNext
        default: nil
        }
    }
}

extension NoticeContext: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "lang": lang
        case "dir": dir
        case "title": title
        case "text": text
        case "again": again
        default: nil
        }
    }
}
