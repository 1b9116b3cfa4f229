// Porter (1980) suffix-stripping stemmer, written from the published description of the
// algorithm (M.F. Porter, "An algorithm for suffix stripping", Program 14(3)), plus the
// departures of NLTK's default NLTK_EXTENSIONS mode, which rouge_score uses through
// nltk.stem.porter.PorterStemmer():
//   - a small table of irregular forms (skies, dying, lying, tying, news, innings, …);
//   - words of 1–2 letters are returned unchanged;
//   - step 1a/1b: four-letter "-ies"/"-ied" words become "-ie" (dies → die, tied → tie);
//   - step 1c: y → i only after a consonant that is not the word's first letter;
//   - *o also holds for a two-letter vowel-consonant stem (used → use);
//   - step 2: "alli" → "al" is tried first and re-run through step 2; "bli" → "ble" replaces
//     "abli" → "able"; "fulli" → "ful" is added; "logi" → "log" with the measure taken on
//     the stem INCLUDING the "l".
#include "headscope/core/gates.h"

#include <array>
#include <span>
#include <string>
#include <utility>

namespace headscope {

namespace {

class PorterWord {
public:
    explicit PorterWord(std::string w) : m_w(std::move(w)) {}
    std::string& str() { return m_w; }

    bool isConsonant(std::size_t i) const
    {
        switch (m_w[i]) {
        case 'a': case 'e': case 'i': case 'o': case 'u': return false;
        case 'y': return i == 0 || !isConsonant(i - 1);
        default: return true;
        }
    }
    // m of the first `len` letters: the number of VC sequences in [C](VC)^m[V].
    int measure(std::size_t len) const
    {
        int m = 0;
        std::size_t i = 0;
        while (i < len && isConsonant(i)) ++i;
        while (i < len) {
            while (i < len && !isConsonant(i)) ++i;
            if (i >= len) break;
            while (i < len && isConsonant(i)) ++i;
            ++m;
        }
        return m;
    }
    bool hasVowel(std::size_t len) const
    {
        for (std::size_t i = 0; i < len; ++i)
            if (!isConsonant(i)) return true;
        return false;
    }
    bool endsDoubleConsonant(std::size_t len) const
    {
        return len >= 2 && m_w[len - 1] == m_w[len - 2] && isConsonant(len - 1);
    }
    // *o: stem ends consonant-vowel-consonant, last consonant not w, x or y.
    bool endsCvc(std::size_t len) const
    {
        if (len == 2) return !isConsonant(0) && isConsonant(1); // NLTK extension
        if (len < 3) return false;
        const char c = m_w[len - 1];
        return isConsonant(len - 3) && !isConsonant(len - 2) && isConsonant(len - 1) && c != 'w' && c != 'x' && c != 'y';
    }
    bool endsWith(std::string_view s) const
    {
        return m_w.size() >= s.size() && m_w.compare(m_w.size() - s.size(), s.size(), s) == 0;
    }
    std::size_t stemLen(std::string_view suffix) const { return m_w.size() - suffix.size(); }
    void replace(std::string_view suffix, std::string_view with)
    {
        m_w.resize(stemLen(suffix));
        m_w += with;
    }

private:
    std::string m_w;
};

struct Rule {
    std::string_view suffix;
    std::string_view replacement;
};

// Longest-match rule application: the longest matching suffix decides; if its measure
// condition fails, nothing happens (shorter suffixes are not tried).
bool applyLongest(PorterWord& w, std::span<const Rule> rules, int minMeasureExclusive)
{
    const Rule* best = nullptr;
    for (const Rule& r : rules)
        if (w.endsWith(r.suffix) && (!best || r.suffix.size() > best->suffix.size()))
            best = &r;
    if (!best) return false;
    if (w.measure(w.stemLen(best->suffix)) > minMeasureExclusive) {
        w.replace(best->suffix, best->replacement);
        return true;
    }
    return false;
}

void step1a(PorterWord& w)
{
    if (w.endsWith("sses")) w.replace("sses", "ss");
    else if (w.endsWith("ies")) w.replace("ies", w.str().size() == 4 ? "ie" : "i");
    else if (w.endsWith("ss")) {}
    else if (w.endsWith("s")) w.replace("s", "");
}

void step1b(PorterWord& w)
{
    if (w.endsWith("ied")) {
        w.replace("ied", w.str().size() == 4 ? "ie" : "i");
        return;
    }
    if (w.endsWith("eed")) {
        if (w.measure(w.stemLen("eed")) > 0) w.replace("eed", "ee");
        return;
    }
    bool removed = false;
    for (std::string_view suf : {std::string_view("ed"), std::string_view("ing")}) {
        if (w.endsWith(suf) && w.hasVowel(w.stemLen(suf))) {
            w.replace(suf, "");
            removed = true;
            break;
        }
    }
    if (!removed) return;
    std::string& s = w.str();
    if (w.endsWith("at")) w.replace("at", "ate");
    else if (w.endsWith("bl")) w.replace("bl", "ble");
    else if (w.endsWith("iz")) w.replace("iz", "ize");
    else if (w.endsDoubleConsonant(s.size()) && s.back() != 'l' && s.back() != 's' && s.back() != 'z') s.pop_back();
    else if (w.measure(s.size()) == 1 && w.endsCvc(s.size())) s += 'e';
}

void step1c(PorterWord& w)
{
    std::string& s = w.str();
    if (s.size() > 2 && s.back() == 'y' && w.isConsonant(s.size() - 2))
        s.back() = 'i';
}

void step2(PorterWord& w)
{
    if (w.endsWith("alli") && w.measure(w.stemLen("alli")) > 0) {
        w.replace("alli", "al");
        step2(w);
        return;
    }
    if (w.endsWith("logi")) {
        if (w.measure(w.stemLen("ogi")) > 0) w.replace("logi", "log");
        return;
    }
    static constexpr std::array<Rule, 20> kRules = {{
        {"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"}, {"anci", "ance"}, {"izer", "ize"},
        {"bli", "ble"}, {"entli", "ent"}, {"eli", "e"}, {"ousli", "ous"}, {"ization", "ize"},
        {"ation", "ate"}, {"ator", "ate"}, {"alism", "al"}, {"iveness", "ive"}, {"fulness", "ful"},
        {"ousness", "ous"}, {"aliti", "al"}, {"iviti", "ive"}, {"biliti", "ble"}, {"fulli", "ful"},
    }};
    applyLongest(w, kRules, 0);
}

void step3(PorterWord& w)
{
    static constexpr std::array<Rule, 7> kRules = {{
        {"icate", "ic"}, {"ative", ""}, {"alize", "al"}, {"iciti", "ic"}, {"ical", "ic"}, {"ful", ""}, {"ness", ""},
    }};
    applyLongest(w, kRules, 0);
}

void step4(PorterWord& w)
{
    static constexpr std::array<std::string_view, 19> kSuffixes = {
        "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment",
        "ent", "ion", "ou", "ism", "ate", "iti", "ous", "ive", "ize"};
    std::string_view best;
    for (std::string_view suf : kSuffixes)
        if (w.endsWith(suf) && suf.size() > best.size()) best = suf;
    if (best.empty()) return;
    const std::size_t len = w.stemLen(best);
    if (w.measure(len) <= 1) return;
    if (best == "ion" && !(len > 0 && (w.str()[len - 1] == 's' || w.str()[len - 1] == 't'))) return;
    w.replace(best, "");
}

void step5(PorterWord& w)
{
    std::string& s = w.str();
    if (!s.empty() && s.back() == 'e') {
        const int m = w.measure(s.size() - 1);
        if (m > 1 || (m == 1 && !w.endsCvc(s.size() - 1))) s.pop_back();
    }
    if (w.measure(s.size()) > 1 && w.endsDoubleConsonant(s.size()) && s.back() == 'l') s.pop_back();
}

} // namespace

std::string porterStem(std::string_view word)
{
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kIrregular = {{
        {"skies", "sky"}, {"sky", "sky"}, {"dying", "die"}, {"lying", "lie"}, {"tying", "tie"},
        {"news", "news"}, {"innings", "inning"}, {"inning", "inning"}, {"outings", "outing"},
        {"outing", "outing"}, {"cannings", "canning"}, {"canning", "canning"}, {"howe", "howe"},
        {"proceed", "proceed"}, {"exceed", "exceed"}, {"succeed", "succeed"},
    }};
    for (const auto& [from, to] : kIrregular)
        if (word == from) return std::string(to);
    if (word.size() <= 2) return std::string(word);
    PorterWord w{std::string(word)};
    step1a(w);
    step1b(w);
    step1c(w);
    step2(w);
    step3(w);
    step4(w);
    step5(w);
    return w.str();
}

} // namespace headscope
