import Foundation

/// The committed corpus of a fuzz target. One file, linked into each test target that replays a corpus.
enum FuzzCorpus {
    /// (file name, bytes) of every file under Tests/FuzzCorpus/`target`, sorted by name.
    static func inputs(_ target: String) throws -> [(String, [UInt8])] {
        var path = #filePath
        for _ in 0..<2 { path = String(path[..<path.lastIndex(of: "/")!]) }
        let directory = path + "/FuzzCorpus/" + target
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        return try names.map { name in
            (name, Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))))
        }
    }
}
