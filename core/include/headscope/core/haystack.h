#pragma once
// HaystackSpec: which text a probe hides its needles in — HeadScope's synthetic prose for a seed,
// every .txt under a directory, or one text file. The spec is what sessions record
// (describe(), parsed back by parse()); the text itself is produced by loadHaystack().
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace headscope {

inline constexpr uint64_t kDefaultHaystackSeed = 1;
// Synthetic haystacks are at least this long (characters): enough for ~50k-token contexts
// without repeating; longer contexts get proportionally more (loadHaystack).
inline constexpr std::size_t kSyntheticHaystackChars = 400000;

struct HaystackSpec {
    enum class Kind { Synthetic, Directory, File };
    Kind kind = Kind::Synthetic;
    uint64_t seed = kDefaultHaystackSeed; // Synthetic
    std::filesystem::path path;           // Directory or File
    // sha256 of the text (Directory, File): filled by loadHaystack; when set beforehand (a spec
    // parsed from a session), loadHaystack refuses text that no longer matches it.
    std::string sha256;

    static HaystackSpec synthetic(uint64_t seed = kDefaultHaystackSeed);
    static HaystackSpec directory(std::filesystem::path dir);
    static HaystackSpec file(std::filesystem::path file);
    // A path the user chose: a directory of .txt files or a single text file. Throws LoadError
    // naming the path when it is neither.
    static HaystackSpec fromPath(const std::filesystem::path& path);
    // "synthetic seed=S" | "dir PATH [sha256=HEX]" | "file PATH [sha256=HEX]" (what describe()
    // writes). Throws FormatError quoting the text otherwise.
    static HaystackSpec parse(std::string_view description);

    // The recorded form; parse(describe()) gives the spec back.
    std::string describe() const;
    // Throws UsageError when the spec cannot name a text (no path for a directory or file).
    void validate() const;

    friend bool operator==(const HaystackSpec&, const HaystackSpec&) = default;
};

struct LoadedHaystack {
    HaystackSpec spec; // with sha256 filled for directories and files
    std::string text;
};

// The spec's text, long enough for contexts of up to `longestContext` tokens (synthetic prose is
// prefix-stable, so every length gives the same prompts). Throws LoadError naming the path when
// it cannot be read or its sha256 differs from a recorded one.
LoadedHaystack loadHaystack(const HaystackSpec& spec, int longestContext);

} // namespace headscope
