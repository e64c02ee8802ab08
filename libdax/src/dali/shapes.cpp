#include <dax/dali/shapes.hpp>
#include <dax/ascii.hpp>
#include <dax/geometry/frames.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace dax::dali {
namespace {

bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string lower(std::string_view s) { return ascii_lower(s); }

std::vector<std::string_view> words(std::string_view text) {
    std::vector<std::string_view> w;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && space(text[i])) ++i;
        const std::size_t b = i;
        while (i < text.size() && !space(text[i])) ++i;
        if (i > b) w.push_back(text.substr(b, i - b));
    }
    return w;
}

std::string shown(std::string_view w) { return std::string(w.substr(0, 60)) + (w.size() > 60 ? "..." : ""); }

// One number of a DALI value; "-Inf"/"+Inf" only where `infinite` (intervals, RANGE), never NaN.
result<double> number(std::string_view w, bool infinite) {
    const std::string l = lower(w);
    if (l == "+inf" || l == "inf" || l == "-inf" || l == "+infinity" || l == "infinity" || l == "-infinity") {
        if (!infinite) return error(fmt::format("'{}': an infinite value is not allowed here", shown(w)));
        return l[0] == '-' ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    }
    const char* p = w.data();
    const char* end = p + w.size();
    if (p < end && *p == '+') ++p;  // from_chars takes no leading '+' (and "+-5" is no number)
    if (p != w.data() && p < end && (*p == '-' || *p == '+')) return error(fmt::format("'{}' is not a number", shown(w)));
    double v = 0;
    auto [q, ec] = std::from_chars(p, end, v);
    if (ec != std::errc() || q != end || std::isnan(v) || std::isinf(v))
        return error(fmt::format("'{}' is not a number", shown(w)));
    return v;
}

result<std::vector<double>> numbers(const std::vector<std::string_view>& w, std::size_t from, bool infinite) {
    std::vector<double> out;
    for (std::size_t i = from; i < w.size(); ++i) {
        auto v = number(w[i], infinite);
        if (!v) return v.err();
        out.push_back(*v);
    }
    return out;
}

// Longitudes in [0, 360] and latitudes in [-90, 90] (DALI 1.1 section 3.3.5).
std::optional<error> check_lonlat(double lon, double lat) {
    if (lon < 0 || lon > 360) return error(fmt::format("longitude {} is outside [0, 360]", geometry::format_number(lon)));
    if (lat < -90 || lat > 90) return error(fmt::format("latitude {} is outside [-90, 90]", geometry::format_number(lat)));
    return std::nullopt;
}

// `strict`: DALI parameter values (ranges checked); ADQL REGION strings keep ADQL's leniency.
result<shape> point_of(std::vector<double> n, bool strict = true) {
    if (n.size() != 2) return error(fmt::format("a point has 2 values (lon lat), not {}", n.size()));
    if (auto e = strict ? check_lonlat(n[0], n[1]) : std::nullopt) return *e;
    return shape{shape::kind_t::point, std::move(n)};
}

result<shape> circle_of(std::vector<double> n, bool strict = true) {
    if (n.size() != 3) return error(fmt::format("a circle has 3 values (lon lat radius), not {}", n.size()));
    if (!strict) return shape{shape::kind_t::circle, std::move(n)};
    if (auto e = check_lonlat(n[0], n[1])) return *e;
    if (!(n[2] > 0 && n[2] <= 180))
        return error(fmt::format("circle radius {} is not in (0, 180] degrees", geometry::format_number(n[2])));
    return shape{shape::kind_t::circle, std::move(n)};
}

result<shape> polygon_of(std::vector<double> n, bool strict = true) {
    if (n.size() < 6 || n.size() % 2)
        return error(fmt::format("a polygon has an even number of at least 6 values (3 vertices), not {}", n.size()));
    if (!strict) return shape{shape::kind_t::polygon, std::move(n)};
    for (std::size_t i = 0; i < n.size(); i += 2)
        if (auto e = check_lonlat(n[i], n[i + 1])) return *e;
    std::vector<geometry::lonlat> v;
    for (std::size_t i = 0; i < n.size(); i += 2) v.push_back({n[i], n[i + 1]});
    auto p = geometry::make_polygon(v);
    if (!geometry::prepare(p))
        return error("the polygon is degenerate (two consecutive vertices are equal or opposite)");
    return shape{shape::kind_t::polygon, std::move(n)};
}

// SIA 2.0 section 2.1 RANGE: lon1 lon2 lat1 lat2, open ends as -Inf/+Inf.
result<shape> range_of(std::vector<double> n) {
    if (n.size() != 4) return error(fmt::format("a RANGE has 4 values (lon1 lon2 lat1 lat2), not {}", n.size()));
    const double inf = std::numeric_limits<double>::infinity();
    const double lon1 = std::isinf(n[0]) ? 0 : n[0];
    double lon2 = std::isinf(n[1]) ? 360 : n[1];
    const double lat1 = std::isinf(n[2]) ? -90 : n[2], lat2 = std::isinf(n[3]) ? 90 : n[3];
    if ((n[0] == inf) || (n[1] == -inf) || (n[2] == inf) || (n[3] == -inf))
        return error("RANGE: a lower end cannot be +Inf nor an upper end -Inf");
    if (auto e = check_lonlat(lon1, lat1)) return *e;
    if (auto e = check_lonlat(lon2, lat2)) return *e;
    if (lat1 > lat2) return error("RANGE: lat1 is greater than lat2");
    // lon1 > lon2 crosses longitude 0 (RANGE 355 5 ...): kept as lon2 + 360, so lon1 <= lon2
    // always and longitudes up to 720 stand for their value minus 360.
    if (lon1 > lon2) lon2 += 360;
    return shape{shape::kind_t::range, {lon1, lon2, lat1, lat2}};
}

result<shape> box_of(std::vector<double> n, bool strict = true) {
    if (n.size() != 4) return error(fmt::format("a BOX has 4 values (lon lat width height), not {}", n.size()));
    if (!strict) return shape{shape::kind_t::box, std::move(n)};
    if (auto e = check_lonlat(n[0], n[1])) return *e;
    if (!(n[2] > 0 && n[2] <= 180 && n[3] > 0 && n[3] <= 180)) return error("BOX: width and height must be in (0, 180]");
    return shape{shape::kind_t::box, std::move(n)};
}

template <class F>
result<shape> parse_numbers(std::string_view text, F make) {
    auto n = numbers(words(text), 0, false);
    if (!n) return n.err();
    return make(std::move(*n), true);
}

// Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
long days_from_civil(long y, unsigned m, unsigned d) {
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long>(doe) - 719468;
}

}  // namespace

std::optional<geometry::shape> shape::sphere() const {
    const auto& n = numbers;
    switch (kind) {
    case kind_t::point:
    case kind_t::circle:
    case kind_t::polygon: return read_shape(geometry::format_dali(n));
    case kind_t::box: {
        std::vector<double> v;
        for (const auto& c : geometry::box_corners(n[0], n[1], n[2], n[3])) v.insert(v.end(), {c.lon, c.lat});
        return read_shape(geometry::format_dali(v));
    }
    case kind_t::range: {
        // Edges of constant latitude are not great circles: they are followed by vertices every
        // degree at most (a polygon within 0.005 degrees of the range for ranges up to 10
        // degrees wide, 0.1 at 60 degrees of latitude), a pole as one vertex. Ranges 180 degrees
        // wide or more are no polygon (nullopt): callers use the numbers.
        if (n[1] - n[0] >= 180 || n[1] <= n[0] || n[3] <= n[2]) return std::nullopt;
        std::vector<double> v;
        const int steps = std::max(1, static_cast<int>(std::ceil(n[1] - n[0])));
        auto edge = [&](double lat, bool eastward) {
            if (std::fabs(lat) == 90) return v.insert(v.end(), {0.0, lat}), void();
            for (int i = 0; i <= steps; ++i) {
                const double f = static_cast<double>(eastward ? i : steps - i) / steps;
                v.insert(v.end(), {std::fmod(n[0] + f * (n[1] - n[0]), 360.0), lat});
            }
        };
        edge(n[2], true);
        edge(n[3], false);
        return read_shape(geometry::format_dali(v));
    }
    }
    return std::nullopt;
}

result<shape> parse_point(std::string_view text) { return parse_numbers(text, point_of); }
result<shape> parse_circle(std::string_view text) { return parse_numbers(text, circle_of); }
result<shape> parse_polygon(std::string_view text) { return parse_numbers(text, polygon_of); }

result<shape> parse_pos(std::string_view text) {
    const auto w = words(text);
    if (w.empty()) return error("empty POS: give CIRCLE lon lat r, RANGE lon1 lon2 lat1 lat2 or POLYGON lon1 lat1 ...");
    const std::string k = lower(w[0]);
    const bool range = k == "range";
    auto n = numbers(w, 1, range);
    if (!n) return n.err();
    if (k == "circle") return circle_of(std::move(*n));
    if (range) return range_of(std::move(*n));
    if (k == "polygon") return polygon_of(std::move(*n));
    return error(fmt::format("POS shape '{}' is not one of CIRCLE, RANGE, POLYGON", shown(w[0])));
}

namespace {

// STC-S words with '(' and ')' as words of their own ("Union(Circle" is three).
std::vector<std::string_view> stcs_words(std::string_view text) {
    std::vector<std::string_view> w;
    std::size_t i = 0;
    while (i < text.size()) {
        if (space(text[i])) {
            ++i;
            continue;
        }
        if (text[i] == '(' || text[i] == ')') {
            w.push_back(text.substr(i++, 1));
            continue;
        }
        const std::size_t b = i;
        while (i < text.size() && !space(text[i]) && text[i] != '(' && text[i] != ')') ++i;
        w.push_back(text.substr(b, i - b));
    }
    return w;
}

struct stcs_parser {
    const std::vector<std::string_view>& w;
    std::size_t i = 0;

    bool at(std::string_view s) const { return i < w.size() && lower(w[i]) == s; }
    static bool word(std::string_view s) { return !s.empty() && std::isalpha(static_cast<unsigned char>(s[0])); }
    static bool keyword(std::string_view s) {
        const std::string k = lower(s);
        return k == "circle" || k == "polygon" || k == "box" || k == "position" || k == "union" || k == "intersection" ||
               k == "not" || k == "ellipse" || k == "convex";
    }

    // Frame, reference position and flavour words (ADQL 2.1 section 4.2.8, STC-S 1.33).
    result<std::string> frame_words() {
        std::string f;
        for (; i < w.size() && word(w[i]); ++i) {
            if (!geometry::is_frame_word(w[i]))
                return error(fmt::format("'{}' is not an STC-S frame, reference position or flavour", shown(w[i])));
            f += (f.empty() ? "" : " ") + std::string(w[i]);
        }
        return f;
    }

    result<region> parse(int depth) {
        if (depth > 32) return error("the region is nested more than 32 deep");
        if (i >= w.size()) return error("the region ends too early");
        const std::string k = lower(w[i]);
        region r;
        if (k == "union" || k == "intersection" || k == "not") {
            ++i;
            r.op = k == "union" ? region::op_t::union_ : k == "intersection" ? region::op_t::intersection : region::op_t::not_;
            if (r.op != region::op_t::not_) {
                auto f = frame_words();
                if (!f) return f.err();
                r.frame = *f;
            }
            if (!at("(")) return error(fmt::format("STC-S {}: '(' expected after the keyword", shown(w[i - 1])));
            ++i;
            while (i < w.size() && !at(")")) {
                auto p = parse(depth + 1);
                if (!p) return p.err();
                r.parts.push_back(std::move(*p));
            }
            if (!at(")")) return error(fmt::format("STC-S {}: ')' is missing", k));
            ++i;
            if (r.op == region::op_t::not_ && r.parts.size() != 1) return error("STC-S Not takes one region");
            if (r.op != region::op_t::not_ && r.parts.size() < 2) return error(fmt::format("STC-S {} takes two or more regions", k));
            return r;
        }
        if (k != "circle" && k != "polygon" && k != "box" && k != "position") {
            if (k == "ellipse" || k == "convex")
                return error(error_kind::unsupported, fmt::format("STC-S {} regions are not supported", shown(w[i])));
            return error(fmt::format("'{}' is not an STC-S region (Position, Circle, Box, Polygon, Union, Intersection, Not)", shown(w[i])));
        }
        ++i;
        auto f = frame_words();
        if (!f) return f.err();
        r.frame = *f;
        std::vector<std::string_view> nums;  // up to the next region keyword or parenthesis
        while (i < w.size() && !at("(") && !at(")") && !keyword(w[i])) nums.push_back(w[i++]);
        auto n = numbers(nums, 0, false);
        if (!n) return n.err();
        auto s = k == "circle" ? circle_of(std::move(*n), false) : k == "polygon" ? polygon_of(std::move(*n), false)
               : k == "box" ? box_of(std::move(*n), false) : point_of(std::move(*n), false);
        if (!s) return s.err();
        r.value = std::move(*s);
        return r;
    }
};

}  // namespace

result<region> parse_region(std::string_view text) {
    const auto w = stcs_words(text);
    if (w.empty()) return error("empty region string");
    if (!stcs_parser::word(w[0])) {  // DALI: the count tells the shape
        auto n = numbers(w, 0, false);
        if (!n) return n.err();
        auto make = [](std::vector<double> v) -> result<shape> {
            if (v.size() == 2) return point_of(std::move(v), false);
            if (v.size() == 3) return circle_of(std::move(v), false);
            if (v.size() >= 6 && v.size() % 2 == 0) return polygon_of(std::move(v), false);
            return error("not an STC-S or DALI region (expected 2, 3 or an even number >= 6 of values)");
        };
        auto s = make(std::move(*n));
        if (!s) return s.err();
        region r;
        r.value = std::move(*s);
        return r;
    }
    stcs_parser p{w};
    auto r = p.parse(0);
    if (!r) return r.err();
    if (p.i < w.size()) return error(fmt::format("unexpected '{}' after the region", shown(w[p.i])));
    return r;
}

result<interval> parse_interval(std::string_view text) {
    const auto w = words(text);
    if (w.size() != 2) return error(fmt::format("an interval has 2 values (lo hi), not {}", w.size()));
    auto lo = number(w[0], true), hi = number(w[1], true);
    if (!lo) return lo.err();
    if (!hi) return hi.err();
    if (*lo > *hi) return error(fmt::format("interval '{} {}': lo is greater than hi", shown(w[0]), shown(w[1])));
    return interval{*lo, *hi};
}

result<double> parse_timestamp_mjd(std::string_view t) {
    // DALI 1.1 section 3.3.3: YYYY-MM-DD, optionally Thh:mm:ss with fractional seconds and Z.
    auto bad = [&] { return error(fmt::format("'{}' is not a DALI timestamp (YYYY-MM-DD['T'hh:mm:ss[.fff]]['Z'])", shown(t))); };
    if (t.size() > 19 && t.back() == 'Z') t.remove_suffix(1);  // Z only after a time (19 = YYYY-MM-DDThh:mm:ss)
    auto digits = [&](std::size_t at, std::size_t n, int& out) {
        if (at + n > t.size()) return false;
        out = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (!std::isdigit(static_cast<unsigned char>(t[i]))) return false;
            out = out * 10 + (t[i] - '0');
        }
        return true;
    };
    int y, mo, d, h = 0, mi = 0, s = 0;
    if (!digits(0, 4, y) || t.size() < 10 || t[4] != '-' || !digits(5, 2, mo) || t[7] != '-' || !digits(8, 2, d)) return bad();
    double frac = 0;
    if (t.size() > 10) {
        if (t[10] != 'T' || t.size() < 19 || !digits(11, 2, h) || t[13] != ':' || !digits(14, 2, mi) || t[16] != ':' ||
            !digits(17, 2, s))
            return bad();
        if (t.size() > 19) {
            if (t[19] != '.' || t.size() == 20) return bad();
            double f = 0, scale = 0.1;
            for (std::size_t i = 20; i < t.size(); ++i, scale /= 10) {
                if (!std::isdigit(static_cast<unsigned char>(t[i]))) return bad();
                f += (t[i] - '0') * scale;
            }
            frac = f;
        }
    }
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    // A leap second (:60) only at 23:59.
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || s > 60 || (s == 60 && (h != 23 || mi != 59)))
        return bad();
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap) return bad();
    const double day = static_cast<double>(days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)));
    return 40587.0 + day + (h * 3600.0 + mi * 60.0 + s + frac) / 86400.0;  // MJD 40587 = 1970-01-01
}

result<interval> parse_time_interval(std::string_view text) {
    const auto w = words(text);
    auto timestamp = [](std::string_view x) {  // YYYY-...
        return x.size() >= 5 && x[4] == '-' && std::all_of(x.begin(), x.begin() + 4, [](char c) { return c >= '0' && c <= '9'; });
    };
    if (w.size() == 2 && (timestamp(w[0]) || timestamp(w[1]))) {
        auto lo = parse_timestamp_mjd(w[0]), hi = parse_timestamp_mjd(w[1]);
        if (!lo) return lo.err();
        if (!hi) return hi.err();
        if (*lo > *hi) return error("time interval: the start is after the end");
        return interval{*lo, *hi};
    }
    return parse_interval(text);
}

void scan_numbers(std::string_view v, std::vector<double>& out) {
    out.clear();
    const char* p = v.data();
    const char* end = p + v.size();
    while (p < end) {
        if (*p == '+') ++p;
        if (p < end && (std::isdigit(static_cast<unsigned char>(*p)) || *p == '-' || *p == '.')) {
            double d;
            auto [q, ec] = std::from_chars(p, end, d);
            if (ec != std::errc() || q == p) {
                ++p;
                continue;
            }
            out.push_back(d);
            p = q;
        } else if (p < end) {
            ++p;
        }
    }
}

std::optional<geometry::shape> read_shape(std::string_view text) {
    using geometry::shape;
    shape s;
    const char* p = text.data();
    const char* end = p + text.size();
    // STC-S forms ("POLYGON ICRS ...", as in ObsCore's adql:REGION columns): the keyword,
    // frame words, then the same numbers as DALI.
    std::size_t expect_min = 0, expect_max = SIZE_MAX;
    while (p < end && space(*p)) ++p;
    if (p < end && std::isalpha(static_cast<unsigned char>(*p))) {
        const char* b = p;
        while (p < end && std::isalpha(static_cast<unsigned char>(*p))) ++p;
        const std::string word = lower(std::string_view(b, static_cast<std::size_t>(p - b)));
        if (word == "polygon") expect_min = 6;
        else if (word == "circle") expect_min = expect_max = 3;
        else if (word == "position") expect_min = expect_max = 2;
        else return std::nullopt;
        for (;;) {
            while (p < end && space(*p)) ++p;
            if (p >= end || !std::isalpha(static_cast<unsigned char>(*p))) break;
            while (p < end && (std::isalnum(static_cast<unsigned char>(*p)) || *p == '_')) ++p;
        }
    }
    auto& n = s.numbers;
    while (p < end) {
        while (p < end && (space(*p) || *p == ',')) ++p;
        if (p >= end) break;
        double v;
        auto [q, ec] = std::from_chars(p, end, v);
        if (ec != std::errc()) return std::nullopt;
        n.push_back(v);
        p = q;
    }
    if (n.size() < expect_min || n.size() > expect_max) return std::nullopt;
    if (n.size() == 2) {
        s.kind = shape::kind_t::point;
        s.center = geometry::to_vec(n[0], n[1]);
    } else if (n.size() == 3) {
        s.kind = shape::kind_t::circle;
        s.center = geometry::to_vec(n[0], n[1]);
        s.radius = n[2];
    } else if (n.size() >= 6 && n.size() % 2 == 0) {
        s.kind = shape::kind_t::polygon;
        for (std::size_t i = 0; i < n.size(); i += 2) s.poly.vertices.push_back(geometry::to_vec(n[i], n[i + 1]));
        if (!geometry::prepare(s.poly)) return std::nullopt;
    } else {
        return std::nullopt;
    }
    return s;
}

std::string stcs_of(const std::vector<double>& n) {
    std::string t = n.size() == 2 ? "POSITION ICRS" : n.size() == 3 ? "CIRCLE ICRS" : "POLYGON ICRS";
    for (double d : n) fmt::format_to(std::back_inserter(t), " {}", d);
    return t;
}

std::string stcs_of_text(std::string_view value) {
    if (value.empty() || std::isalpha(static_cast<unsigned char>(value[0]))) return std::string(value);
    std::size_t n = 0;
    bool in = false;
    for (char ch : value) {
        const bool sep = ch == ' ' || ch == '\t' || ch == ',';
        if (!sep && !in) ++n;
        in = !sep;
    }
    // The numbers are kept as written (no reformatting of the catalogue's digits).
    return fmt::format("{} ICRS {}", n == 2 ? "POSITION" : n == 3 ? "CIRCLE" : "POLYGON", value);
}

}  // namespace dax::dali
