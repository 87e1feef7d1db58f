import Foundation
import TerminalCore

/// What the loop needs of a terminal (the real one is `TerminalPOSIX.Terminal`).
public protocol KioskTerminal: AnyObject {
    var stopRequested: Bool { get }
    func takeResize() -> Bool
    func size() -> (width: Int, height: Int)
    func write(_ text: String)
    func read(timeout milliseconds: Int32) -> [UInt8]
    func wipe()
}

/// The one terminal front-end, for the kiosk and staff mode alike: reads keys, feeds them to the
/// model as ``NavigationInput``, runs the effects it asks for through its ``EffectPerformer`` (feeding
/// results back), and draws only what changed.
public final class TerminalLoop<Performer: EffectPerformer> {
    public typealias Model = Performer.Model
    private var model: Model
    private let performer: Performer
    private let terminal: KioskTerminal
    private let clock: () -> Date
    private var decoder = InputDecoder()
    private var renderer = Renderer()
    private var lastFrame: Frame?
    /// The size last drawn at, for mapping clicks to items and for the text scroll.
    private var size: (width: Int, height: Int)?
    /// Text scrolled past the focus, which depends on the terminal's rows (the model keeps only the focus).
    private var scroll = TextScroll()
    /// Set when an effect ended the front-end (staff ended the kiosk with their password).
    private var ended = false

    public init(model: Model, performer: Performer, terminal: KioskTerminal, clock: @escaping () -> Date = Date.init) {
        self.model = model
        self.performer = performer
        self.terminal = terminal
        self.clock = clock
    }

    /// The loop: returns when the terminal asks to stop (SIGTERM, SIGHUP, or input closed) or an
    /// effect ends it; what is open is then ended and the screen wiped.
    public func run() {
        draw()
        while !terminal.stopRequested && !ended {
            let bytes = terminal.read(timeout: 100)
            var events = decoder.feed(bytes)
            if bytes.isEmpty { events += decoder.flush() }
            for event in events {
                let input = navigation(event)
                if let size, scroll.take(input, view: model.view(now: clock()), size: size) { continue }
                step(Model.input(input))
            }
            step(Model.tick)
            performer.turn(&model, now: clock())
            if terminal.takeResize() { renderer.invalidate() }
            draw()
        }
        perform(model.stop(now: clock()))
        terminal.wipe()
    }

    /// A key as navigation; a click as the item drawn there, found in the screen last drawn.
    private func navigation(_ input: InputEvent) -> NavigationInput {
        NavigationInput(input) { row, column in
            guard let size else { return nil }
            return KioskRenderer.itemIndex(atRow: row, column: column, view: scroll.applied(to: model.view(now: clock())), size: size)
        }
    }

    /// Feeds one event and performs what it asks, feeding results back.
    private func step(_ event: Model.Event) {
        perform(model.handle(event, now: clock()))
    }

    private func perform(_ effects: [Model.Effect]) {
        for effect in effects {
            switch performer.perform(effect, for: model) {
            case .done: break
            case .report(let result): perform(model.handle(result, now: clock()))
            case .wipe:
                terminal.wipe()
                renderer.invalidate()
                lastFrame = nil
                scroll = TextScroll()
            case .end: ended = true
            }
        }
    }

    private func draw() {
        let size = terminal.size()
        self.size = size
        let frame = KioskRenderer.render(scroll.applied(to: model.view(now: clock())), width: size.width, height: size.height)
        guard frame != lastFrame else { return }
        terminal.write(renderer.render(frame))
        lastFrame = frame
    }
}
