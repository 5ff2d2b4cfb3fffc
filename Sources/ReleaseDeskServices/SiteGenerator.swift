import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskJournal

#if canImport(Glibc)
    import Glibc
#endif

/// Generates a synthetic site of any size from a master-data file: import files (batch records as JSON, QC
/// results as CSV) and, if asked, a journal holding them imported and reviewed. Deterministic for a seed.
///
/// Values are drawn inside each attribute's limits, with a few out of specification, so the review engine
/// has work to do.
public struct SiteGenerator {
    public let products: [Product]
    public let sites: [Site]
    public let masterData: [UInt8]
    /// The day the generated site's clock is anchored to (the last batch starts near it).
    public let anchor: Timestamp

    /// Reads the products and sites of `masterDataPath`.
    public init(masterDataPath: String, anchor: Timestamp) throws {
        guard let bytes = try FileBytes.read(masterDataPath) else { throw ImportFileMissing(path: masterDataPath) }
        try self.init(masterData: bytes, source: masterDataPath, anchor: anchor)
    }

    /// Reads the products and sites of a master-data file's bytes; `source` names it in errors.
    public init(masterData bytes: [UInt8], source: String, anchor: Timestamp) throws {
        let parsed = try ImportParser.parse(file: "master-data.json", sha256: Digest.sha256(bytes).hex, bytes: bytes)
            .get()
        var products: [Product] = []
        var sites: [Site] = []
        for item in parsed.items {
            switch item.item {
            case .product(let p): products.append(p)
            case .site(let s): sites.append(s)
            default: break
            }
        }
        guard !products.isEmpty, !sites.isEmpty else {
            throw ImportFileMissing(path: source + " (products and sites)")
        }
        self.products = products
        self.sites = sites
        self.masterData = bytes
        self.anchor = anchor
    }

    /// Batch number `index` of a run seeded with `seed`: its record and its QC results.
    public func batch(_ index: Int, seed: UInt64) -> (Batch, [QCResult]) {
        var g = SeededGenerator(seed: seed &* 0x9E37_79B9 &+ UInt64(index))
        let product = products[index % products.count]
        let site = sites[(index / products.count) % sites.count]
        let day: Int64 = 86_400_000
        // One batch every two hours, going back from eleven days before the anchor, so that every batch is
        // made, tested and recorded before the day it is imported (import refuses events in the future).
        let start = anchor.adding(milliseconds: -11 * day - Int64(index) * 3_600_000 * 2)
        let end = start.adding(milliseconds: 10 * day)
        let autologous = product.modality == "autologous"
        let coi = autologous ? "COI-" + String(g.next() % 0xFFFFFF, radix: 16, uppercase: true) : nil
        var qc: [QCResult] = []
        for (k, attribute) in product.attributes.enumerated() {
            let outOfSpec = g.next() % 100 < 2
            let value = Self.value(for: attribute.limit, outOfSpec: outOfSpec, generator: &g)
            qc.append(
                QCResult(
                    id: "G\(index)-\(k)", attribute: attribute.id, value: value, unit: attribute.unit,
                    testedAt: end.adding(milliseconds: -day), status: "final"))
        }
        var readings: [ParameterReading] = []
        for parameter in product.parameters.prefix(2) {
            let span = parameter.high.value - parameter.low.value
            let v = parameter.low.value + span * (0.2 + Double(g.next() % 600) / 1000)
            readings.append(
                ParameterReading(
                    parameter: parameter.id, value: Quantity(v, decimals: 1), unit: parameter.unit,
                    at: start.adding(milliseconds: 4 * day)))
        }
        let batch = Batch(
            id: "GEN-" + SyntheticData.pad(index, 7), product: product.id, site: site.id, coi: coi,
            patientWeightKg: autologous ? Quantity(Double(45 + g.next() % 50), decimals: 0) : nil,
            apheresisAt: autologous ? start.adding(milliseconds: -day) : nil, manufactureStart: start,
            manufactureEnd: end,
            expiry: end.adding(milliseconds: 270 * day),
            plannedInfusion: autologous ? end.adding(milliseconds: 20 * day) : nil,
            steps: [
                BatchStep(
                    id: "S1", name: "formulation and fill", entries: [("bag count", "2")], performedBy: "op.a",
                    performedAt: end, requiresVerification: true, verifiedBy: "op.b")
            ],
            readings: readings, qc: [], custody: [], environment: [],
            labels: coi.map { [LabelCheck(item: "final bag", coi: $0)] } ?? [],
            deviations: [])
        return (batch, qc)
    }

    /// A result for `limit`: inside it, or (with `outOfSpec`) just outside.
    static func value(for limit: Limit, outOfSpec: Bool, generator g: inout SeededGenerator) -> String {
        let jitter = Double(g.next() % 1000) / 1000
        switch limit {
        case .minimum(let low):
            return Quantity(outOfSpec ? low.value * 0.95 : low.value * (1.1 + 0.1 * jitter), decimals: 1).text
        case .maximum(let high):
            return Quantity(outOfSpec ? high.value * 1.2 : high.value * (0.2 + 0.5 * jitter), decimals: 2).text
        case .range(let low, let high):
            if outOfSpec { return Self.scientific(high.value * 1.1) }
            return Self.scientific(low.value + (high.value - low.value) * (0.25 + 0.5 * jitter))
        case .equals(let text): return text
        case .detected: return "detected"
        case .notDetected: return outOfSpec ? "detected" : "not detected"
        case .conforms: return "conforms"
        }
    }

    static func scientific(_ value: Double) -> String {
        if value >= 1e5 {
            var exponent = 0
            var mantissa = value
            while mantissa >= 10 {
                mantissa /= 10
                exponent += 1
            }
            return "\(Quantity(mantissa, decimals: 2).text)e\(exponent)"
        }
        return Quantity(value, decimals: 2).text
    }

    /// Writes `master-data.json`, `batches.json` and `qc-results.csv` for `count` batches into `directory`.
    public func writeImportFiles(count: Int, seed: UInt64, to directory: String) throws {
        try FileBytes.replaceAtomically(directory + "/master-data.json", with: masterData, mode: 0o644)
        var json = StreamFile(directory + "/batches.json")
        var csv = StreamFile(directory + "/qc-results.csv")
        try json.open()
        try csv.open()
        try json.write("{\"about\":\"generated batch records\",\"batches\":[\n")
        try csv.write("batch,result_id,attribute,value,unit,tested_at\n")
        for index in 0..<count {
            let (batch, results) = self.batch(index, seed: seed)
            try json.write(
                (index > 0 ? ",\n" : "") + String(decoding: try CanonicalJSON.encode(batch.json), as: UTF8.self))
            for r in results {
                try csv.write("\(batch.id),\(r.id),\(r.attribute),\(r.value),\(r.unit),\(r.testedAt)\n")
            }
        }
        try json.write("\n]}\n")
        try json.close()
        try csv.close()
    }

    /// Writes a journal at `path` holding the master data, `count` batches and their QC results imported
    /// in chunks, each chunk an atomic import followed by its reviews, as `importer` would have written them.
    public func writeJournal(
        count: Int, seed: UInt64, to path: String, administrator: String, importer: String, chunk: Int = 1000
    ) throws -> JournalHead {
        var state = DeskState()
        var seq: Int64 = 1
        // The journal's clock runs (7 ms a record, about three records a batch) from a day before the anchor,
        // when the newest batch's last event has happened, so no import holds an event after its own time; it
        // stays before the anchor (today's midnight, never after the time the journal is written) up to some
        // four million batches. (It used to end there instead, which put large sites' newest events after
        // their imports.)
        var clock = anchor.adding(milliseconds: -86_400_000)
        var pending: [(RecordDraft, Timestamp)] = []
        var next = 0
        var stage = 0  // 0: enrolments, 1: master data, 2: batches
        let masterFile = try ImportParser.parse(
            file: "master-data.json", sha256: Digest.sha256(masterData).hex, bytes: masterData
        ).get()
        func stamp(_ drafts: [RecordDraft]) {
            for draft in drafts {
                seq += 1
                clock = clock.adding(milliseconds: 7)
                state.apply(
                    Record(
                        seq: seq, at: clock, actor: draft.actor, host: "sample-host", kind: draft.kind,
                        body: draft.body, prev: Record.zeroHash))
                pending.append((draft, clock))
            }
        }
        var failure: Error? = nil
        let records = AnyIterator<(RecordDraft, Timestamp)> {
            while pending.isEmpty {
                do {
                    switch stage {
                    case 0:
                        stamp([
                            try UserAdministration.enrolFirstAdministrator(administrator, name: "Sample Administrator")
                        ])
                        stamp(
                            try UserAdministration.enrol(
                                importer, name: "Sample QA", roles: [.qa], reason: nil, by: administrator, in: state))
                        stage = 1
                    case 1:
                        stamp(
                            try ImportPlanner.plan(
                                [masterFile], importID: "master", actor: importer, reason: nil, now: clock, state: state
                            ).get())
                        stage = 2
                    default:
                        guard next < count else { return nil }
                        let upper = min(count, next + chunk)
                        var batches: [LocatedItem] = []
                        var results: [LocatedItem] = []
                        for index in next..<upper {
                            let (batch, qc) = self.batch(index, seed: seed)
                            batches.append(
                                LocatedItem(
                                    file: "batches.json", line: index + 2, path: "batches[\(index)]",
                                    item: .batch(batch)))
                            for r in qc {
                                results.append(
                                    LocatedItem(
                                        file: "qc-results.csv", line: 0, path: "",
                                        item: .qcResult(batch: batch.id, result: r, correctionReason: nil)))
                            }
                        }
                        let files = [
                            ParsedImport(
                                file: "batches.json", sha256: "generated", format: "batch-records", items: batches),
                            ParsedImport(
                                file: "qc-results.csv", sha256: "generated", format: "qc-results", items: results),
                        ]
                        stamp(
                            try ImportPlanner.plan(
                                files, importID: "chunk-\(next)", actor: importer, reason: nil, now: clock, state: state
                            ).get())
                        next = upper
                    }
                } catch {
                    failure = error
                    return nil
                }
            }
            return pending.removeFirst()
        }
        let head = try BulkWriter.create(
            at: path, actor: administrator, host: "sample-host", journalID: SystemEnvironment.randomUUID(),
            createdAt: anchor.adding(milliseconds: -Int64(count) * 1000 - 2 * 86_400_000), records: records)
        if let failure { throw failure }
        return head
    }
}

/// Buffered writing of a new file.
struct StreamFile {
    let path: String
    private var handle: UnsafeMutablePointer<FILE>? = nil

    init(_ path: String) {
        self.path = path
    }

    mutating func open() throws {
        handle = fopen(path, "wx")
        guard handle != nil else { throw FileBytes.Failure(description: "cannot create \(path)", code: errno) }
    }

    func write(_ text: String) throws {
        var bytes = Array(text.utf8)
        guard fwrite(&bytes, 1, bytes.count, handle) == bytes.count else {
            throw FileBytes.Failure(description: "cannot write \(path)", code: errno)
        }
    }

    mutating func close() throws {
        guard fflush(handle) == 0, fsync(fileno(handle)) == 0 else {
            throw FileBytes.Failure(description: "cannot write \(path)", code: errno)
        }
        fclose(handle)
        handle = nil
    }
}
