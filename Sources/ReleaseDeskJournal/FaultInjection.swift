import ReleaseDeskCore

#if canImport(Glibc)
    import Glibc
#endif

// Test seams. Everything in this file between `#if RELEASEDESK_TEST_HOOKS` and its `#endif` exists in debug
// builds only (the define is set for the debug configuration in Package.swift): a release build neither
// reads `RELEASEDESK_FAULT` nor `RELEASEDESK_TEST_CLOCK_SHIFT_MS`, nor holds their names.

#if RELEASEDESK_TEST_HOOKS

    /// Faults to inject into the journal's system calls, for crash and fault tests of the real binary.
    ///
    /// Read from the environment variable `RELEASEDESK_FAULT` once per process; test-only (see
    /// `docs/torture.md`). The value is a comma-separated list of `CALL:N:FAULT`: the Nth call of `CALL` that
    /// this process makes on journal files fails, once. `CALL` is `open`, `read`, `write`, `fdatasync`, `fsync`
    /// or `flock`; `FAULT` is an `errno` name (`EIO`, `ENOSPC`, `EDQUOT`, `EFBIG`, `EROFS`, `EACCES`, `EPERM`,
    /// `EINTR`, `EBADF`) or, for `write` only, `short` (half of the bytes are written and the call reports it).
    /// Example: `RELEASEDESK_FAULT=fdatasync:3:EIO`.
    public struct FaultPlan: Sendable, Equatable {
        /// A system call of the file layer.
        public enum Call: String, Sendable, CaseIterable {
            case open, read, write, fdatasync, fsync, flock
        }

        /// What happens to the chosen call.
        public enum Effect: Sendable, Equatable {
            /// The call fails with this `errno`.
            case error(Int32)
            /// The write stores only half of its bytes and returns that count.
            case short
        }

        /// One fault: the `nth` call of `call` (counted from 1 in this process) has `effect`.
        public struct Fault: Sendable, Equatable {
            public var call: Call
            public var nth: Int
            public var effect: Effect

            public init(call: Call, nth: Int, effect: Effect) {
                self.call = call
                self.nth = nth
                self.effect = effect
            }
        }

        /// The environment variable that selects faults.
        public static let variable = "RELEASEDESK_FAULT"

        /// The faults, in the order given.
        public var faults: [Fault]

        public init(faults: [Fault]) {
            self.faults = faults
        }

        static let errorNames: [String: Int32] = [
            "EIO": EIO, "ENOSPC": ENOSPC, "EDQUOT": EDQUOT, "EFBIG": EFBIG, "EROFS": EROFS,
            "EACCES": EACCES, "EPERM": EPERM, "EINTR": EINTR, "EBADF": EBADF,
        ]

        /// Parses the value of `RELEASEDESK_FAULT`; `nil` when any part of it is not understood.
        public static func parse(_ text: String) -> FaultPlan? {
            var faults: [Fault] = []
            for item in text.split(separator: ",", omittingEmptySubsequences: false) {
                let parts = item.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 3, let call = Call(rawValue: String(parts[0])), let nth = Int(parts[1]), nth >= 1
                else {
                    return nil
                }
                let effect: Effect
                if parts[2] == "short" {
                    guard call == .write else { return nil }
                    effect = .short
                } else if let code = errorNames[String(parts[2])] {
                    effect = .error(code)
                } else {
                    return nil
                }
                faults.append(Fault(call: call, nth: nth, effect: effect))
            }
            return faults.isEmpty ? nil : FaultPlan(faults: faults)
        }
    }

    /// The real system calls, with the faults of a `FaultPlan` injected; counts calls per kind across the
    /// process. With no plan (the variable was set but not understood), every `open` fails with `EINVAL`, so a
    /// mistyped test never runs against an unfaulted journal by accident.
    final class FaultInjectingFileIO: JournalFileIO, @unchecked Sendable {
        private let real = SystemFileIO()
        private let plan: FaultPlan?
        private let setting: String
        private let mutex: UnsafeMutablePointer<pthread_mutex_t>
        private var counts: [FaultPlan.Call: Int] = [:]

        init(plan: FaultPlan?, setting: String) {
            self.plan = plan
            self.setting = setting
            mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
            pthread_mutex_init(mutex, nil)
        }

        deinit {
            pthread_mutex_destroy(mutex)
            mutex.deallocate()
        }

        /// Counts a call of `call` and returns the fault planned for it, if any.
        private func fault(for call: FaultPlan.Call) -> FaultPlan.Effect? {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            let n = (counts[call] ?? 0) + 1
            counts[call] = n
            return plan?.faults.first { $0.call == call && $0.nth == n }?.effect
        }

        private func failure(_ call: FaultPlan.Call, _ path: String, _ code: Int32) -> SystemCallError {
            SystemCallError(call: "\(call.rawValue) (injected by \(FaultPlan.variable))", path: path, code: code)
        }

        func open(_ path: String, flags: Int32, mode: UInt32) throws(SystemCallError) -> Int32 {
            guard plan != nil else {
                throw SystemCallError(
                    call: "open (\(FaultPlan.variable)=\"\(setting)\" is not understood)", path: path, code: EINVAL)
            }
            if case .error(let code)? = fault(for: .open) { throw failure(.open, path, code) }
            return try real.open(path, flags: flags, mode: mode)
        }

        func pread(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ offset: Int64)
            throws(SystemCallError)
            -> Int
        {
            if case .error(let code)? = fault(for: .read) { throw failure(.read, "fd \(fd)", code) }
            return try real.pread(fd, buffer, count, offset)
        }

        func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemCallError) -> Int {
            switch fault(for: .write) {
            case .error(let code)?:
                throw failure(.write, "fd \(fd)", code)
            case .short?:
                let keep = bytes.count / 2
                if keep == 0 { return 0 }
                return try real.write(fd, UnsafeRawBufferPointer(rebasing: bytes[0..<keep]))
            case nil:
                return try real.write(fd, bytes)
            }
        }

        func fdatasync(_ fd: Int32) throws(SystemCallError) {
            if case .error(let code)? = fault(for: .fdatasync) { throw failure(.fdatasync, "fd \(fd)", code) }
            try real.fdatasync(fd)
        }

        func fsync(_ fd: Int32) throws(SystemCallError) {
            if case .error(let code)? = fault(for: .fsync) { throw failure(.fsync, "fd \(fd)", code) }
            try real.fsync(fd)
        }

        func flock(_ fd: Int32, _ operation: Int32) throws(SystemCallError) {
            if case .error(let code)? = fault(for: .flock) { throw failure(.flock, "fd \(fd)", code) }
            try real.flock(fd, operation)
        }

        func size(_ fd: Int32) throws(SystemCallError) -> Int64 { try real.size(fd) }

        func fchmod(_ fd: Int32, _ mode: UInt32) throws(SystemCallError) { try real.fchmod(fd, mode) }

        func close(_ fd: Int32) { real.close(fd) }
    }

    /// The file layer chosen for this process, once: the real system calls unless `RELEASEDESK_FAULT` is set.
    private let processFileIO: JournalFileIO = {
        guard let raw = getenv(FaultPlan.variable) else { return SystemFileIO() }
        let setting = String(cString: raw)
        let plan = FaultPlan.parse(setting)
        if plan == nil {
            let message = Array(
                "releasedesk: \(FaultPlan.variable)=\"\(setting)\" is not understood; every journal open fails\n".utf8)
            _ = message.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
        }
        return FaultInjectingFileIO(plan: plan, setting: setting)
    }()

#endif

extension Journal {
    /// The file layer a journal uses when none is given: the real system calls, or, in debug builds when
    /// the test-only variable `RELEASEDESK_FAULT` is set, the same calls with the faults it names (see
    /// `FaultPlan`).
    public static func defaultIO() -> JournalFileIO {
        #if RELEASEDESK_TEST_HOOKS
            return processFileIO
        #else
            return SystemFileIO()
        #endif
    }
}
