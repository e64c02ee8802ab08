#include "obscore_select.hpp"

#include <dax/adql/parser.hpp>
#include <dax/sia/query.hpp>
#include <dax/votable/csv_reader.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace dax::sodaserver {

std::vector<image::strip_epoch> obscore_datasets(const tap::service& svc, const dali::parameters& q, std::size_t max,
                                                 const std::string& too_many) {
    auto ast = sia::build_query(q, "ivoa.ObsCore");
    if (!ast) throw ast.err();
    tap::query_request r;
    r.adql = adql::print_adql(**ast);
    r.format = tap::find_output_format("csv");
    r.maxrec = static_cast<std::int64_t>(max) + 1;  // one more: too many is an error, not a cut
    auto prepared = svc.prepare_query(r);
    if (!prepared) throw prepared.err();
    string_sink csv;
    svc.run(*prepared, csv, {});
    std::vector<votable::field> fields = prepared->fields;
    std::size_t did = fields.size(), t_min = fields.size();
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (fields[i].name == "obs_publisher_did") did = i;
        if (fields[i].name == "t_min") t_min = i;
        fields[i].type = votable::datatype::char_, fields[i].arraysize = "*", fields[i].xtype.clear();
    }
    if (did == fields.size()) throw error("ivoa.ObsCore has no obs_publisher_did");
    std::vector<image::strip_epoch> out;
    auto reader = votable::open_csv_reader(csv.out, fields);
    if (!reader) throw reader.err();
    while ((*reader)->next()) {
        const auto& row = (*reader)->row();
        image::strip_epoch e{std::string(row[did].s), std::nullopt};
        if (t_min < fields.size() && !row[t_min].null) e.mjd = std::strtod(std::string(row[t_min].s).c_str(), nullptr);
        if (e.mjd && !std::isfinite(*e.mjd)) e.mjd.reset();
        out.push_back(std::move(e));
    }
    if (out.size() > max) throw error(error_kind::usage, fmt::format("UsageFault: more than {} datasets {}", max, too_many));
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });  // each dataset once
    out.erase(std::unique(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id == b.id; }), out.end());
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.mjd.value_or(1e300) < b.mjd.value_or(1e300); });
    return out;
}

}  // namespace dax::sodaserver
