import ReleaseDeskCore

#if canImport(Glibc)
    import Glibc
#endif

/// Where each record of a journal file sits and what its line hashed to when the chain was checked: 44 bytes
/// a record (offset, length, SHA-256), filled by the chain checker as records are accepted, from seq 1.
/// Records accepted are never taken back (a reader steps back only over invalid lines), so the places only
/// grow.
final class RecordPlaces: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var offsets: [Int64] = []
    private var lengths: [UInt32] = []
    private var hashes: [Digest] = []

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Notes record `seq` (only the next one; any other is ignored, as is a line of 4 GiB or more).
    func add(seq: Int64, offset: Int64, length: Int, hash: Digest) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard seq == Int64(offsets.count) + 1, length < Int(UInt32.max) else { return }
        offsets.append(offset)
        lengths.append(UInt32(length))
        hashes.append(hash)
    }

    /// Where record `seq` is and what its line hashed to, if it was noted.
    func place(_ seq: Int64) -> (offset: Int64, length: Int, hash: Digest)? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard seq >= 1, seq <= Int64(offsets.count) else { return nil }
        let i = Int(seq - 1)
        return (offsets[i], Int(lengths[i]), hashes[i])
    }

    var count: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return offsets.count
    }
}

/// The records of a journal file read again by `seq` through `RecordPlaces`: one `pread` of the line, its
/// SHA-256 compared with the hash the chain check saw, then parsed. A line changed in the file since it was
/// verified is never shown: the read fails, naming the record and the byte offset. The file is read through
/// a descriptor of its own, opened when the places started to be noted, so a file renamed over the journal
/// is not read either. The last records read are kept (a screen shows the same ones again and again).
public final class JournalFileArchive: RecordArchive, @unchecked Sendable {
    private let path: String
    private let io: JournalFileIO
    private let fd: Int32
    let places: RecordPlaces
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var recent: [Int64: Record] = [:]
    private var recentOrder: [Int64] = []
    private static let recentLimit = 512

    init(path: String, io: JournalFileIO) throws(JournalError) {
        self.path = path
        self.io = io
        do {
            fd = try io.open(path, flags: O_RDONLY | O_CLOEXEC, mode: 0)
        } catch {
            throw .io(error)
        }
        places = RecordPlaces()
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        io.close(fd)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// How many records can be read again.
    public var count: Int { places.count }

    public func record(_ seq: Int64) -> Result<Record, RecordArchiveError> {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let known = recent[seq] { return .success(known) }
        guard let place = places.place(seq) else {
            return .failure(RecordArchiveError(seq: seq, reason: "it has not been read from \(path)"))
        }
        let result = read(seq, place)
        if case .success(let record) = result {
            if recentOrder.count >= Self.recentLimit {
                recent[recentOrder.removeFirst()] = nil
            }
            recent[seq] = record
            recentOrder.append(seq)
        }
        return result
    }

    private func read(_ seq: Int64, _ place: (offset: Int64, length: Int, hash: Digest)) -> Result<
        Record, RecordArchiveError
    > {
        func failure(_ why: String) -> Result<Record, RecordArchiveError> {
            .failure(RecordArchiveError(seq: seq, reason: "\(why) (\(path), byte offset \(place.offset))"))
        }
        var line = [UInt8](repeating: 0, count: place.length)
        var done = 0
        while done < place.length {
            let n: Int
            do {
                n = try line.withUnsafeMutableBytes { raw throws(SystemCallError) in
                    try io.pread(fd, raw.baseAddress! + done, place.length - done, place.offset + Int64(done))
                }
            } catch {
                return failure("reading it again failed: \(error)")
            }
            if n == 0 { return failure("the file is shorter than when it was verified") }
            done += n
        }
        guard Digest.sha256(line) == place.hash else {
            return failure("its line changed in the file since the chain was verified")
        }
        let envelope: Envelope
        do {
            envelope = try line.withUnsafeBufferPointer { buffer throws(LineDefect) in
                try LineParser.parse(buffer, build: true)
            }
        } catch {
            return failure("its line no longer parses: \(error)")
        }
        guard let record = envelope.record, record.seq == seq else {
            return failure("the line there is not record \(seq)")
        }
        return .success(record)
    }
}
