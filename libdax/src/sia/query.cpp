// SIA 2.0 section 2.2: each parameter becomes a condition on ObsCore columns (ObsCore 1.1
// section 4). Conditions are AST nodes; the query text is print_adql() of the tree.
#include <dax/sia/query.hpp>

#include <dax/adql/build.hpp>
#include <dax/adql/parser.hpp>
#include <dax/ascii.hpp>
#include <dax/dali/shapes.hpp>
#include <dax/votable/writer.hpp>

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <limits>

namespace dax::sia {

namespace {

using namespace adql::build;
using adql::compare_op;
using adql::expr_ptr;
using adql::function_id;

[[noreturn]] void refuse(std::string_view param, std::string_view value, const std::string& why) {
    throw error(fmt::format("{}={}: {}", param, value.substr(0, 200), why));
}

// A numeric parameter value: "lo hi" with -Inf/+Inf, or one number for [v, v].
dali::interval interval_of(std::string_view param, const std::string& v, bool time) {
    std::string text = v;
    if (text.find_first_not_of(" \t") != std::string::npos && dali::trim(text).find_first_of(" \t") == std::string::npos)
        text = std::string(dali::trim(text)) + " " + std::string(dali::trim(text));
    auto i = time ? dali::parse_time_interval(text) : dali::parse_interval(text);
    if (!i) refuse(param, v, i.err().what());
    if (std::isnan(i->lo) || std::isnan(i->hi)) refuse(param, v, "NaN is not a bound");
    if (i->lo == std::numeric_limits<double>::infinity() || i->hi == -std::numeric_limits<double>::infinity())
        refuse(param, v, "an interval cannot start at +Inf nor end at -Inf");
    return *i;
}

expr_ptr not_null(std::string_view col) {
    auto e = std::make_unique<adql::expr>(adql::expr_kind::is_null, source_span{});
    e->negated = true;
    e->args.push_back(column(col));
    return e;
}

// [lo, hi] includes the column's value (FOV, SPATRES, EXPTIME, TIMERES, SPECRP).
expr_ptr value_in(std::string_view col, const dali::interval& i) {
    std::vector<expr_ptr> t;
    t.push_back(not_null(col));
    if (std::isfinite(i.lo)) t.push_back(compare(column(col), compare_op::ge, number(i.lo)));
    if (std::isfinite(i.hi)) t.push_back(compare(column(col), compare_op::le, number(i.hi)));
    return all_of(std::move(t));
}

// [lo, hi] intersects [col_min, col_max] (BAND, TIME); both ends known.
expr_ptr overlaps(std::string_view col_min, std::string_view col_max, const dali::interval& i) {
    std::vector<expr_ptr> t;
    t.push_back(not_null(col_min));
    t.push_back(not_null(col_max));
    if (std::isfinite(i.hi)) t.push_back(compare(column(col_min), compare_op::le, number(i.hi)));
    if (std::isfinite(i.lo)) t.push_back(compare(column(col_max), compare_op::ge, number(i.lo)));
    return all_of(std::move(t));
}

expr_ptr region_intersects(expr_ptr shape) {
    std::vector<expr_ptr> args;
    args.push_back(std::move(shape));
    args.push_back(column("s_region"));
    return compare(call(function_id::intersects, std::move(args)), compare_op::eq, integer(1));
}

expr_ptr polygon(const std::vector<geometry::lonlat>& v) {
    std::vector<expr_ptr> args;
    for (const auto& p : v) {
        args.push_back(number(p.lon));
        args.push_back(number(p.lat));
    }
    return call(function_id::polygon, std::move(args));
}

expr_ptr circle(double lon, double lat, double r) {
    std::vector<expr_ptr> args;
    args.push_back(number(lon));
    args.push_back(number(lat));
    args.push_back(number(r));
    return call(function_id::circle, std::move(args));
}

// RANGE lon1 lon2 lat1 lat2 as polygons whose latitude edges follow the parallels (a vertex per
// degree of longitude), in pieces of at most 30 degrees of longitude (each smaller than a
// hemisphere); a piece reaching a pole ends at the pole.
expr_ptr range_shape(double lon1, double lon2, double lat1, double lat2) {
    lat1 = std::max(lat1, -90.0);
    lat2 = std::min(lat2, 90.0);
    const bool full = !std::isfinite(lon1) || !std::isfinite(lon2) || lon2 - lon1 >= 360;
    if (full) lon1 = 0, lon2 = 360;
    if (full && lat1 <= -90 && lat2 >= 90) return not_null("s_region");  // the whole sky
    // A cap around a pole is a circle while it fits pgSphere's radius limit (90 degrees); a
    // wider one is cut into pieces like any range.
    if (full && lat2 >= 90 && lat1 >= 0) return region_intersects(circle(0, 90, 90 - lat1));
    if (full && lat1 <= -90 && lat2 <= 0) return region_intersects(circle(0, -90, lat2 + 90));
    std::vector<expr_ptr> pieces;
    const double span = lon2 - lon1;
    // Pieces of at most 30 degrees: 31 vertices an edge, within SQLite's 127 function arguments.
    const int n = std::max(1, static_cast<int>(std::ceil(span / 30.0)));
    for (int k = 0; k < n; ++k) {
        const double a = lon1 + span * k / n, b = lon1 + span * (k + 1) / n;
        const int steps = std::max(1, static_cast<int>(std::ceil(b - a)));
        std::vector<geometry::lonlat> v;
        if (lat1 <= -90) v.push_back({a, -90});
        else
            for (int s = 0; s <= steps; ++s) v.push_back({a + (b - a) * s / steps, lat1});
        if (lat2 >= 90) v.push_back({b, 90});
        else
            for (int s = steps; s >= 0; --s) v.push_back({a + (b - a) * s / steps, lat2});
        if (lat1 <= -90 || lat2 >= 90) {  // a pole and one parallel: add the meridians' midpoints
            const double mid = (lat1 <= -90 ? lat2 - 90 : lat1 + 90) / 2;
            v.insert(lat1 <= -90 ? v.begin() + 1 : v.end() - 1, {b, mid});  // before the pole vertex
            v.push_back({a, mid});
        }
        for (auto& p : v) p.lon = std::fmod(std::fmod(p.lon, 360.0) + 360.0, 360.0);
        pieces.push_back(region_intersects(polygon(v)));
    }
    return any_of(std::move(pieces));
}

expr_ptr pos_condition(const std::string& v) {
    auto s = dali::parse_pos(v);
    if (!s) refuse("POS", v, s.err().what());
    const auto& n = s->numbers;
    switch (s->kind) {
    case dali::shape::kind_t::circle: return region_intersects(circle(n[0], n[1], n[2]));
    case dali::shape::kind_t::polygon: {
        std::vector<geometry::lonlat> vs;
        for (std::size_t i = 0; i + 1 < n.size(); i += 2) vs.push_back({n[i], n[i + 1]});
        return region_intersects(polygon(vs));
    }
    case dali::shape::kind_t::range: return range_shape(n[0], n[1], n[2], n[3]);
    default: refuse("POS", v, "the shape must be CIRCLE, RANGE or POLYGON");
    }
}

expr_ptr equals(std::string_view col, const std::string& v) { return compare(column(col), compare_op::eq, text(v)); }

// ID: IVOIDs compare case-insensitively (SIA 2.0 section 2.2.11).
expr_ptr id_condition(const std::string& v) {
    std::vector<expr_ptr> l, r;
    l.push_back(column("obs_publisher_did"));
    r.push_back(text(v));
    return compare(call(function_id::lower, std::move(l)), compare_op::eq, call(function_id::lower, std::move(r)));
}

// POL: a whole state of pol_states ("/I/Q/U/", ObsCore 1.1 section 4.23), not a substring.
expr_ptr pol_condition(const std::string& v) {
    static const char* const states[] = {"I", "Q", "U", "V", "RR", "LL", "RL", "LR", "XX", "YY", "XY", "YX", "POLI", "POLA"};
    if (std::find(std::begin(states), std::end(states), v) == std::end(states))
        refuse("POL", v, "not an ObsCore polarization state (I Q U V RR LL RL LR XX YY XY YX POLI POLA)");
    return like(column("pol_states"), text("%/" + v + "/%"));
}

expr_ptr calib_condition(const std::string& v) {
    const auto t = dali::trim(v);
    if (t.size() != 1 || t[0] < '0' || t[0] > '4') refuse("CALIB", v, "the calibration level is an integer from 0 to 4");
    return compare(column("calib_level"), compare_op::eq, integer(t[0] - '0'));
}

struct rule {
    const char* name;
    std::function<expr_ptr(const std::string&)> condition;
};

const std::vector<rule>& rules() {
    static const std::vector<rule> r = {
        {"POS", pos_condition},
        {"BAND", [](const std::string& v) { return overlaps("em_min", "em_max", interval_of("BAND", v, false)); }},
        {"TIME", [](const std::string& v) { return overlaps("t_min", "t_max", interval_of("TIME", v, true)); }},
        {"POL", pol_condition},
        {"FOV", [](const std::string& v) { return value_in("s_fov", interval_of("FOV", v, false)); }},
        {"SPATRES", [](const std::string& v) { return value_in("s_resolution", interval_of("SPATRES", v, false)); }},
        {"EXPTIME", [](const std::string& v) { return value_in("t_exptime", interval_of("EXPTIME", v, false)); }},
        {"TIMERES", [](const std::string& v) { return value_in("t_resolution", interval_of("TIMERES", v, false)); }},
        {"SPECRP", [](const std::string& v) { return value_in("em_res_power", interval_of("SPECRP", v, false)); }},
        {"ID", id_condition},
        {"COLLECTION", [](const std::string& v) { return equals("obs_collection", v); }},
        {"FACILITY", [](const std::string& v) { return equals("facility_name", v); }},
        {"INSTRUMENT", [](const std::string& v) { return equals("instrument_name", v); }},
        {"DPTYPE", [](const std::string& v) { return equals("dataproduct_type", v); }},
        {"CALIB", calib_condition},
        {"TARGET", [](const std::string& v) { return equals("target_name", v); }},
        {"FORMAT", [](const std::string& v) { return equals("access_format", v); }},
        // No obs_release_date here: "SHOULD provide an empty response" (section 2.2.18).
        {"RELEASEDATE", [](const std::string& v) {
             interval_of("RELEASEDATE", v, true);
             return compare(integer(1), compare_op::eq, integer(0));
         }},
    };
    return r;
}

}  // namespace

const std::vector<std::string>& parameter_names() {
    static const std::vector<std::string> n = [] {
        std::vector<std::string> out;
        for (const auto& r : rules()) out.emplace_back(r.name);
        out.emplace_back("MAXREC");
        out.emplace_back("RESPONSEFORMAT");
        return out;
    }();
    return n;
}

result<adql::query_ptr> build_query(const dali::parameters& params, std::string_view table) {
    auto q = adql::parse(fmt::format("SELECT * FROM {}", table));
    if (!q) return q.err();
    return capture([&]() -> adql::query_ptr {
        std::vector<expr_ptr> types;
        types.push_back(equals("dataproduct_type", "image"));
        types.push_back(equals("dataproduct_type", "cube"));
        where(**q, any_of(std::move(types)));
        for (const auto& r : rules()) {
            std::vector<expr_ptr> alternatives;
            for (const auto& v : dali::values(params, r.name)) alternatives.push_back(r.condition(v));
            where(**q, any_of(std::move(alternatives)));
        }
        return std::move(*q);
    });
}

std::string self_description(std::string_view query_url) {
    auto param = [](const char* name, const char* datatype, const char* arraysize, const char* unit, const char* xtype,
                    const char* description) {
        votable::service_param p;
        p.name = name;
        p.datatype = datatype;
        p.arraysize = arraysize;
        p.unit = unit;
        p.xtype = xtype;
        p.description = description;
        return p;
    };
    auto interval = [&](const char* name, const char* unit, const char* description) {
        return param(name, "double", "2", unit, "interval", description);
    };
    auto text_param = [&](const char* name, const char* description) { return param(name, "char", "*", "", "", description); };
    const std::vector<votable::service_param> ps = {
        text_param("POS", "CIRCLE lon lat r, RANGE lon1 lon2 lat1 lat2 or POLYGON lon1 lat1 ... (ICRS degrees)"),
        interval("BAND", "m", "wavelength interval"),
        interval("TIME", "d", "time interval (MJD)"),
        text_param("POL", "polarization state"),
        interval("FOV", "deg", "field of view"),
        interval("SPATRES", "arcsec", "spatial resolution"),
        interval("EXPTIME", "s", "exposure time"),
        interval("TIMERES", "s", "time resolution"),
        interval("SPECRP", "", "spectral resolving power"),
        text_param("ID", "publisher dataset identifier (case-insensitive)"),
        text_param("COLLECTION", "obs_collection"),
        text_param("FACILITY", "facility_name"),
        text_param("INSTRUMENT", "instrument_name"),
        text_param("DPTYPE", "image or cube"),
        text_param("TARGET", "target_name"),
        text_param("FORMAT", "access_format"),
        param("CALIB", "int", "", "", "", "calibration level (0 to 4)"),
        param("MAXREC", "int", "", "", "", "maximum number of records"),
    };
    return votable::service_descriptor("", query_url, "ivo://ivoa.net/std/SIA#query-2.0", ps, "this");
}

}  // namespace dax::sia
