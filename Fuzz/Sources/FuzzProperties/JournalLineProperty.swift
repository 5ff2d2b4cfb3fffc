import CanonicalJSON
import ReleaseDeskJournal

/// What must hold for any single journal line (without its LF): reading never crashes; whatever the strict
/// canonical reader accepts is written back by `CanonicalJSON.encode` as the very same bytes; whatever the
/// envelope parser accepts is canonical JSON and its record's canonical bytes are the line; the chain's fast
/// path gives the same verdict; every reported offset lies inside the line.
public enum JournalLineProperty {
    /// The properties `line` breaks (empty when all hold).
    public static func violations(_ line: [UInt8]) -> [String] {
        var found: [String] = []
        var decoded: JSONValue?
        do {
            let value = try CanonicalJSON.decode(line)
            decoded = value
            do {
                let again = try CanonicalJSON.encode(value)
                if again != line { found.append("the canonical reader accepted bytes that encode differently") }
            } catch {
                found.append("the canonical reader accepted a value the encoder refuses: \(error)")
            }
        } catch {
            if error.offset < 0 || error.offset > line.count {
                found.append("the canonical reader reported offset \(error.offset) outside \(line.count) bytes")
            }
        }
        let validated: Bool
        do {
            try line.withUnsafeBufferPointer { buffer in try CanonicalJSON.validate(buffer) }
            validated = true
        } catch {
            validated = false
        }
        if validated != (decoded != nil) {
            found.append("validate (\(validated)) and decode (\(decoded != nil)) disagree")
        }
        do {
            let record = try JournalLine.record(line)
            if decoded == nil { found.append("the line parser accepted a line that is not canonical JSON") }
            do {
                let bytes = try record.canonicalBytes()
                if bytes != line { found.append("an accepted line re-encodes to different bytes") }
            } catch {
                found.append("an accepted line's record cannot be encoded: \(error)")
            }
        } catch {
            if let offset = error.offsetInLine, offset < 0 || offset > line.count {
                found.append("the line parser reported offset \(offset) outside \(line.count) bytes")
            }
        }
        if !JournalLine.fastPathAgrees(line) { found.append("the chain's fast path and the full parse disagree") }
        return found
    }
}
