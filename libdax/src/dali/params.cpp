#include <dax/dali/params.hpp>
#include <dax/ascii.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace dax::dali {
namespace {
std::string lower(std::string_view s) { return ascii_lower(s); }
}  // namespace

bool iequals(std::string_view a, std::string_view b) {
    return ascii_iequals(a, b);
}

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

std::optional<std::string> value(const parameters& p, std::string_view name) {
    std::optional<std::string> v;
    for (const auto& [k, x] : p)
        if (iequals(k, name)) v = x;
    return v;
}

std::vector<std::string> values(const parameters& p, std::string_view name) {
    std::vector<std::string> v;
    for (const auto& [k, x] : p)
        if (iequals(k, name)) v.push_back(x);
    return v;
}

result<std::int64_t> maxrec(const parameters& p, std::int64_t default_maxrec, std::int64_t hard_maxrec) {
    auto m = value(p, "MAXREC");
    if (!m || trim(*m).empty()) return std::min(default_maxrec, hard_maxrec);
    const std::string v = trim(*m);
    std::size_t used = 0;
    long long n = -1;
    try {
        n = std::stoll(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v.size() || n < 0) {
        // A non-negative integer too large for 64 bits asks for everything: the hard limit.
        if (!v.empty() && v.size() <= 4096 && std::all_of(v.begin() + (v[0] == '+'), v.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
            v.size() > static_cast<std::size_t>(v[0] == '+'))
            return hard_maxrec;
        return error(fmt::format("MAXREC={} is not a non-negative integer", m->substr(0, 60)));
    }
    return std::min<std::int64_t>(n, hard_maxrec);
}

const output_format* find_format(const std::vector<output_format>& formats, std::string_view value) {
    // Normalise "type; a=b ;c=d" to lower case without blanks, parameters sorted.
    std::string v = lower(trim(value));
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= v.size(); ++i)
        if (i == v.size() || v[i] == ';') {
            parts.push_back(trim(std::string_view(v).substr(start, i - start)));
            start = i + 1;
        }
    std::sort(parts.begin() + 1, parts.end());
    std::string norm = parts[0];
    for (std::size_t i = 1; i < parts.size(); ++i) norm += ";" + parts[i];
    for (const auto& f : formats)
        for (const auto& a : f.aliases)
            if (lower(a) == norm) return &f;
    return nullptr;
}

result<const output_format*> response_format(const parameters& p, const std::vector<output_format>& formats,
                                             std::string_view alias) {
    auto v = value(p, "RESPONSEFORMAT");
    if (!v && !alias.empty()) v = value(p, alias);
    if (!v || trim(*v).empty()) return &formats.at(0);
    if (const auto* f = find_format(formats, *v)) return f;
    std::string names;
    for (const auto& f : formats) names += (names.empty() ? "" : ", ") + f.name;
    return error(error_kind::unsupported,
                 fmt::format("RESPONSEFORMAT={} is not supported; supported: {} (or their MIME types)", v->substr(0, 100), names));
}

}  // namespace dax::dali
