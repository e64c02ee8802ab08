// The service's self-description: VOSI 1.1 tables, capabilities (with TAPRegExt 1.0),
// availability, and DALI 1.1 examples.
#include <dax/dali/vosi.hpp>
#include <dax/tap/service.hpp>
#include <dax/tap/cone_search.hpp>
#include <dax/tap/tap_schema.hpp>

#include <fmt/format.h>

namespace dax::tap {
namespace {

using votable::xml_escape;

void element(std::string& out, std::string_view indent, std::string_view name, std::string_view text) {
    if (!text.empty()) fmt::format_to(std::back_inserter(out), "{}<{}>{}</{}>\n", indent, name, xml_escape(text), name);
}

void table_element(std::string& out, const adql::table_info& t, bool columns, std::string_view root_attrs,
                   const std::vector<adql::foreign_key_info>& keys) {
    fmt::format_to(std::back_inserter(out), "{}<{} type=\"table\"{}>\n", root_attrs.empty() ? "    " : "", root_attrs.empty() ? "table" : "vosi:table", root_attrs);
    const std::string in = root_attrs.empty() ? "      " : "  ";
    element(out, in, "name", t.schema + "." + t.name);
    element(out, in, "description", t.description);
    if (columns)
        for (const auto& c : t.columns) {
            fmt::format_to(std::back_inserter(out), "{}<column{}>\n", in, c.std ? " std=\"true\"" : "");
            const std::string in2 = in + "  ";
            element(out, in2, "name", published_column_name(c.name));
            element(out, in2, "description", c.description);
            element(out, in2, "unit", c.unit);
            element(out, in2, "ucd", c.ucd);
            element(out, in2, "utype", c.utype);
            const auto f = to_field(c);
            std::string attrs;
            if (!f.arraysize.empty()) attrs += fmt::format(" arraysize=\"{}\"", xml_escape(f.arraysize));
            if (!c.xtype.empty()) attrs += fmt::format(" extendedType=\"{}\"", xml_escape(c.xtype));
            fmt::format_to(std::back_inserter(out), "{}<dataType xsi:type=\"vs:VOTableType\"{}>{}</dataType>\n", in2, attrs,
                           votable::datatype_name(f.type));
            if (c.indexed) fmt::format_to(std::back_inserter(out), "{}<flag>indexed</flag>\n", in2);
            if (c.principal) fmt::format_to(std::back_inserter(out), "{}<flag>principal</flag>\n", in2);
            fmt::format_to(std::back_inserter(out), "{}</column>\n", in);
        }
    if (columns)
        for (const auto& k : keys)
            if (k.from_table == t.schema + "." + t.name) {
                fmt::format_to(std::back_inserter(out), "{0}<foreignKey>\n{0}  <targetTable>{1}</targetTable>\n", in,
                               xml_escape(k.target_table));
                for (const auto& [from, target] : k.columns)
                    fmt::format_to(std::back_inserter(out),
                                   "{}  <fkColumn><fromColumn>{}</fromColumn><targetColumn>{}</targetColumn></fkColumn>\n", in,
                                   xml_escape(published_column_name(from)), xml_escape(published_column_name(target)));
                fmt::format_to(std::back_inserter(out), "{0}  <description>{1}</description>\n{0}</foreignKey>\n", in,
                               xml_escape(k.description));
            }
    fmt::format_to(std::back_inserter(out), "{}</{}>\n", root_attrs.empty() ? "    " : "", root_attrs.empty() ? "table" : "vosi:table");
}

constexpr const char* xml_head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr const char* ns_vs =
    " xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";

}  // namespace

std::string service::tables_xml(bool min) const {
    std::string out = xml_head;
    out += std::string("<vosi:tableset xmlns:vosi=\"http://www.ivoa.net/xml/VOSITables/v1.0\"") + ns_vs + ">\n";
    const auto keys = foreign_keys(catalog_);
    std::vector<std::string> schemas;
    for (const auto& t : catalog_.tables())
        if (std::find(schemas.begin(), schemas.end(), t->schema) == schemas.end()) schemas.push_back(t->schema);
    for (const auto& s : schemas) {
        out += "  <schema>\n";
        element(out, "    ", "name", s);
        if (auto d = schema_descriptions_.find(s); d != schema_descriptions_.end()) element(out, "    ", "description", d->second);
        for (const auto& t : catalog_.tables())
            if (t->schema == s) table_element(out, *t, !min, "", keys);
        out += "  </schema>\n";
    }
    out += "</vosi:tableset>\n";
    return out;
}

std::string service::table_xml(std::string_view qualified_name) const {
    const auto* t = table(qualified_name);
    if (!t) return "";
    std::string out = xml_head;
    table_element(out, *t, true, std::string(" xmlns:vosi=\"http://www.ivoa.net/xml/VOSITables/v1.0\"") + ns_vs,
                  foreign_keys(catalog_));
    return out;
}

std::string service::capabilities_xml(const std::string& base) const {
    // TAPRegExt 1.0: the TableAccess capability, then the VOSI endpoints and DALI examples.
    dali::capability tap{"ivo://ivoa.net/std/TAP", base, "base", "role=\"std\" version=\"1.1\"", "tr:TableAccess", ""};
    std::string& out = tap.body;
    out += "    <dataModel ivo-id=\"ivo://ivoa.net/std/ObsCore#core-1.1\">ObsCore-1.1</dataModel>\n"
           "    <language>\n"
           "      <name>ADQL</name>\n"
           "      <version ivo-id=\"ivo://ivoa.net/std/ADQL#v2.0\">2.0</version>\n"
           "      <version ivo-id=\"ivo://ivoa.net/std/ADQL#v2.1\">2.1</version>\n"
           "      <description>ADQL 2.1 (and 2.0), translated to the SQL of the database holding the tables.</description>\n";
    // TAPRegExt 1.0 section 2.3 and ADQL 2.1 section 4: the optional features this engine implements.
    // (COALESCE works too; its key features-adql-conditional is unknown to taplint 3.4.7, which
    // reports it as an error, so it is not declared.)
    const std::vector<std::pair<std::string, std::vector<std::string>>> features = {
        {"ivo://ivoa.net/std/TAPRegExt#features-adqlgeo",
         {"POINT", "CIRCLE", "BOX", "POLYGON", "REGION", "CENTROID", "COORD1", "COORD2", "COORDSYS", "DISTANCE", "AREA",
          "CONTAINS", "INTERSECTS"}},
        {"ivo://ivoa.net/std/TAPRegExt#features-adql-string", {"LOWER", "UPPER", "ILIKE"}},
        {"ivo://ivoa.net/std/TAPRegExt#features-adql-sets", {"UNION", "EXCEPT", "INTERSECT"}},
        {"ivo://ivoa.net/std/TAPRegExt#features-adql-common-table", {"WITH"}},
        {"ivo://ivoa.net/std/TAPRegExt#features-adql-type", {"CAST"}},
        {"ivo://ivoa.net/std/TAPRegExt#features-adql-unit", {"IN_UNIT"}},
        {"ivo://ivoa.net/std/TAPRegExt#features-adql-offset", {"OFFSET"}},
    };
    for (const auto& [type, forms] : features) {
        fmt::format_to(std::back_inserter(out), "      <languageFeatures type=\"{}\">\n", type);
        for (const auto& f : forms) fmt::format_to(std::back_inserter(out), "        <feature><form>{}</form></feature>\n", f);
        out += "      </languageFeatures>\n";
    }
    out += "    </language>\n";
    for (const auto& f : output_formats()) {
        fmt::format_to(std::back_inserter(out), "    <outputFormat{}>\n      <mime>{}</mime>\n",
                       f.ivo_id.empty() ? "" : " ivo-id=\"" + f.ivo_id + "\"", xml_escape(f.mime));
        for (const auto& a : f.aliases)
            if (a.find('/') == std::string::npos || a.rfind("votable/", 0) == 0)
                fmt::format_to(std::back_inserter(out), "      <alias>{}</alias>\n", xml_escape(a));
        out += "    </outputFormat>\n";
    }
    const auto& l = config_.lim;
    fmt::format_to(std::back_inserter(out),
                   "    <uploadMethod ivo-id=\"ivo://ivoa.net/std/TAPRegExt#upload-inline\"/>\n{6}"
                   "    <retentionPeriod><default>{0}</default><hard>{0}</hard></retentionPeriod>\n"
                   "    <executionDuration><default>{1}</default><hard>{2}</hard></executionDuration>\n"
                   "    <outputLimit><default unit=\"row\">{3}</default><hard unit=\"row\">{4}</hard></outputLimit>\n"
                   "    <uploadLimit><hard unit=\"byte\">{5}</hard></uploadLimit>\n",
                   l.result_retention.count(), l.async_execution_duration, l.max_execution_duration, l.default_maxrec,
                   l.hard_maxrec, l.max_upload_bytes,
                   l.upload_urls ? "    <uploadMethod ivo-id=\"ivo://ivoa.net/std/TAPRegExt#upload-http\"/>\n" : "");
    std::vector<dali::capability> caps = {tap};
    for (auto& c : dali::vosi_capabilities(base, true, true)) caps.push_back(std::move(c));
    // Simple Cone Search 1.03 on each table with main position columns (tap-server /scs/...).
    for (const auto& t : cone_search_tables(*this))
        caps.push_back({"ivo://ivoa.net/std/ConeSearch", base + "/scs/" + t + "?", "base", "role=\"std\" version=\"1.03\"", "", ""});
    return dali::capabilities_document(caps, " xmlns:tr=\"http://www.ivoa.net/xml/TAPRegExt/v1.0\"");
}

std::string service::availability_xml() const { return dali::availability_document(true, "libdax tap-server is accepting queries"); }

const std::vector<std::pair<std::string, std::string>>& service::examples() {
    static const std::vector<std::pair<std::string, std::string>> ex = {
        {"Cone search", "SELECT id, ra, dec, mag_g, mag_r,\n       DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', 10, 10)) AS dist\nFROM demo.stars\nWHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 10, 10, 3.6))\nORDER BY dist"},
        {"Bright red stars", "SELECT TOP 20 id, ra, dec, mag_r, mag_g - mag_r AS colour\nFROM demo.stars\nWHERE mag_r < 13 AND mag_g - mag_r > 1\nORDER BY mag_r"},
        {"Images covering a position", "SELECT obs_id, access_url, s_ra, s_dec, s_region\nFROM ivoa.ObsCore\nWHERE 1 = CONTAINS(POINT('ICRS', 10, 10), s_region)"},
        {"Stars on images, per band", "SELECT o.obs_id, COUNT(*) AS n\nFROM ivoa.ObsCore AS o\nJOIN demo.stars AS s ON 1 = CONTAINS(POINT('ICRS', s.ra, s.dec), o.s_region)\nWHERE o.s_dec BETWEEN 5 AND 16\nGROUP BY o.obs_id\nORDER BY n DESC"},
        {"Images per calibration level", "SELECT calib_level, COUNT(*) AS n\nFROM ivoa.ObsCore\nGROUP BY calib_level\nORDER BY calib_level"},
        {"Published columns", "SELECT table_name, column_name, datatype, unit, ucd\nFROM TAP_SCHEMA.columns\nORDER BY table_name, column_index"},
    };
    return ex;
}

std::string service::examples_html(const std::string& base) const {
    std::string out =
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        "<title>Examples</title>\n</head>\n<body vocab=\"http://www.ivoa.net/rdf/examples#\">\n<h1>Example queries</h1>\n";
    int n = 0;
    for (const auto& [name, q] : examples()) {
        // Only examples that translate on this configuration (e.g. none that query s_region
        // when ObsCore lives on MySQL, or that use a table not published here).
        auto ok = prepare({{"LANG", "ADQL"}, {"QUERY", q}}, [](std::string_view) { return result<std::string>(error("")); });
        if (!ok) continue;
        const std::string id = fmt::format("example-{}", ++n);
        fmt::format_to(std::back_inserter(out),
                       "<div typeof=\"example\" id=\"{0}\" resource=\"#{0}\">\n  <h2 property=\"name\">{1}</h2>\n"
                       "  <pre class=\"dachs-ex-tapquery\" property=\"query\">{2}</pre>\n</div>\n",
                       id, xml_escape(name), xml_escape(q));
    }
    (void)base;
    out += "</body>\n</html>\n";
    return out;
}

}  // namespace dax::tap
