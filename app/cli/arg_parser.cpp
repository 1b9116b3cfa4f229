#include "arg_parser.h"

#include "headscope/core/errors.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace headscope::cli {

ArgParser::ArgParser(std::string command, std::string description)
    : m_command(std::move(command)), m_description(std::move(description))
{
}

ArgParser& ArgParser::option(const std::string& name, const std::string& metavar, const std::string& help,
                             bool required, std::optional<std::string> defaultValue)
{
    m_specs.push_back(Spec{name, metavar, help, false, required, std::move(defaultValue)});
    return *this;
}

ArgParser& ArgParser::flag(const std::string& name, const std::string& help)
{
    m_specs.push_back(Spec{name, {}, help, true, false, std::nullopt});
    return *this;
}

ArgParser& ArgParser::positional(const std::string& name, const std::string& help, bool repeated)
{
    m_positionalSpecs.emplace_back(name, help);
    m_repeatedPositional = m_repeatedPositional || repeated;
    return *this;
}

ArgParser& ArgParser::note(const std::string& text)
{
    m_notes.push_back(text);
    return *this;
}

const ArgParser::Spec* ArgParser::find(const std::string& name) const
{
    for (const Spec& s : m_specs) {
        if (s.name == name)
            return &s;
    }
    return nullptr;
}

bool ArgParser::parse(const std::vector<std::string>& args)
{
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage();
            return false;
        }
        if (arg.rfind("--", 0) == 0 && arg.size() > 2) {
            std::string name = arg.substr(2);
            std::optional<std::string> inlineValue;
            if (auto eq = name.find('='); eq != std::string::npos) {
                inlineValue = name.substr(eq + 1);
                name = name.substr(0, eq);
            }
            const Spec* spec = find(name);
            if (!spec)
                throw UsageError(m_command + ": unknown option --" + name + " (see --help)");
            if (spec->isFlag) {
                if (inlineValue)
                    throw UsageError(m_command + ": --" + name + " takes no value");
                m_values[name] = "1";
                continue;
            }
            if (inlineValue) {
                m_values[name] = *inlineValue;
            } else {
                if (i + 1 >= args.size())
                    throw UsageError(m_command + ": --" + name + " needs a value (" + spec->metavar + ")");
                m_values[name] = args[++i];
            }
            continue;
        }
        m_positionalValues.push_back(arg);
    }
    for (const Spec& s : m_specs) {
        if (s.required && !m_values.count(s.name))
            throw UsageError(m_command + ": missing required option --" + s.name + " " + s.metavar);
    }
    if (!m_repeatedPositional && m_positionalValues.size() > m_positionalSpecs.size())
        throw UsageError(m_command + ": unexpected argument '" + m_positionalValues[m_positionalSpecs.size()] +
                         "' (see --help)");
    return true;
}

bool ArgParser::given(const std::string& name) const
{
    return m_values.count(name) > 0;
}

bool ArgParser::has(const std::string& name) const
{
    if (m_values.count(name))
        return true;
    const Spec* s = find(name);
    return s && s->defaultValue.has_value();
}

std::optional<std::string> ArgParser::optional(const std::string& name) const
{
    if (auto it = m_values.find(name); it != m_values.end())
        return it->second;
    if (const Spec* s = find(name); s && s->defaultValue)
        return s->defaultValue;
    return std::nullopt;
}

std::string ArgParser::value(const std::string& name) const
{
    auto v = optional(name);
    if (!v)
        throw UsageError(m_command + ": missing option --" + name);
    return *v;
}

int ArgParser::intValue(const std::string& name) const
{
    const std::string text = value(name);
    int out = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc() || ptr != text.data() + text.size())
        throw UsageError(m_command + ": --" + name + " expects an integer, got '" + text + "'");
    return out;
}

double ArgParser::doubleValue(const std::string& name) const
{
    const std::string text = value(name);
    try {
        std::size_t used = 0;
        double out = std::stod(text, &used);
        if (used == text.size() && std::isfinite(out))
            return out;
        if (used == text.size())
            throw UsageError(m_command + ": --" + name + " expects a finite number, got '" + text + "'");
    } catch (const std::invalid_argument&) {
    } catch (const std::out_of_range&) {
    }
    throw UsageError(m_command + ": --" + name + " expects a number, got '" + text + "'");
}

int ArgParser::intValue(const std::string& name, int lo, int hi) const
{
    const int v = intValue(name);
    if (v < lo || v > hi)
        throw UsageError(m_command + ": --" + name + " expects an integer in " + std::to_string(lo) + ".." +
                         std::to_string(hi) + ", got " + std::to_string(v));
    return v;
}

double ArgParser::doubleValue(const std::string& name, double lo, double hi) const
{
    const double v = doubleValue(name);
    if (v < lo || v > hi) {
        char buf[160];
        std::snprintf(buf, sizeof buf, " expects a number in [%g, %g], got %g", lo, hi, v);
        throw UsageError(m_command + ": --" + name + buf);
    }
    return v;
}

std::string ArgParser::usage() const
{
    std::ostringstream os;
    os << "usage: headscope-cli " << m_command;
    for (const auto& [name, help] : m_positionalSpecs)
        os << " " << name << (m_repeatedPositional ? " ..." : "");
    os << " [options]\n\n" << m_description << "\n\n";
    for (const auto& [name, help] : m_positionalSpecs)
        os << "  " << name << "\n      " << help << "\n";
    for (const Spec& s : m_specs) {
        os << "  --" << s.name;
        if (!s.isFlag)
            os << " " << s.metavar;
        os << (s.required ? "  (required)" : "");
        if (s.defaultValue)
            os << "  [default: " << *s.defaultValue << "]";
        os << "\n      " << s.help << "\n";
    }
    for (const std::string& n : m_notes)
        os << "\n" << n << "\n";
    return os.str();
}

namespace {
template <typename T>
std::vector<T> parseList(const std::string& text, const std::string& what)
{
    std::vector<T> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (item.empty())
            continue;
        try {
            std::size_t used = 0;
            T v;
            if constexpr (std::is_same_v<T, int>)
                v = std::stoi(item, &used);
            else
                v = std::stod(item, &used);
            if (used != item.size())
                throw std::invalid_argument(item);
            if constexpr (std::is_floating_point_v<T>)
                if (!std::isfinite(v))
                    throw std::invalid_argument(item);
            out.push_back(v);
        } catch (const std::exception&) {
            throw UsageError(what + ": '" + item + "' is not a" + std::string(std::is_floating_point_v<T> ? " finite number" : "n integer") +
                             " (in '" + text + "')");
        }
    }
    return out;
}
} // namespace

std::vector<int> parseIntList(const std::string& text, const std::string& what)
{
    return parseList<int>(text, what);
}

std::vector<double> parseDoubleList(const std::string& text, const std::string& what)
{
    return parseList<double>(text, what);
}

uint64_t parseSeed(const std::string& text, const std::string& what)
{
    uint64_t out = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
        throw UsageError(what + ": expected an integer in 0..18446744073709551615, got '" + text + "'");
    return out;
}

} // namespace headscope::cli
