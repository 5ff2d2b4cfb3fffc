import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskJournal

/// Builds the demo journal from the files in `SampleData/`.
public enum DemoSite {
    /// A problem with a sample-data file, naming file, line and field.
    public struct InputProblem: Error, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var field: String
        public var reason: String

        public var description: String { "\(file):\(line): field \(field): \(reason)" }
    }

    /// A demo user as `users.json` lists it.
    public struct DemoUser: Sendable, Equatable {
        public var id: String
        public var name: String
        public var roles: Set<Role>
        public var password: String
    }

    /// Reads `users.json` of the sample data.
    public static func users(in directory: String) throws -> [DemoUser] {
        let file = directory + "/users.json"
        guard let bytes = try FileBytes.read(file) else {
            throw InputProblem(file: file, line: 1, field: "-", reason: "the file does not exist")
        }
        let root: InputNode
        do {
            root = try InputJSONReader.parse(bytes)
        } catch {
            throw InputProblem(file: file, line: error.line, field: "-", reason: error.reason)
        }
        guard case .array(let entries)? = root["users"]?.value else {
            throw InputProblem(file: file, line: root.line, field: "users", reason: "must be an array of users")
        }
        var result: [DemoUser] = []
        for (index, entry) in entries.enumerated() {
            func text(_ key: String) throws -> String {
                guard case .string(let value)? = entry[key]?.value else {
                    throw InputProblem(
                        file: file, line: entry.line, field: "users[\(index)].\(key)", reason: "must be a string")
                }
                return value
            }
            guard case .array(let roleNodes)? = entry["roles"]?.value else {
                throw InputProblem(
                    file: file, line: entry.line, field: "users[\(index)].roles", reason: "must be an array")
            }
            var roles: Set<Role> = []
            for node in roleNodes {
                guard case .string(let name) = node.value, let role = Role(rawValue: name) else {
                    throw InputProblem(
                        file: file, line: node.line, field: "users[\(index)].roles",
                        reason: "roles are qa, qp, supervisor, admin")
                }
                roles.insert(role)
            }
            result.append(
                DemoUser(id: try text("id"), name: try text("name"), roles: roles, password: try text("password")))
        }
        guard result.first?.roles.contains(.admin) == true else {
            throw InputProblem(
                file: file, line: root.line, field: "users[0].roles", reason: "the first user must be an administrator")
        }
        return result
    }

    /// The files of the sample site: one import of the site's data, then a later LIMS correction.
    public static let dataFiles = [
        ["master-data.json", "batches.json", "qc-results.csv", "custody-events.csv"], ["qc-corrections.csv"],
    ]

    /// Creates a journal at `locations` holding the sample site: users, then the data files imported by the
    /// first QA user, with every time moved so that the sample's reference day (`anchor` in `users.json`) is
    /// today. Returns the open desk.
    public static func build(sampleData directory: String, at locations: Locations, now: Timestamp) throws -> Desk {
        let users = try users(in: directory)
        let admin = users[0]
        let desk = try Desk.create(locations, administrator: admin.id, name: admin.name, password: admin.password)
        for user in users.dropFirst() {
            try desk.enrol(
                user.id, name: user.name, roles: user.roles, password: user.password, reason: "demo user", by: admin.id)
            // The administrator's password is temporary; each demo user then sets the published demo password as
            // their own, as a new user would before their first signature.
            try desk.changePassword(
                of: user.id, to: user.password, reason: "demo user sets their own password", by: user.id)
        }
        if let importer = users.first(where: { $0.roles.contains(.qa) }) {
            let anchor = try anchorDay(in: directory)
            let today = now.millisecondsSinceEpoch / 86_400_000 * 86_400_000
            for group in dataFiles {
                let files = group.map { directory + "/" + $0 }.filter { FileBytes.exists($0) }
                guard !files.isEmpty else { continue }
                try desk.importFiles(
                    files, by: importer.id, reason: "sample site for the demo", now: { now },
                    shiftingTimesBy: today - anchor.millisecondsSinceEpoch)
            }
        }
        desk.checkpoint()
        return desk
    }

    /// The sample's reference day: the `anchor` date of `users.json`.
    static func anchorDay(in directory: String) throws -> Timestamp {
        let file = directory + "/users.json"
        guard let bytes = try FileBytes.read(file), let root = try? InputJSONReader.parse(bytes),
            case .string(let text)? = root["anchor"]?.value, let day = Timestamp(iso8601: text)
        else {
            throw InputProblem(
                file: file, line: 1, field: "anchor", reason: "must be the sample's reference date, YYYY-MM-DD")
        }
        return day
    }
}
