// Haystacks: a directory of .txt files, or HeadScope's own synthetic prose. The synthetic
// generator is deterministic for a seed (splitmix64 over word lists written for HeadScope),
// so a session can record "synthetic, seed S" instead of a hash of megabytes of text.
#include "headscope/core/errors.h"
#include "headscope/core/file_read.h"
#include "headscope/core/probe_config.h"

#include <algorithm>
#include <array>

namespace headscope {

namespace fs = std::filesystem;

std::string readHaystackDirectory(const fs::path& dir)
{
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw LoadError(dir.string() + ": haystack directory not found");
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().extension() == ".txt")
            files.push_back(e.path());
    if (files.empty())
        throw LoadError(dir.string() + ": no .txt files in the haystack directory");
    std::sort(files.begin(), files.end());
    std::string out;
    for (const fs::path& f : files) {
        out += readFileBytes(f, "haystack file");
        if (!out.empty() && out.back() != '\n')
            out += "\n";
    }
    return out;
}

namespace {

class SplitMix {
public:
    explicit SplitMix(uint64_t seed) : m_state(seed) {}
    uint64_t next()
    {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    template <std::size_t N>
    const char* pick(const std::array<const char*, N>& a) { return a[next() % N]; }

private:
    uint64_t m_state;
};

constexpr std::array<const char*, 24> kSubjects = {
    "the old harbour", "a quiet village", "the river valley", "the northern road", "an autumn market",
    "the city library", "a small workshop", "the mountain pass", "the morning train", "a wooden bridge",
    "the western garden", "the lighthouse keeper", "a travelling painter", "the baker", "the schoolteacher",
    "a young carpenter", "the fishing fleet", "the weather station", "a winter festival", "the stone tower",
    "the museum guide", "a patient gardener", "the ferry captain", "the village choir"};
constexpr std::array<const char*, 20> kVerbs = {
    "watched", "remembered", "described", "followed", "repaired", "visited", "painted", "measured",
    "carried", "welcomed", "crossed", "studied", "collected", "opened", "prepared", "mapped",
    "noticed", "protected", "rebuilt", "celebrated"};
constexpr std::array<const char*, 22> kObjects = {
    "the long shadows of the evening", "every boat that came home", "the sound of distant bells",
    "a path between the fields", "the letters kept in a drawer", "the colour of the sea", "the old maps",
    "a basket of late apples", "the steps of the clock tower", "the names on the gate", "the rain on the roof",
    "a song about the hills", "the first snow of the year", "the lamps along the pier", "a box of tools",
    "the stories of the elders", "the light over the water", "the bread for the morning", "the narrow streets",
    "a field of tall grass", "the bridge across the stream", "the windows of the square"};
constexpr std::array<const char*, 16> kEndings = {
    "before the sun went down", "without saying a word", "as the wind turned cold", "for many years",
    "with great care", "while the town was asleep", "after the long journey", "in the early hours",
    "as if nothing had changed", "under a grey sky", "when the season ended", "with a steady hand",
    "long after the others left", "at the edge of the forest", "during the harvest", "on the last day of spring"};

} // namespace

std::string syntheticHaystack(uint64_t seed, std::size_t minChars)
{
    SplitMix rng(seed);
    std::string out;
    out.reserve(minChars + 256);
    int sentencesInParagraph = 0;
    while (out.size() < minChars) {
        std::string s = rng.pick(kSubjects);
        s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
        s += std::string(" ") + rng.pick(kVerbs) + " " + rng.pick(kObjects);
        if (rng.next() % 2)
            s += std::string(" ") + rng.pick(kEndings);
        s += ". ";
        out += s;
        if (++sentencesInParagraph >= 4 + static_cast<int>(rng.next() % 4)) {
            out.back() = '\n';
            sentencesInParagraph = 0;
        }
    }
    return out;
}

} // namespace headscope
