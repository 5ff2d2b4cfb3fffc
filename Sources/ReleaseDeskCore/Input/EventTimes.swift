/// The times of the events an import reports, checked against the clock and against the batch's apheresis.
///
/// An event cannot be reported before it happened: a time later than now (beyond `futureTolerance`, for
/// the clocks of the sending systems) is refused. For an autologous batch with an apheresis time, nothing
/// done to the patient's material can precede its collection: manufacture start and end, steps, process
/// readings, QC tests and custody events before `apheresis_at` are refused. Environmental monitoring and
/// reported deviations are only checked against the clock: EM samples belong to the rooms and may be taken
/// before the material arrives (the room's pre-use sample), and a deviation may concern the set-up.
/// `now` is passed in; the core has no clock.
public enum EventTimes {
    /// How far an event time may lie ahead of now: five minutes.
    public static let futureTolerance: Int64 = 5 * 60 * 1000

    /// One event time of a batch record: its field path, the time, and whether it must follow apheresis.
    public struct Event: Sendable, Equatable {
        public var field: String
        public var at: Timestamp
        public var followsApheresis: Bool
    }

    /// Every event time of `batch`, with paths under `path` (`batches[3]`).
    public static func events(of batch: Batch, path: String) -> [Event] {
        var events: [Event] = []
        if let at = batch.apheresisAt {
            events.append(Event(field: "\(path).apheresis_at", at: at, followsApheresis: false))
        }
        events.append(Event(field: "\(path).manufacture_start", at: batch.manufactureStart, followsApheresis: true))
        if let at = batch.manufactureEnd {
            events.append(Event(field: "\(path).manufacture_end", at: at, followsApheresis: true))
        }
        for (i, step) in batch.steps.enumerated() {
            if let at = step.performedAt {
                events.append(Event(field: "\(path).steps[\(i)].performed_at", at: at, followsApheresis: true))
            }
        }
        for (i, reading) in batch.readings.enumerated() {
            events.append(Event(field: "\(path).process_parameters[\(i)].at", at: reading.at, followsApheresis: true))
        }
        for (i, result) in batch.qc.enumerated() {
            events.append(Event(field: "\(path).qc[\(i)].tested_at", at: result.testedAt, followsApheresis: true))
        }
        for (i, event) in batch.custody.enumerated() {
            events.append(Event(field: "\(path).custody[\(i)].at", at: event.at, followsApheresis: true))
        }
        for (i, sample) in batch.environment.enumerated() {
            events.append(
                Event(field: "\(path).environmental_monitoring[\(i)].at", at: sample.at, followsApheresis: false))
        }
        for (i, deviation) in batch.deviations.enumerated() {
            events.append(
                Event(
                    field: "\(path).deviations[\(i)].discovered_at", at: deviation.discoveredAt, followsApheresis: false
                ))
            events.append(
                Event(field: "\(path).deviations[\(i)].reported_at", at: deviation.reportedAt, followsApheresis: false))
        }
        return events
    }

    /// Why `event` cannot be true, or `nil`: later than `now` beyond the tolerance, or before `apheresis`
    /// (the batch's apheresis time when its product is autologous, else `nil`).
    public static func problem(_ event: Event, now: Timestamp, apheresis: Timestamp?) -> String? {
        if event.at.millisecondsSinceEpoch > now.millisecondsSinceEpoch + futureTolerance {
            return "\(event.at) is in the future (now is \(now)); an event is imported after it happened"
        }
        if event.followsApheresis, let apheresis, event.at < apheresis {
            return
                "\(event.at) is before the batch's apheresis (\(apheresis)); nothing is done to the patient's material before it is collected"
        }
        return nil
    }

    /// The apheresis time that binds the events of `batch`: its `apheresis_at` when the product is autologous.
    public static func apheresis(of batch: Batch, product: Product?) -> Timestamp? {
        product?.modality == "autologous" ? batch.apheresisAt : nil
    }
}
