// swift-tools-version:5.9
import PackageDescription

// entex: entity extraction for English and Spanish news and tweets.
//
// System libraries (Debian): libicu-dev, libpcre2-dev, zlib1g-dev. They are
// reached only through the C shim targets, whose public headers expose nothing but
// <stdint.h>/<stddef.h> types and opaque handles, so the system ICU never
// meets the ICU that Foundation carries inside one Swift compilation.
let package = Package(
    name: "entex",
    products: [
        .library(name: "Entex", targets: ["Entex"]),
        .executable(name: "entex", targets: ["entex"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "CICU",
            // libicuuc alone: entex calls no function of libicui18n, whose loading and
            // symbol binding cost 1.6 M instructions at every start.
            linkerSettings: [
                .linkedLibrary("icuuc"),
                .linkedLibrary("icudata"),
            ]
        ),
        .target(
            name: "CPCRE2",
            cSettings: [.define("PCRE2_CODE_UNIT_WIDTH", to: "8")],
            linkerSettings: [.linkedLibrary("pcre2-8")]
        ),
        .target(
            name: "CZlib",
            linkerSettings: [.linkedLibrary("z")]
        ),
        // Compiler built-ins Swift lacks (a cache prefetch hint) and the JSON
        // writer's SSE2 string-escape loop (Swift compiled it to scalar code).
        .target(name: "CSupport"),
        .target(
            name: "Entex",
            dependencies: ["CICU", "CPCRE2", "CSupport", "CZlib"],
            exclude: ["Output/entex-1.schema.json"],
            // Release builds skip the run-time exclusivity checks on class
            // properties (several percent of the pipeline's time); debug builds
            // and the test suite keep them, so violations still show up there.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // The Swift runtime, standard library and Foundation are linked into the
        // executable (ICU, PCRE2 and zlib stay system libraries): binding their symbols
        // at every start was 15 M instructions, a seventh of entex's start-up. The
        // modules were compiled against the shared Foundation, whose libraries name their
        // own dependencies: the static ones are named here (the executable grows from
        // 4 MB to 74 MB, mostly the ICU data Foundation carries).
        .executableTarget(
            name: "entex",
            dependencies: [
                "Entex",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: [.unsafeFlags([
                "-static-stdlib", "-lFoundationEssentials", "-lFoundationInternationalization", "-lCoreFoundation",
                "-l_FoundationICU", "-l_FoundationCollections", "-l_FoundationCShims", "-lswiftSynchronization",
                "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
            ])]
        ),
        .testTarget(
            name: "EntexTests",
            dependencies: ["Entex"]
        ),
    ]
)
