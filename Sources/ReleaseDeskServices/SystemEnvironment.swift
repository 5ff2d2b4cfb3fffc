import ReleaseDeskCore
import ReleaseDeskJournal

#if canImport(Glibc)
    import Glibc
#endif

/// The process's environment as the product uses it: the wall clock, this host's name, new random ids. The
/// journal module reads none of these itself; it is given `journal`.
public enum SystemEnvironment {
    /// What a journal opened by this process stamps on its records.
    public static var journal: JournalEnvironment {
        JournalEnvironment(host: hostName(), clock: clock, newJournalID: randomUUID)
    }

    /// The system clock (UTC milliseconds). In debug builds it is shifted by `RELEASEDESK_TEST_CLOCK_SHIFT_MS`
    /// (may be negative): how the torture tests step the clock of the real binary back.
    public static let clock: @Sendable () -> Timestamp = {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var milliseconds = Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
        #if RELEASEDESK_TEST_HOOKS
            milliseconds += clockShift
        #endif
        return Timestamp(millisecondsSinceEpoch: milliseconds)
    }

    #if RELEASEDESK_TEST_HOOKS
        private static let clockShift: Int64 = {
            guard let raw = getenv("RELEASEDESK_TEST_CLOCK_SHIFT_MS") else { return 0 }
            return Int64(String(cString: raw)) ?? 0
        }()
    #endif

    /// The host name of this machine ("localhost" when it has none).
    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let name = String(decoding: bytes, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }

    /// A random version-4 UUID in lower case.
    @Sendable public static func randomUUID() -> String {
        var generator = SystemRandomNumberGenerator()
        return uuid(using: &generator)
    }

    /// A version-4 UUID in lower case drawn from `generator` (a seeded one gives the same id every time).
    public static func uuid(using generator: inout some RandomNumberGenerator) -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { b -> String in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(
            separator: "-")
    }
}
