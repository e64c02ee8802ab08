#include <dax/tap/cone_search.hpp>

#include <dax/adql/build.hpp>
#include <dax/adql/parser.hpp>
#include <dax/xml.hpp>

#include "values.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

namespace dax::tap {

namespace {

double coordinate(const dali::parameters& p, const char* name, double lo, double hi) {
    auto v = dali::value(p, name);
    if (!v || dali::trim(*v).empty()) throw error(fmt::format("{} is missing (RA, DEC and SR are required, in degrees)", name));
    const std::string t = dali::trim(*v);
    char* end = nullptr;
    const double d = std::strtod(t.c_str(), &end);
    if (end != t.c_str() + t.size() || !std::isfinite(d)) throw error(fmt::format("{}={}: not a number", name, t.substr(0, 40)));
    if (d < lo || d > hi) throw error(fmt::format("{}={}: must be in [{}, {}]", name, t.substr(0, 40), lo, hi));
    return d;
}

const adql::table_info* find_table(const service& svc, std::string_view qualified) {
    for (const auto& t : svc.catalog().tables())
        if (dali::iequals(t->schema + "." + t->name, qualified)) return t.get();
    return nullptr;
}

}  // namespace

std::vector<std::string> cone_search_tables(const service& svc) {
    std::vector<std::string> out;
    for (const auto& t : svc.catalog().tables())
        if (t->schema != "TAP_SCHEMA" && find_position(*t).ra) out.push_back(t->schema + "." + t->name);
    return out;
}

result<prepared_query> prepare_cone_search(const service& svc, std::string_view table, const dali::parameters& p) {
    const adql::table_info* t = find_table(svc, table);
    if (!t || !find_position(*t).ra)
        return error(error_kind::not_found, fmt::format("no table '{}' with main position columns for a cone search", table));
    const auto pos = find_position(*t);
    return capture([&] {
        const double ra = coordinate(p, "RA", 0, 360), dec = coordinate(p, "DEC", -90, 90), sr = coordinate(p, "SR", 0, 180);
        int verb = 2;
        if (auto v = dali::value(p, "VERB"); v && !dali::trim(*v).empty()) {
            const std::string s = dali::trim(*v);
            if (s != "1" && s != "2" && s != "3") throw error(fmt::format("VERB={}: must be 1, 2 or 3", s.substr(0, 40)));
            verb = s[0] - '0';
        }
        auto maxrec = dali::maxrec(p, svc.lim().default_maxrec, svc.lim().hard_maxrec);
        if (!maxrec) throw error(fmt::format("MAXREC: {}", maxrec.err().what()));
        // The columns: VERB=1 the ID and position, 2 the principal ones too, 3 all.
        const adql::column_info* id = nullptr;
        for (const auto& c : t->columns)
            if (c.ucd.rfind("meta.id;meta.main", 0) == 0) id = &c;
        // Catalogue names as ADQL writes them: delimited when not regular or reserved.
        auto name = [](const std::string& n) {
            if (adql::is_regular_identifier(n) && !adql::is_reserved_word(n)) return n;
            std::string d = "\"";
            for (char ch : n) d += ch == '"' ? std::string("\"\"") : std::string(1, ch);
            return d + "\"";
        };
        std::string cols;
        for (const auto& c : t->columns) {
            const bool key = &c == id || &c == pos.ra || &c == pos.dec;
            if (verb == 3 || key || (verb == 2 && c.principal)) cols += (cols.empty() ? "" : ", ") + name(c.name);
        }
        auto q = adql::parse(fmt::format("SELECT {} FROM {}.{}", cols, name(t->schema), name(t->name)));
        if (!q) throw q.err();
        using namespace adql::build;
        std::vector<adql::expr_ptr> point, circle, both;
        point.push_back(column(pos.ra->name));
        point.push_back(column(pos.dec->name));
        circle.push_back(number(ra));
        circle.push_back(number(dec));
        circle.push_back(number(sr));
        both.push_back(call(adql::function_id::point, std::move(point)));
        both.push_back(call(adql::function_id::circle, std::move(circle)));
        where(**q, compare(call(adql::function_id::contains, std::move(both)), adql::compare_op::eq, integer(1)));
        query_request r;
        r.adql = adql::print_adql(**q);
        r.maxrec = *maxrec;
        auto prepared = svc.prepare_query(std::move(r));
        if (!prepared) throw prepared.err();
        for (auto& f : prepared->fields) {  // SCS 1.03 section 3.3: the UCD1 words
            if (id && f.name == id->name) f.ucd = "ID_MAIN";
            else if (f.name == pos.ra->name) f.ucd = "POS_EQ_RA_MAIN";
            else if (f.name == pos.dec->name) f.ucd = "POS_EQ_DEC_MAIN";
        }
        return std::move(*prepared);
    });
}

std::string cone_search_error(std::string_view message) {
    const std::string m = xml_escape(message);
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n"
           "<RESOURCE type=\"results\">\n<INFO name=\"QUERY_STATUS\" value=\"ERROR\">" + m + "</INFO>\n<INFO name=\"Error\" value=\"" + m +
           "\"/>\n</RESOURCE>\n</VOTABLE>\n";
}

}  // namespace dax::tap
