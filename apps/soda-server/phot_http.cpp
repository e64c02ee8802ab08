#include "phot_http.hpp"

#include "obscore_select.hpp"

#include "../common/replies.hpp"

#include <dax/dali/shapes.hpp>
#include <dax/image/obscore.hpp>
#include <dax/phot/forced.hpp>
#include <dax/sia/query.hpp>
#include <dax/votable/csv_reader.hpp>
#include <dax/votable/reader.hpp>
#include <dax/votable/writer.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <memory>
#include <set>

namespace dax::sodaserver {
namespace {

constexpr std::size_t max_positions = 100'000, max_images = 1000, max_id_bytes = 256;
// ObsCore selection: filter values at most, and positions up to which each one's annulus is a
// POS term of the query (more: one circle around them all).
constexpr std::size_t max_filter_values = 50, max_pos_terms = 50;
// Rows (positions x images) one request may ask for: {sync} answers from memory, an {async}
// result is a file.
constexpr std::size_t max_sync_rows = 1'000'000, max_async_rows = 20'000'000;

struct request {
    std::vector<phot::position> positions;
    std::vector<image::stored_file> images;
    phot::settings settings;
    const tap::output_format* format = nullptr;
};

using part_function = std::function<std::optional<std::string>(std::string_view)>;

// The ObsCore constraints that choose images (SIA 2.0's, as sia-server reads them).
constexpr const char* obscore_filters[] = {"COLLECTION", "BAND", "TIME"};

error usage(std::string m) { return error(error_kind::usage, "UsageFault: " + std::move(m)); }

// The positions of an uploaded table: VOTable or CSV with ra and dec (degrees) and maybe id.
void read_upload(const std::string& text, std::vector<phot::position>& out) {
    std::vector<votable::field> want{{"id", votable::datatype::char_, "*"}, {"ra", votable::datatype::double_, ""},
                                     {"dec", votable::datatype::double_, ""}};
    const bool xml = text.find("<VOTABLE") != std::string::npos || text.find("<?xml") != std::string::npos;
    std::size_t id = SIZE_MAX, ra = SIZE_MAX, dec = SIZE_MAX;
    auto take = [&](std::span<const votable::cell> row) {
        if (out.size() >= max_positions) throw usage(fmt::format("more than {} positions", max_positions));
        if (row[ra].null || row[dec].null || !(row[ra].d >= 0 && row[ra].d <= 360) || !(std::fabs(row[dec].d) <= 90))
            throw usage(fmt::format("UPLOAD: row {}: ra must be in [0, 360] and dec in [-90, 90] degrees", out.size() + 1));
        const std::string name = id == SIZE_MAX || row[id].null ? std::to_string(out.size() + 1) : std::string(row[id].s);
        if (name.size() > max_id_bytes) throw usage(fmt::format("UPLOAD: row {}: an id is at most {} bytes", out.size() + 1, max_id_bytes));
        out.push_back({name, row[ra].d, row[dec].d});
    };
    if (xml) {
        votable::reader_limits lim;
        lim.max_rows = max_positions + 1;
        auto r = votable::open_reader(text, lim);
        if (!r) throw usage("UPLOAD: " + std::string(r.err().what()));
        const auto& f = (*r)->fields();
        for (std::size_t i = 0; i < f.size(); ++i) {
            const std::string n = dali::iequals(f[i].name, "id") ? "id" : dali::iequals(f[i].name, "ra") ? "ra" : dali::iequals(f[i].name, "dec") ? "dec" : "";
            if (!n.empty() && ((n == "id" && id != SIZE_MAX) || (n == "ra" && ra != SIZE_MAX) || (n == "dec" && dec != SIZE_MAX)))
                throw usage(fmt::format("UPLOAD: two columns are named {}", n));
            if (n == "id") id = i;
            if (n == "ra" && f[i].arraysize.empty() && (f[i].type == votable::datatype::double_ || f[i].type == votable::datatype::float_)) ra = i;
            if (n == "dec" && f[i].arraysize.empty() && (f[i].type == votable::datatype::double_ || f[i].type == votable::datatype::float_)) dec = i;
        }
        if (ra == SIZE_MAX || dec == SIZE_MAX) throw usage("UPLOAD: the table needs floating-point ra and dec columns");
        if (id != SIZE_MAX && f[id].type != votable::datatype::char_ && f[id].type != votable::datatype::unicode_char) id = SIZE_MAX;
        try {
            while ((*r)->next()) take((*r)->row());
        } catch (const error& e) {
            if (e.kind() == error_kind::usage && std::string(e.what()).rfind("UsageFault", 0) == 0) throw;
            throw usage("UPLOAD: " + std::string(e.what()));
        }
        return;
    }
    // CSV: the header names the columns (id is optional); a header of a thousand names is
    // already not a position table (and splitting a huge one costs memory).
    const std::string head = text.substr(0, std::min(text.find('\n'), text.size()));
    if (head.size() > 65536 || std::count(head.begin(), head.end(), ',') >= 1000)
        throw usage("UPLOAD: the CSV header has more than 1000 columns or 64 KiB");
    const bool has_id = [&] {
        for (std::size_t b = 0; b <= head.size();) {
            std::size_t e = head.find(',', b);
            if (e == std::string::npos) e = head.size();
            std::string n = head.substr(b, e - b);
            while (!n.empty() && (n.back() == '\r' || n.back() == ' ')) n.pop_back();
            if (dali::iequals(n, "id")) return true;
            b = e + 1;
        }
        return false;
    }();
    if (!has_id) want.erase(want.begin());
    auto r = votable::open_csv_reader(text, want);
    if (!r) throw usage("UPLOAD: " + std::string(r.err().what()));
    id = has_id ? 0 : SIZE_MAX, ra = has_id ? 1 : 0, dec = has_id ? 2 : 1;
    try {
        while ((*r)->next()) take((*r)->row());
    } catch (const error& e) {
        if (std::string(e.what()).rfind("UsageFault", 0) == 0) throw;
        throw usage("UPLOAD: " + std::string(e.what()));
    }
}

// A circle (ra, dec, radius; degrees) holding every position: around their mean direction.
std::array<double, 3> enclosing_circle(const std::vector<phot::position>& ps) {
    constexpr double rad = M_PI / 180;
    double x = 0, y = 0, z = 0;
    for (const auto& p : ps)
        x += std::cos(p.dec * rad) * std::cos(p.ra * rad), y += std::cos(p.dec * rad) * std::sin(p.ra * rad), z += std::sin(p.dec * rad);
    const double n = std::sqrt(x * x + y * y + z * z);
    if (n < 1e-9) return {0, 0, 180};
    x /= n, y /= n, z /= n;
    double r = 0;
    for (const auto& p : ps) {
        const double d = std::cos(p.dec * rad) * std::cos(p.ra * rad) * x + std::cos(p.dec * rad) * std::sin(p.ra * rad) * y + std::sin(p.dec * rad) * z;
        r = std::max(r, std::acos(std::clamp(d, -1.0, 1.0)) / rad);
    }
    double ra = std::atan2(y, x) / rad;
    if (ra < 0) ra += 360;
    return {std::min(ra, 360.0), std::asin(std::clamp(z, -1.0, 1.0)) / rad, r * (1 + 1e-9) + 1e-9};
}

// The request: POS, UPLOAD (the table's text given by `part`), ID and the ObsCore filters,
// RADIUS, RESPONSEFORMAT.
request parse(const dali::parameters& p, const image::image_store& store, const tap::service& svc, const part_function& part, bool sync) {
    if (auto e = check_phot_parameters(p)) throw *e;
    request r;
    auto format = dali::response_format(p, tap::output_formats());
    if (!format) throw format.err();
    r.format = *format;
    if (auto v = dali::values(p, "RADIUS"); !v.empty()) {
        double x = 0;
        const std::string& t = v.back();
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), x);
        if (ec != std::errc() || end != t.data() + t.size() || !(x >= 0.01 && x <= 60))
            throw usage("RADIUS is the aperture radius in arcsec, in [0.01, 60]");
        r.settings.radius_arcsec = x;
    }
    for (const auto& v : dali::values(p, "POS")) {
        auto s = dali::parse_point(v);
        if (!s) throw usage(fmt::format("POS '{}': {}", v, s.err().what()));
        if (r.positions.size() >= max_positions) throw usage(fmt::format("more than {} positions", max_positions));
        r.positions.push_back({std::to_string(r.positions.size() + 1), s->numbers[0], s->numbers[1]});
    }
    for (const auto& u : dali::values(p, "UPLOAD")) {
        const auto comma = u.find(',');
        const std::string uri = comma == std::string::npos ? "" : u.substr(comma + 1);
        if (uri.rfind("param:", 0) != 0) throw usage("UPLOAD must be name,param:PART (an inline table in the request)");
        auto text = part(uri.substr(6));
        if (!text) throw usage(fmt::format("UPLOAD: the request has no part named '{}'", uri.substr(6)));
        read_upload(*text, r.positions);
    }
    if (r.positions.empty()) throw usage("give positions: POS=ra dec (repeatable) or UPLOAD");
    std::set<std::string> seen;  // one image once, however its ID was spelled
    const bool by_obscore = std::any_of(std::begin(obscore_filters), std::end(obscore_filters),
                                        [&](const char* n) { return !dali::values(p, n).empty(); });
    if (by_obscore) {
        // The ObsCore rows meeting the filters (and the IDs, if any), in time order; with few
        // positions, only images whose footprint meets one of their annuli.
        dali::parameters q;
        for (const char* name : {"COLLECTION", "BAND", "TIME", "ID"})
            for (const auto& v : dali::values(p, name)) q.push_back({name, v});
        const double annulus = 3 * r.settings.radius_arcsec / 3600;
        if (r.positions.size() <= max_pos_terms)
            for (const auto& pos : r.positions) q.push_back({"POS", fmt::format("CIRCLE {} {} {}", pos.ra, pos.dec, annulus)});
        else if (auto c = enclosing_circle(r.positions); c[2] + annulus < 90)  // else: any image may be needed
            q.push_back({"POS", fmt::format("CIRCLE {} {} {}", c[0], c[1], c[2] + annulus)});
        for (const auto& d : obscore_datasets(svc, q, max_images, "meet COLLECTION, BAND and TIME: narrow them"))
            if (auto f = store.find(d.id); f && seen.insert(f->did).second) r.images.push_back(std::move(*f));
    } else {
        for (const auto& id : dali::values(p, "ID")) {
            if (seen.size() >= max_images) throw usage(fmt::format("more than {} images", max_images));
            auto f = store.find(id);
            if (!f) throw error(error_kind::not_found, fmt::format("NotFoundFault: no dataset with ID {}", id));
            if (seen.insert(f->did).second) r.images.push_back(std::move(*f));
        }
        if (r.images.empty()) throw usage("give the images: ID (repeatable), or COLLECTION, BAND and TIME");
    }
    const std::size_t cap = sync ? max_sync_rows : max_async_rows;
    if (r.positions.size() * r.images.size() > cap)
        throw usage(fmt::format("{} positions x {} images is more than the {} rows one {} request may ask for{}", r.positions.size(),
                                r.images.size(), cap, sync ? "synchronous" : "asynchronous", sync ? ": use /phot/async" : ""));
    return r;
}

std::vector<votable::field> output_fields() {
    using votable::datatype;
    auto f = [](const char* name, datatype t, const char* unit, const char* ucd, const char* description) {
        votable::field x;
        x.name = name, x.type = t, x.unit = unit, x.ucd = ucd, x.description = description;
        if (t == datatype::char_) x.arraysize = "*";
        return x;
    };
    return {f("id", datatype::char_, "", "meta.id;src", "The position's id"),
            f("ra", datatype::double_, "deg", "pos.eq.ra", "Right ascension of the position (ICRS)"),
            f("dec", datatype::double_, "deg", "pos.eq.dec", "Declination of the position (ICRS)"),
            f("obs_id", datatype::char_, "", "meta.id;obs", "The image"),
            f("t_mid", datatype::double_, "d", "time.epoch;obs", "Middle of the image's exposure (MJD)"),
            f("band", datatype::char_, "", "instr.filter", "The image's filter"),
            f("flux", datatype::double_, "", "phot.flux", "Flux in the aperture, background subtracted (image units)"),
            f("flux_err", datatype::double_, "", "stat.error;phot.flux", "Its uncertainty"),
            f("background", datatype::double_, "", "instr.skyLevel", "Background per pixel (annulus, sigma-clipped median)"),
            f("flags", datatype::int_, "", "meta.code.qual", "1 near an edge, 2 masked pixels, 4 saturated, 8 no background")};
}

// Writes the rows; `cancelled` and `progress` are asked between images.
void measure(const request& r, dax::sink& out, const image::recipe_book* recipes, const std::function<bool()>& cancelled,
             const std::function<void(std::size_t, std::size_t)>& progress) {
    auto w = tap::make_table_writer(*r.format, out);  // any TAP output format
    w->begin(output_fields());
    for (std::size_t k = 0; k < r.images.size(); ++k) {
        if (cancelled && cancelled()) throw error("the job was aborted");
        const auto& f = r.images[k];
        if (!f.recipe.empty() && recipes) image::make_file(f, *recipes);  // a virtual image: made here
        auto d = image::describe_fits(f.path, image::ingest_settings{});
        if (!d) throw error(error_kind::internal, fmt::format("Error: dataset {} could not be read", f.did));
        phot::settings s = r.settings;
        s.hdu = f.hdu;
        auto rows = phot::forced(f.path, r.positions, s);
        if (!rows) throw error(error_kind::internal, fmt::format("Error: dataset {} could not be measured: {}", f.did, rows.err().what()));
        const std::optional<double> t_mid =
            d->t_min && d->t_max ? std::optional<double>((*d->t_min + *d->t_max) / 2) : d->t_min;
        for (const auto& m : *rows) {
            const votable::cell cells[] = {votable::cell::text(m.id), votable::cell::real(m.ra), votable::cell::real(m.dec),
                                           votable::cell::text(f.obs_id), t_mid ? votable::cell::real(*t_mid) : votable::cell::none(),
                                           d->band.empty() ? votable::cell::none() : votable::cell::text(d->band),
                                           votable::cell::real(m.flux), votable::cell::real(m.flux_err), votable::cell::real(m.background),
                                           votable::cell::integer(m.flags)};
            w->row(cells);
        }
        if (progress) progress(k + 1, r.images.size());
    }
    w->finish();
}

}  // namespace

std::optional<error> check_phot_parameters(const dali::parameters& p) {
    dali::parameters filters;
    for (const auto& [name, value] : p) {
        bool known = false;
        for (const char* n : {"POS", "ID", "RADIUS", "RESPONSEFORMAT", "RUNID", "UPLOAD", "COLLECTION", "BAND", "TIME", "PHASE",
                              "EXECUTIONDURATION", "DESTRUCTION"})
            known = known || dali::iequals(name, n);
        if (!known) return usage(fmt::format("unknown parameter {} (POS, UPLOAD, ID, COLLECTION, BAND, TIME, RADIUS, RESPONSEFORMAT)", name));
        for (const char* n : obscore_filters)
            if (dali::iequals(name, n)) filters.push_back({n, value});
    }
    // A bounded ObsCore query (each value is a term of it).
    if (filters.size() > max_filter_values)
        return usage(fmt::format("at most {} COLLECTION, BAND and TIME values together", max_filter_values));
    // Bad COLLECTION, BAND or TIME values are refused when posted, as sia-server refuses them.
    if (!filters.empty())
        if (auto q = sia::build_query(filters); !q) return q.err();
    if (auto f = dali::response_format(p, tap::output_formats()); !f) return f.err();
    return std::nullopt;
}

void add_phot_routes(http::server& server, const phot_binding& b) {
    auto run = [b](const httplib::Request& req, httplib::Response& res) {
        const auto p = http::request_parameters(req);
        auto part = [&req](std::string_view name) -> std::optional<std::string> {
            auto it = req.files.find(std::string(name));
            if (it == req.files.end()) return std::nullopt;
            return it->second.content;
        };
        try {
            const request r = parse(p, *b.store, *b.svc, part, true);
            if (b.virtual_files)  // a virtual image: 503 + Retry-After while its file is made
                for (const auto& f : r.images)
                    if (auto e = b.virtual_files->available(f)) return http::reply_error(res, *e);
            dax::string_sink out;
            measure(r, out, nullptr, {}, {});
            res.set_content(out.out, r.format->mime);
        } catch (const error& e) {
            http::reply_error(res, e);
        }
    };
    server.Get(b.base + "/sync", run);
    server.post(b.base + "/sync", run);
    server.refuse_methods(b.base + "/sync", "GET, POST");
}

uws::task_definition phot_task(const image::image_store& store, const tap::service& svc, const image::recipe_book* recipes) {
    uws::task_definition t;
    t.restartable = true;  // it only reads
    t.run = [&store, &svc, recipes](uws::task_context& ctx) {
        dali::parameters p(ctx.current().parameters.begin(), ctx.current().parameters.end());
        // An uploaded table is the job's input file (kept by the engine beside the results).
        const request r = parse(p, store, svc, [&ctx](std::string_view name) { return ctx.input(name); }, false);
        auto out = ctx.create_result("result");
        measure(r, *out, recipes, [&ctx] { return ctx.cancelled(); },
                [&ctx](std::size_t k, std::size_t n) { ctx.progress("images", fmt::format("{} of {}", k, n)); });
        const auto size = out->commit();
        ctx.add_result({"result", "results/result", r.format->mime, size});
    };
    return t;
}

}  // namespace dax::sodaserver
