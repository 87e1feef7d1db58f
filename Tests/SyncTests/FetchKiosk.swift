import ConsentCore
import ConsentStore
@preconcurrency import Dispatch
import Foundation
import KioskUI
import SyncEngine
import TestSupport

/// A kiosk over a device's database, driven as the web kiosk drives it (`submit`, then each effect
/// performed by `KioskEffects` and its result handed back), for the fetch-on-demand tests. Effects run
/// on a Dispatch thread: a fetch waits there for its answer from the centre, as the terminal kiosk's
/// loop does, never on a thread the test's own tasks need.
final class FetchKiosk: @unchecked Sendable {
    private(set) var model: KioskModel
    private let performer: KioskEffects
    let clock: @Sendable () -> Date

    init(_ database: ConsentDatabase, centre: (any TenantFetching)?, clock: @escaping @Sendable () -> Date) {
        self.clock = clock
        model = KioskModel(content: Shipped.content, timing: KioskTiming(), now: clock())
        performer = KioskEffects(database: database, printer: .none, centre: centre, clock: clock)
    }

    /// Presses `action` with `fields` typed in the screen's boxes, and runs what follows.
    func submit(_ action: KioskAction, _ fields: [String: String] = [:]) async {
        await run(model.submit(action, fields: fields, now: clock()))
    }

    private func run(_ effects: [KioskEffect]) async {
        for effect in effects {
            let result = await withCheckedContinuation { (done: CheckedContinuation<EffectResult<KioskEvent>, Never>) in
                DispatchQueue.global().async { done.resume(returning: self.performer.perform(effect, for: self.model)) }
            }
            if case .report(let event) = result { await run(model.handle(event, now: clock())) }
        }
    }

    /// The screen as a terminal of 80×24 shows it.
    var text: String { KioskRenderer.render(model, width: 80, height: 24, now: clock()).lines.joined(separator: "\n") }

    /// The screen's words in one line (a message wraps over rows).
    var words: String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }

    /// The tenant signed in, if any.
    var signedIn: TenantRef? { model.state.session?.ref }

    /// Signs in with a PIN from the sign-in screen (English).
    func signIn(_ ref: TenantRef, dateOfBirth: String, pin: String) async {
        await submit(.language("en"))
        await submit(.signIn, ["ref": ref.rawValue, "dob": dateOfBirth, "pin": pin])
    }

    /// A first visit to this kiosk: the code from the desk, then a new PIN.
    func firstVisit(_ ref: TenantRef, dateOfBirth: String, code: String, pin: String) async {
        await submit(.language("en"))
        await submit(.useCode)
        await submit(.redeemCode, ["ref": ref.rawValue, "dob": dateOfBirth, "code": code])
        await submit(.savePIN, ["pin1": pin, "pin2": pin])
    }

    /// `centre.fetch`, waited for on a Dispatch thread.
    static func fetch(_ centre: CentreFetch, _ ref: TenantRef, dateOfBirth: String) async -> TenantFetchOutcome {
        await withCheckedContinuation { done in
            DispatchQueue.global().async { done.resume(returning: centre.fetch(ref, dateOfBirth: dateOfBirth)) }
        }
    }

    /// The English of every failed sign-in (the reference held here, at the centre, nowhere, or no centre).
    static let failedText = "please ask at the desk"
}
