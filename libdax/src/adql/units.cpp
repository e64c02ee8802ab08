// VOUnits 1.0 (IVOA Recommendation 2014) for IN_UNIT: a unit string is parsed into a factor and
// a vector of base dimensions, so composite units convert whenever their dimensions agree:
// "mas.yr**-1" to "rad/a", "km/s" to "pc/Myr", "10**-3deg" to "arcsec". Syntax: an optional
// scale factor (10**n, 10^n, or a decimal number), then symbols with optional SI prefixes joined
// by "." (product) or "/" (divides by the next symbol), each with an optional power ("**2",
// "**-1", "**(1/2)", "**(-0.5)", or FITS's "2", "-1" written right after the symbol).
#include "units.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <optional>
#include <string>

namespace dax::adql::detail {

namespace {

constexpr double pi = 3.14159265358979323846;
constexpr double julian_year = 365.25 * 86400;

// Base dimensions: SI's seven, plane angle (kept apart, as astronomers convert degrees to
// radians but never to metres) and the countable things VOUnits names (counts, photons, pixels...).
enum base { metre, kilogram, second, ampere, kelvin, mole, candela, radian, count, photon, pixel, bit, adu, chan, beam, n_base };
constexpr const char* base_names[n_base] = {"m", "kg", "s", "A", "K", "mol", "cd", "rad", "ct", "ph", "pix", "bit", "adu", "chan", "beam"};

struct quantity {
    double factor = 1;                      // in the base units
    std::array<double, n_base> dims{};      // exponents
};

quantity q(double f, std::initializer_list<std::pair<base, double>> d) {
    quantity x;
    x.factor = f;
    for (auto [b, e] : d) x.dims[b] = e;
    return x;
}

struct symbol {
    quantity value;
    bool prefixes;  // SI prefixes allowed (VOUnits 1.0 section 2.4 lists which)
};

const std::map<std::string, symbol, std::less<>>& symbols() {
    static const std::map<std::string, symbol, std::less<>> s = {
        {"m", {q(1, {{metre, 1}}), true}}, {"g", {q(1e-3, {{kilogram, 1}}), true}}, {"s", {q(1, {{second, 1}}), true}},
        {"A", {q(1, {{ampere, 1}}), true}}, {"K", {q(1, {{kelvin, 1}}), true}}, {"mol", {q(1, {{mole, 1}}), true}},
        {"cd", {q(1, {{candela, 1}}), true}}, {"rad", {q(1, {{radian, 1}}), true}}, {"sr", {q(1, {{radian, 2}}), true}},
        {"Hz", {q(1, {{second, -1}}), true}}, {"N", {q(1, {{kilogram, 1}, {metre, 1}, {second, -2}}), true}},
        {"J", {q(1, {{kilogram, 1}, {metre, 2}, {second, -2}}), true}}, {"W", {q(1, {{kilogram, 1}, {metre, 2}, {second, -3}}), true}},
        {"Pa", {q(1, {{kilogram, 1}, {metre, -1}, {second, -2}}), true}}, {"C", {q(1, {{ampere, 1}, {second, 1}}), true}},
        {"V", {q(1, {{kilogram, 1}, {metre, 2}, {second, -3}, {ampere, -1}}), true}},
        {"Ohm", {q(1, {{kilogram, 1}, {metre, 2}, {second, -3}, {ampere, -2}}), true}},
        {"S", {q(1, {{kilogram, -1}, {metre, -2}, {second, 3}, {ampere, 2}}), true}},
        {"F", {q(1, {{kilogram, -1}, {metre, -2}, {second, 4}, {ampere, 2}}), true}},
        {"Wb", {q(1, {{kilogram, 1}, {metre, 2}, {second, -2}, {ampere, -1}}), true}},
        {"T", {q(1, {{kilogram, 1}, {second, -2}, {ampere, -1}}), true}},
        {"H", {q(1, {{kilogram, 1}, {metre, 2}, {second, -2}, {ampere, -2}}), true}},
        {"lm", {q(1, {{candela, 1}, {radian, 2}}), true}}, {"lx", {q(1, {{candela, 1}, {radian, 2}, {metre, -2}}), true}},
        {"Bq", {q(1, {{second, -1}}), true}},
        // Angles and time.
        {"deg", {q(pi / 180, {{radian, 1}}), true}}, {"arcmin", {q(pi / 180 / 60, {{radian, 1}}), true}},
        {"arcsec", {q(pi / 180 / 3600, {{radian, 1}}), true}}, {"mas", {q(pi / 180 / 3.6e6, {{radian, 1}}), false}},
        {"uas", {q(pi / 180 / 3.6e9, {{radian, 1}}), false}},
        {"min", {q(60, {{second, 1}}), false}}, {"h", {q(3600, {{second, 1}}), false}}, {"d", {q(86400, {{second, 1}}), false}},
        {"a", {q(julian_year, {{second, 1}}), true}}, {"yr", {q(julian_year, {{second, 1}}), true}},
        // Astronomy and physics.
        {"AU", {q(1.495978707e11, {{metre, 1}}), false}}, {"au", {q(1.495978707e11, {{metre, 1}}), false}},
        {"pc", {q(3.0856775814913673e16, {{metre, 1}}), true}}, {"lyr", {q(9.4607304725808e15, {{metre, 1}}), true}},
        {"solRad", {q(6.957e8, {{metre, 1}}), false}}, {"solMass", {q(1.988409870698051e30, {{kilogram, 1}}), false}},  // IAU 2015 GM / CODATA 2018 G
        {"solLum", {q(3.828e26, {{kilogram, 1}, {metre, 2}, {second, -3}}), false}},
        {"Angstrom", {q(1e-10, {{metre, 1}}), false}}, {"angstrom", {q(1e-10, {{metre, 1}}), false}},
        {"eV", {q(1.602176634e-19, {{kilogram, 1}, {metre, 2}, {second, -2}}), true}},
        {"erg", {q(1e-7, {{kilogram, 1}, {metre, 2}, {second, -2}}), false}},
        {"Ry", {q(13.605693122994 * 1.602176634e-19, {{kilogram, 1}, {metre, 2}, {second, -2}}), true}},
        {"Jy", {q(1e-26, {{kilogram, 1}, {second, -2}}), true}}, {"barn", {q(1e-28, {{metre, 2}}), true}},
        {"u", {q(1.66053906660e-27, {{kilogram, 1}}), true}}, {"G", {q(1e-4, {{kilogram, 1}, {second, -2}, {ampere, -1}}), true}},
        {"R", {q(1e10 / (4 * pi), {{metre, -2}, {second, -1}, {radian, -2}, {photon, 1}}), true}},
        // Countable things.
        {"ct", {q(1, {{count, 1}}), true}}, {"count", {q(1, {{count, 1}}), true}}, {"ph", {q(1, {{photon, 1}}), true}},
        {"photon", {q(1, {{photon, 1}}), true}}, {"pix", {q(1, {{pixel, 1}}), true}}, {"pixel", {q(1, {{pixel, 1}}), true}},
        {"bit", {q(1, {{bit, 1}}), true}}, {"byte", {q(8, {{bit, 1}}), true}}, {"adu", {q(1, {{adu, 1}}), true}},
        {"chan", {q(1, {{chan, 1}}), true}}, {"beam", {q(1, {{beam, 1}}), true}},
    };
    return s;
}

// SI prefixes (VOUnits 1.0 section 2.4); "u" is micro, "da" deca.
std::optional<double> prefix(std::string_view p) {
    static const std::map<std::string, double, std::less<>> ps = {
        {"y", 1e-24}, {"z", 1e-21}, {"a", 1e-18}, {"f", 1e-15}, {"p", 1e-12}, {"n", 1e-9}, {"u", 1e-6}, {"m", 1e-3},
        {"c", 1e-2}, {"d", 1e-1}, {"da", 1e1}, {"h", 1e2}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12},
        {"P", 1e15}, {"E", 1e18}, {"Z", 1e21}, {"Y", 1e24}};
    auto it = ps.find(p);
    if (it == ps.end()) return std::nullopt;
    return it->second;
}

struct parser {
    std::string_view s;
    std::size_t i = 0;
    std::string why;

    bool fail(std::string m) {
        if (why.empty()) why = std::move(m);
        return false;
    }
    bool number(double& v) {
        std::size_t j = i;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
        // Digits, and a point only before a digit ("m**-2.Hz": the point joins symbols).
        while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) ||
                                (s[j] == '.' && j + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[j + 1])))))
            ++j;
        if (j < s.size() && (s[j] == 'e' || s[j] == 'E') && j + 1 < s.size() &&
            (std::isdigit(static_cast<unsigned char>(s[j + 1])) || ((s[j + 1] == '-' || s[j + 1] == '+') && j + 2 < s.size() &&
                                                                    std::isdigit(static_cast<unsigned char>(s[j + 2]))))) {
            j += 2;
            while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
        }
        std::string t(s.substr(i, j - i));
        if (t.empty() || t == "+" || t == "-") return false;
        if (t[0] == '+') t.erase(0, 1);
        auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        if (ec != std::errc() || p != t.data() + t.size()) return false;
        i = j;
        return true;
    }
    // "**2", "**-1", "**(1/2)", "**(-0.5)", "^2"; or FITS's "2" / "-1" right after the symbol.
    bool power(double& e) {
        e = 1;
        if (s.substr(i, 2) == "**" || (i < s.size() && s[i] == '^')) {
            i += s[i] == '^' ? 1 : 2;
            if (i < s.size() && s[i] == '(') {
                ++i;
                double a, b = 1;
                if (!number(a)) return fail("a power in parentheses needs a number");
                if (i < s.size() && s[i] == '/') {
                    ++i;
                    if (!number(b) || b == 0) return fail("a rational power needs a non-zero denominator");
                }
                if (i >= s.size() || s[i] != ')') return fail("')' is missing after the power");
                ++i;
                e = a / b;
                if (!(std::fabs(e) <= 1000)) return fail("the power is out of range");
                return true;
            }
            if (!number(e) || !(std::fabs(e) <= 1000)) return fail("'**' needs a power (at most 1000)");
            return true;
        }
        // FITS style: an integer right after the symbol.
        std::size_t j = i;
        if (j < s.size() && (s[j] == '-' || s[j] == '+')) ++j;
        const std::size_t digits = j;
        while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
        if (j == digits) return i == j ? true : fail("a sign must be followed by a power");
        long long v = 0;
        const char* b = s.data() + (s[i] == '+' ? i + 1 : i);
        auto [p, ec] = std::from_chars(b, s.data() + j, v);
        if (ec != std::errc() || p != s.data() + j || v > 1000 || v < -1000) return fail("the power is out of range");
        e = static_cast<double>(v);
        i = j;
        return true;
    }
    bool symbol_at(quantity& out) {
        std::size_t j = i;
        while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) ++j;
        const std::string_view w = s.substr(i, j - i);
        if (w.empty()) return fail(fmt::format("a unit symbol is expected at '{}'", std::string(s.substr(i))));
        if (w == "mag" || w == "dex" || w == "dB" || w == "log" || w == "ln" || w == "exp")
            return fail(fmt::format("'{}' is a logarithmic unit: IN_UNIT converts only by a factor", std::string(w)));
        const auto& syms = symbols();
        auto whole = syms.find(w);  // the whole word first: "Pa", "cd", "mas", "min"
        if (whole != syms.end()) {
            out = whole->second.value;
        } else {
            bool found = false;
            for (std::size_t k : {std::size_t(2), std::size_t(1)}) {
                if (w.size() <= k) continue;
                auto p = prefix(w.substr(0, k));
                auto it = syms.find(w.substr(k));
                if (p && it != syms.end() && it->second.prefixes) {
                    out = it->second.value;
                    out.factor *= *p;
                    found = true;
                    break;
                }
            }
            if (!found) return fail(fmt::format("unknown unit '{}'", std::string(w)));
        }
        i = j;
        return true;
    }
    bool parse(quantity& total) {
        total = quantity{};
        // Scale factor: "10**n", "10^n", or a decimal number (then the units).
        if (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) {
            if (s.substr(i, 4) == "10**" || s.substr(i, 3) == "10^") {
                i += s[i + 2] == '^' ? 3 : 4;
                double n;
                if (!number(n)) return fail("a scale factor 10**n needs its exponent");
                total.factor = std::pow(10.0, n);
                if (!std::isfinite(total.factor) || total.factor == 0) return fail("the scale factor is out of range");
            } else {
                double f;
                if (!number(f) || !(f > 0) || !std::isfinite(f)) return fail("the scale factor must be a positive finite number");
                total.factor = f;
            }
            while (i < s.size() && s[i] == ' ') ++i;
            if (i >= s.size()) return true;  // a bare number: dimensionless
        }
        bool divide = false;
        for (;;) {
            quantity t;
            if (!symbol_at(t)) return false;
            double e;
            if (!power(e)) return false;
            if (divide) e = -e;
            total.factor *= std::pow(t.factor, e);
            for (int b = 0; b < n_base; ++b) total.dims[b] += t.dims[b] * e;
            if (i >= s.size()) return true;
            if (s[i] == '.' || s[i] == '/') {
                divide = s[i] == '/';
                ++i;
                continue;
            }
            return fail(fmt::format("unexpected '{}' in the unit", std::string(s.substr(i))));
        }
    }
};

std::optional<quantity> parse_unit(std::string_view u, std::string& why) {
    parser p{u, 0, {}};
    quantity out;
    if (u.empty()) {
        why = "an empty unit";
        return std::nullopt;
    }
    if (!p.parse(out)) {
        why = p.why;
        return std::nullopt;
    }
    return out;
}

// A dimension's name for messages: a common one by name, else its base units.
std::string dimension(const quantity& x) {
    static const std::pair<const char*, quantity> named[] = {
        {"angle", q(1, {{radian, 1}})}, {"solid angle", q(1, {{radian, 2}})}, {"length", q(1, {{metre, 1}})},
        {"time", q(1, {{second, 1}})}, {"mass", q(1, {{kilogram, 1}})}, {"speed", q(1, {{metre, 1}, {second, -1}})},
        {"angular speed", q(1, {{radian, 1}, {second, -1}})}, {"frequency", q(1, {{second, -1}})},
        {"energy", q(1, {{kilogram, 1}, {metre, 2}, {second, -2}})}, {"power", q(1, {{kilogram, 1}, {metre, 2}, {second, -3}})},
        {"flux density", q(1, {{kilogram, 1}, {second, -2}})}, {"temperature", q(1, {{kelvin, 1}})}, {"area", q(1, {{metre, 2}})}};
    for (const auto& [name, n] : named) {
        bool same = true;
        for (int b = 0; b < n_base; ++b) same = same && std::fabs(n.dims[b] - x.dims[b]) < 1e-12;
        if (same) return name;
    }
    std::string d;
    for (int b = 0; b < n_base; ++b) {
        const double e = x.dims[b];
        if (std::fabs(e) < 1e-12) continue;
        if (!d.empty()) d += ".";
        d += base_names[b];
        if (std::fabs(e - 1) > 1e-12) d += "**" + fmt::format("{:g}", e);
    }
    return d.empty() ? "dimensionless" : d;
}

}  // namespace

std::optional<double> unit_factor(std::string_view from, std::string_view to, std::string& why) {
    std::string w;
    auto t = parse_unit(to, w);
    if (!t) {  // "unknown unit" starts the message: the analyzer reports it at every level
        why = w.rfind("unknown unit", 0) == 0 && w == fmt::format("unknown unit '{}'", to) ? w : fmt::format("unknown unit '{}': {}", to, w);
        return std::nullopt;
    }
    if (from.empty()) {
        why = "the value has no known unit";
        return std::nullopt;
    }
    auto f = parse_unit(from, w);
    if (!f) {
        why = fmt::format("cannot convert from unit '{}': {}", from, w);
        return std::nullopt;
    }
    for (int b = 0; b < n_base; ++b)
        if (std::fabs(f->dims[b] - t->dims[b]) > 1e-9) {
            why = fmt::format("cannot convert {} ({}) to {} ({})", from, dimension(*f), to, dimension(*t));
            return std::nullopt;
        }
    // 15 significant digits: the arithmetic of prefixes leaves 1000.0000000000001 for mas -> uas.
    const double factor = f->factor / t->factor;
    if (!std::isnormal(factor) || factor < 0) {
        why = fmt::format("the factor from {} to {} is out of range", from, to);
        return std::nullopt;
    }
    double rounded = factor;
    const std::string text = fmt::format("{:.15g}", factor);
    std::from_chars(text.data(), text.data() + text.size(), rounded);
    return std::isnormal(rounded) ? rounded : factor;
}

}  // namespace dax::adql::detail
