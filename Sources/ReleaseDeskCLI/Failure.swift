import ArgumentParser
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskPostgres
import ReleaseDeskServices

#if canImport(Glibc)
    import Glibc
#endif

/// An error with its exit status (sysexits) and one clear sentence for standard error.
struct Failure: Error {
    /// Exit statuses, as `CLI.md` lists them.
    enum Status: Int32 {
        case refused = 1, usage = 64, dataError = 65, noInput = 66, unavailable = 69, cannotCreate = 73, ioError = 74,
            notPermitted = 77, configuration = 78
    }

    var status: Status
    var message: String

    init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// Runs `body`, turning every error into a message on stderr and an exit status.
    static func guarded(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ExitCode {
            throw error
        } catch {
            let failure = Failure.from(error)
            StandardError.write("releasedesk: " + DisplayText.sanitize(failure.message, layout: .multiline) + "\n")
            throw ExitCode(failure.status.rawValue)
        }
    }

    /// The status and message for any error the program can meet.
    static func from(_ error: Error) -> Failure {
        switch error {
        case let failure as Failure: return failure
        case let refusal as ActionRefusal:
            return Failure(
                refusal.category == .permission ? .notPermitted : .refused,
                "refused (\(refusal.gate)): \(refusal.message)")
        case let desk as DeskError:
            if case .readOnlySession = desk { return Failure(.notPermitted, desk.description) }
            return Failure(.refused, desk.description)
        case let journal as JournalError:
            switch journal {
            case .corrupt: return Failure(.refused, journal.description)
            case .readOnly: return Failure(.refused, journal.description)
            case .writeFailed, .syncFailed: return Failure(.ioError, journal.description)
            case .invalidRecord: return Failure(.dataError, journal.description)
            case .clockSteppedBack: return Failure(.refused, journal.description)
            case .io(let call):
                if call.isMissing { return Failure(.noInput, "\(call.path) does not exist") }
                if call.isPermissionDenied { return Failure(.notPermitted, journal.description) }
                return Failure(.ioError, journal.description)
            }
        case let problems as ImportProblems:
            return Failure(
                .dataError,
                "import refused, nothing was written (\(problems.problems.count) problem(s)):\n"
                    + problems.problems.map { "  " + $0.description }.joined(separator: "\n"))
        case let missing as ImportFileMissing: return Failure(.noInput, missing.description)
        case let credentials as CredentialError: return Failure(.ioError, credentials.description)
        case let witness as WitnessError: return Failure(.ioError, witness.description)
        case let location as LocationError: return Failure(.configuration, location.description)
        case let configuration as ConfigurationError: return Failure(.configuration, configuration.description)
        case let store as PostgresStoreError:
            switch store {
            case .badURL, .schema: return Failure(.configuration, store.description)
            case .connection: return Failure(.unavailable, store.description)
            case .query: return Failure(.ioError, store.description)
            }
        case let pam as PAMError:
            if case .invalidService = pam { return Failure(.configuration, pam.description) }
            return Failure(.unavailable, pam.description)
        default: return Failure(.ioError, "\(error)")
        }
    }

    /// Opens the desk at `locations`, naming a missing journal clearly.
    static func opening(
        _ locations: Locations, mode: Journal.Mode = .readWrite, onAlarm: Desk.OnAlarm = .refuse,
        warm: Desk.Warm = .cold, observe: (Record) -> Void = { _ in }, keepingPlaces: Desk.KeepingPlaces? = nil
    ) throws -> Desk {
        if locations.store != nil {
            guard try StoreSelection.holdsJournal(locations) else {
                throw Failure(
                    .noInput,
                    "no journal in the store \(StoreSelection.describe(locations)); create one with 'releasedesk init'")
            }
        } else if !FileBytes.exists(locations.journal) {
            throw Failure(
                .noInput, "no journal at \(locations.journal); create one with 'releasedesk init' or give --journal")
        }
        let policy: SecurityPolicy
        do {
            policy = try SecuritySettings.resolve(environment: GlobalOptions.environment)
        } catch {
            throw Failure(.configuration, error.description)
        }
        let desk = try Desk.open(
            locations, mode: mode, policy: policy, onAlarm: onAlarm, warm: warm, observe: observe,
            keepingPlaces: keepingPlaces)
        if warm != .cold { WorkstationLog.snapshot(desk.snapshotNotes, stateDirectory: locations.stateDirectory) }
        return desk
    }
}

/// Unbuffered writes to standard error.
enum StandardError {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(2, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }
}

/// Buffered writes to standard output, flushed at the end of a command.
struct StandardOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ text: String) {
        buffer += text.utf8
        if buffer.count > 1 << 20 { flush() }
    }

    mutating func flush() {
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(1, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Whether standard output is a terminal.
    static var isTerminal: Bool { isatty(1) == 1 }
}
