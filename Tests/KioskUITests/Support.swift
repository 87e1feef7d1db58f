import ConsentCore
import ConsentForms
import Foundation
@testable import KioskUI
import TerminalCore
import Testing
import TestSupport

/// What the kiosk's and staff mode's drives share: keys as the terminal front-end maps them (a click
/// to the item drawn there, Up, Down and Enter offered to its text scroll first), and pressing a
/// button by its token as a keyboard user would.
protocol Driving {
    associatedtype Model: ScreenModel
    var model: Model { get set }
    /// The terminal's size, as `TerminalLoop` last drew at.
    var size: (width: Int, height: Int) { get set }
    /// The terminal's text scroll, as `TerminalLoop` keeps it.
    var scroll: TextScroll { get set }
    var now: Date { get }
    var effects: [Model.Effect] { get set }
    static func action(_ token: String) -> Model.Action?
}

extension Driving {
    mutating func keys(_ inputs: InputEvent...) {
        for input in inputs { key(input) }
    }

    private mutating func key(_ input: InputEvent) {
        let view = model.view(now: now)
        let navigation = NavigationInput(input) { [scroll, size] row, column in
            KioskRenderer.itemIndex(atRow: row, column: column, view: scroll.applied(to: view), size: size)
        }
        if scroll.take(navigation, view: view, size: size) { return }
        effects += model.handle(Model.input(navigation), now: now)
    }

    mutating func type(_ text: String) {
        for c in text { key(.character(c)) }
    }

    /// Moves the focus down to the button for `token` and presses Enter, as a keyboard user would,
    /// whatever the language (the list scrolls as the focus moves). A token no action reads, or a
    /// button that is not there, fails the test: a press that silently does nothing would let a test
    /// pass without doing its step.
    mutating func press(_ token: String) {
        guard let action = Self.action(token) else {
            Issue.record("no action reads \(token)")
            return
        }
        guard let target = model.view(now: now).items.filter(\.isSelectable).firstIndex(where: { $0.action == action }) else {
            Issue.record("no button \(token) on this screen")
            return
        }
        key(.home)
        for _ in 0..<target { key(.down) }
        key(.enter)
    }
}

/// A kiosk driven by hand: a fixed clock, and a tenant known without a database.
struct Drive: Driving {
    var model: KioskModel
    var now = Date(timeIntervalSince1970: 1_790_000_000)
    var effects: [KioskEffect] = []
    var size = (width: 80, height: 24)
    var scroll = TextScroll()

    init(timing: KioskTiming = KioskTiming()) {
        model = KioskModel(content: Shipped.content, timing: timing, now: now)
    }

    static func action(_ token: String) -> KioskAction? { KioskAction(token: token) }

    mutating func send(_ events: KioskEvent...) {
        for event in events { effects += model.handle(event, now: now) }
    }

    mutating func wait(_ seconds: TimeInterval) {
        now += seconds
        effects += model.handle(.tick, now: now)
    }

    var screen: [String] { KioskRenderer.render(scroll.applied(to: model.view(now: now)), width: 80, height: 24).lines }

    var text: String { screen.joined(separator: "\n") }

    /// Where the item of attribute `id` is among the overview's selectable lines (under the uses), for
    /// moving to it with Down from the top.
    func overviewIndex(_ id: String) -> Int {
        model.selectable(now: now).firstIndex { $0.kind == .button(.attribute(AttributeID(id))) } ?? 0
    }

    /// Signs in the sample tenant as the runner would after a correct PIN.
    mutating func signIn(language: Int = 0) {
        keys(.enter)
        send(.signedIn(TenantSession(ref: Sample.ref, state: Sample.state, started: now)))
        effects = []
    }
}

enum Sample {
    static let ref = TenantRef("T0000001")
    static let state: TenantState = {
        let values: [String: AttributeValue] = [
            "full-name": .value("Ann Smith"), "date-of-birth": .value("1970-05-01"), "address": .value("1 High Street, Leeds"),
            "postcode": .value("LS1 1AA"), "mobile": .value("07700900123"), "email": .value("ann@example.org"),
            "religion": .value("christian"), "ethnic-origin": .preferNotToSay, "health-needs": .value("Uses a wheelchair"),
        ]
        let registration = Event(
            id: EventID(device: DeviceID("kiosk"), sequence: 1), tenant: ref, hlc: HLCTimestamp(millis: 1_700_000_000_000),
            effectiveAt: Date(timeIntervalSince1970: 1_700_000_000), actor: .system("test"), channel: .importFile,
            payload: .registration(values: Dictionary(uniqueKeysWithValues: values.map { (AttributeID($0.key), $0.value) })))
        let grant = Event(
            id: EventID(device: DeviceID("kiosk"), sequence: 2), tenant: ref, hlc: HLCTimestamp(millis: 1_700_000_100_000),
            effectiveAt: Date(timeIntervalSince1970: 1_700_000_100), actor: .tenant, channel: .kiosk,
            payload: .decision(PurposeID("service-updates-email"), [AttributeID("email")], .granted,
                               notice: NoticeShown(version: 1, language: "en"), validUntil: nil))
        return TenantState.fold(ref, [registration, grant])
    }()
}
