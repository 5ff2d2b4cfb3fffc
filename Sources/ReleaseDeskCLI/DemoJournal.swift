import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskServices

#if canImport(Glibc)
    import Glibc
#endif

/// `--demo`: a fresh journal built from `SampleData/` in a temporary directory.
enum DemoJournal {
    static func build(environment: [String: String], stateDirectory: String) throws -> Locations {
        guard let sampleData = sampleDataDirectory(environment: environment) else {
            throw Failure(
                .noInput, "cannot find SampleData/ (run from the project folder, or set RELEASEDESK_SAMPLE_DATA)")
        }
        let base = environment["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
        var template = Array("\(base)/releasedesk-demo-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw Failure(.cannotCreate, "cannot create a temporary directory under \(base)")
        }
        let directory = String(cString: made)
        let journal = directory + "/journal.jsonl"
        // The demo keeps its witness beside it, so demo runs leave nothing in the user's own state.
        let locations = Locations(
            journal: journal, credentials: CredentialStore.path(forJournal: journal),
            stateDirectory: directory + "/state")
        do {
            _ = try DemoSite.build(sampleData: sampleData, at: locations, now: SystemEnvironment.clock())
        } catch let problem as DemoSite.InputProblem {
            throw Failure(.dataError, problem.description)
        } catch let problems as ImportProblems {
            throw Failure(
                .dataError,
                "the sample data does not import: " + problems.problems.map(\.description).joined(separator: "; "))
        }
        StandardError.write("releasedesk: demo journal built at \(journal)\n")
        return locations
    }

    static func sampleDataDirectory(environment: [String: String]) -> String? {
        var candidates: [String] = []
        if let configured = environment["RELEASEDESK_SAMPLE_DATA"], !configured.isEmpty {
            candidates.append(configured)
        }
        candidates.append("SampleData")
        if let executable = executableDirectory() {
            candidates.append(executable + "/../../SampleData")  // .build/<configuration>/releasedesk
            candidates.append(executable + "/../../../SampleData")
            candidates.append(executable + "/../share/releasedesk/SampleData")
        }
        return candidates.first { FileBytes.exists($0 + "/users.json") }
    }

    static func executableDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Journal.parentDirectory(of: path)
    }
}
