// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets, one executable per fuzzer. Built only by `scripts/fuzz` (with -sanitize=fuzzer,address
// and -parse-as-library); the root package never builds them. SwiftPM binds an executable's `main` to
// `<module>_main`, so each target defines that symbol and hands over to libFuzzer's driver. The properties each fuzzer asserts live in
// FuzzProperties, whose files the unit tests also compile to replay the committed corpus.
let package = Package(
    name: "ReleaseDeskFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "ReleaseDesk", path: "..")],
    targets: [
        // The declaration of libFuzzer's driver, which each fuzzer's entry point calls.
        .target(name: "CFuzzerDriver"),
        // Trap on a violated property; hand the process to the driver. Shared by every fuzzer.
        .target(name: "FuzzHarness", dependencies: ["CFuzzerDriver"]),
        .target(
            name: "FuzzProperties",
            dependencies: [
                .product(name: "CanonicalJSON", package: "ReleaseDesk"),
                .product(name: "ReleaseDeskCore", package: "ReleaseDesk"),
                .product(name: "ReleaseDeskJournal", package: "ReleaseDesk"),
                .product(name: "ReleaseDeskScreen", package: "ReleaseDesk"),
            ]
        ),
        .executableTarget(name: "FuzzJournalLine", dependencies: ["FuzzProperties", "FuzzHarness"]),
        .executableTarget(name: "FuzzImportJSON", dependencies: ["FuzzProperties", "FuzzHarness"]),
        .executableTarget(name: "FuzzImportCSV", dependencies: ["FuzzProperties", "FuzzHarness"]),
        .executableTarget(name: "FuzzSanitizer", dependencies: ["FuzzProperties", "FuzzHarness"]),
    ]
)
