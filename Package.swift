// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ReleaseDesk",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "releasedesk", targets: ["ReleaseDeskCLI"]),
        // For the fuzz targets in Fuzz/ (a separate package that depends on this one by path).
        .library(name: "CanonicalJSON", targets: ["CanonicalJSON"]),
        .library(name: "ReleaseDeskCore", targets: ["ReleaseDeskCore"]),
        .library(name: "ReleaseDeskJournal", targets: ["ReleaseDeskJournal"]),
        .library(name: "ReleaseDeskScreen", targets: ["ReleaseDeskScreen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The canonical JSON of docs/journal-format.md §2.1: values, writer, strict reader. Pure.
        .target(name: "CanonicalJSON"),
        // The domain: records, users, rules, the fold from records to state. Pure: no I/O, no clock.
        .target(name: "ReleaseDeskCore", dependencies: ["CanonicalJSON"]),
        // The journal file: hash chain, locking, durable append, torn tails, verification, witnesses.
        .target(
            name: "ReleaseDeskJournal",
            dependencies: [
                "CanonicalJSON", "ReleaseDeskCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Debug builds only: fault injection and the clock shift of the torture tests (docs/torture.md).
            swiftSettings: [.define("RELEASEDESK_TEST_HOOKS", .when(configuration: .debug))]
        ),
        // Use cases over journal + core: atomic actions under the journal lock, credentials, sign-in.
        .target(
            name: "ReleaseDeskServices",
            dependencies: [
                "CanonicalJSON", "ReleaseDeskCore", "ReleaseDeskJournal", "ReleaseDeskPostgres",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"), "CPAMShim",
            ],
            swiftSettings: [.define("RELEASEDESK_TEST_HOOKS", .when(configuration: .debug))]
        ),
        // The journal in PostgreSQL: the same lines and chain as the file, through the JournalStore protocol.
        .target(
            name: "ReleaseDeskPostgres",
            dependencies: [
                "ReleaseDeskCore", "ReleaseDeskJournal",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // The system's C libraries, declared with the Debian/Ubuntu package that provides each, so that a build
        // without them names the package to install. Debian 12 ships pam.pc with libpam0g-dev; where a release
        // does not, the build warns with the same hint and still finds the headers in /usr/include.
        .systemLibrary(name: "CPAM", pkgConfig: "pam", providers: [.apt(["libpam0g-dev"])]),
        .systemLibrary(name: "CNCursesW", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),
        // C over libpam: one call that starts, authenticates, checks the account and ends. Only the services use it.
        .target(name: "CPAMShim", dependencies: ["CPAM"], linkerSettings: [.linkedLibrary("pam")]),
        // The app layer of the workstation: UI state, the pure reducer, the key map as data.
        .target(name: "ReleaseDeskWorkstation", dependencies: ["ReleaseDeskCore"]),
        // The screen: cell buffer, panes, themes. Rendering is a pure function of state, size and theme.
        .target(name: "ReleaseDeskScreen", dependencies: ["ReleaseDeskCore", "ReleaseDeskWorkstation"]),
        // C accessors over ncursesw (curses globals and macros stay on the C side).
        .target(name: "CNCursesShim", dependencies: ["CNCursesW"], linkerSettings: [.linkedLibrary("ncursesw")]),
        // The terminal backend: the only code that imports the curses shim.
        .target(
            name: "ReleaseDeskTerminal",
            dependencies: ["CNCursesShim", "ReleaseDeskScreen", "ReleaseDeskWorkstation"]
        ),
        // The workstation's effect loop, generic over the terminal: keys → reducer → effects → frames, the
        // journal polled, integrity checked in the background. No rule and no drawing of its own.
        .target(
            name: "ReleaseDeskRuntime",
            dependencies: [
                "ReleaseDeskCore", "ReleaseDeskJournal", "ReleaseDeskServices", "ReleaseDeskWorkstation",
                "ReleaseDeskScreen",
            ]
        ),
        // The `releasedesk` executable: argument parsing and wiring only.
        .executableTarget(
            name: "ReleaseDeskCLI",
            dependencies: [
                "CanonicalJSON", "ReleaseDeskCore", "ReleaseDeskJournal", "ReleaseDeskServices",
                "ReleaseDeskWorkstation", "ReleaseDeskScreen", "ReleaseDeskTerminal", "ReleaseDeskRuntime",
                "ReleaseDeskPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CanonicalJSONTests", dependencies: ["CanonicalJSON"]),
        .testTarget(name: "ReleaseDeskCoreTests", dependencies: ["ReleaseDeskCore", "CanonicalJSON"]),
        .testTarget(
            name: "ReleaseDeskJournalTests",
            dependencies: ["ReleaseDeskJournal", "ReleaseDeskCore", "CanonicalJSON", "ReleaseDeskPostgres"],
            resources: [.copy("Golden")]
        ),
        // Reducer, key map, render snapshots and themes: the workstation without a terminal.
        .testTarget(
            name: "ReleaseDeskWorkstationTests",
            dependencies: ["ReleaseDeskWorkstation", "ReleaseDeskScreen", "ReleaseDeskCore", "CanonicalJSON"],
            exclude: ["Snapshots"]
        ),
        .testTarget(
            name: "ReleaseDeskCLITests",
            dependencies: ["ReleaseDeskCLI", "ReleaseDeskJournal", "CanonicalJSON", "ReleaseDeskPostgres"],
            swiftSettings: [.define("RELEASEDESK_TEST_HOOKS", .when(configuration: .debug))]
        ),
        // The workstation's runtime driven headless, a key at a time, against the in-memory terminal.
        .testTarget(
            name: "ReleaseDeskRuntimeTests",
            dependencies: [
                "ReleaseDeskRuntime", "ReleaseDeskServices", "ReleaseDeskScreen", "ReleaseDeskWorkstation",
                "ReleaseDeskCore",
                "ReleaseDeskJournal",
            ]
        ),
        // Sign-in through PAM (service files of the tests' own) and the configuration file.
        .testTarget(
            name: "ReleaseDeskServicesTests",
            dependencies: ["ReleaseDeskServices", "ReleaseDeskJournal", "ReleaseDeskCore"]
        ),
    ]
)
