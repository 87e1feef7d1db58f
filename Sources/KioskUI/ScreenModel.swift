import Foundation

/// A mode as any front-end drives it: the kiosk (``KioskModel``) and staff mode (``StaffModel``) are
/// both pure state machines that take events and give effects, and show a ``ScreenView``. The
/// terminal's ``TerminalLoop`` runs either; a browser front-end would run the same models.
public protocol ScreenModel {
    /// What the screen's buttons do.
    associatedtype Action: Equatable & Sendable
    /// What the model reacts to: input, time passing, effects' results.
    associatedtype Event
    /// What the model asks the outside world to do.
    associatedtype Effect

    /// The screen to draw.
    func view(now: Date) -> ScreenView<Action>
    /// Takes one event; returns the effects to run.
    mutating func handle(_ event: Event, now: Date) -> [Effect]
    /// The event for a person's input.
    static func input(_ input: NavigationInput) -> Event
    /// The event for time passing (idle sign-out, waits running out).
    static var tick: Event { get }
    /// The front-end is stopping: the effects that end what is open (a session's receipt).
    mutating func stop(now: Date) -> [Effect]
}

/// What a front-end does after an effect has run.
public enum EffectResult<Event> {
    /// Nothing more.
    case done
    /// Feed this event (the effect's result) to the model.
    case report(Event)
    /// Clear the screen and anything the front-end keeps of it (a terminal's scrollback).
    case wipe
    /// Stop the front-end (staff ended the kiosk).
    case end
}

/// Runs a mode's effects against the outside world (the store, the printer); one per mode, the
/// same whatever the front-end.
public protocol EffectPerformer: AnyObject {
    associatedtype Model: ScreenModel
    /// Runs `effect`, asked for by `model`.
    func perform(_ effect: Model.Effect, for model: Model) -> EffectResult<Model.Event>
    /// Called once a turn of the front-end's loop, to show what changed outside (the sync indicator).
    func turn(_ model: inout Model, now: Date)
}

extension EffectPerformer {
    public func turn(_ model: inout Model, now: Date) {}
}
