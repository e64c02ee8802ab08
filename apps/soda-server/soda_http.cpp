// SODA 1.0 sync (sections 3 and 5): one dataset, at most one region, BAND/TIME/POL deciding
// whether a 2-D image matches at all; the cutout's FITS, 204 when nothing is left.
#include "soda_http.hpp"

#include "../common/replies.hpp"

#include <dax/dali/errors.hpp>
#include <dax/dali/params.hpp>
#include <dax/dali/shapes.hpp>
#include <dax/dali/vosi.hpp>
#include <dax/fits/cutout.hpp>
#include <dax/fits/image.hpp>
#include <dax/image/cutout.hpp>
#include <dax/image/wcs.hpp>

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <filesystem>

namespace dax::sodaserver {

namespace {

constexpr double max_cutout_bytes = 1024.0 * 1024 * 1024;

const char* const known[] = {"ID", "CIRCLE", "POLYGON", "POS", "BAND", "TIME", "POL", "RESPONSEFORMAT", "RUNID"};

error usage(std::string m) { return error(error_kind::usage, "UsageFault: " + std::move(m)); }

// The one value of a parameter sync takes once (SODA 1.0 section 5.1), if given.
result<std::optional<std::string>> single(const dali::parameters& p, const char* name) {
    auto v = dali::values(p, name);
    if (v.size() > 1)
        return error(error_kind::usage, fmt::format("MultiValuedParamNotSupported: {} was given {} times; sync takes one value "
                                                    "(use /async for several)", name, v.size()));
    if (v.empty()) return std::optional<std::string>{};
    return std::optional<std::string>{v[0]};
}

// What one sync request asks for.
struct request {
    std::string id;
    std::optional<dali::shape> region;
    std::optional<dali::interval> band, time;
    std::optional<std::string> pol;
};

result<request> parse(const dali::parameters& p) {
    for (const auto& [name, value] : p) {
        bool ok = false;
        for (const char* k : known) ok = ok || dali::iequals(name, k);
        if (!ok) return usage(fmt::format("unknown parameter {} (SODA sync takes ID, CIRCLE, POLYGON, POS, BAND, TIME, POL)", name));
    }
    request r;
    auto id = single(p, "ID");
    if (!id) return id.err();
    if (!*id || dali::trim(**id).empty()) return usage("ID is required");
    r.id = dali::trim(**id);
    int regions = 0;
    for (const auto& [name, parser] : {std::pair{"CIRCLE", &dali::parse_circle}, std::pair{"POLYGON", &dali::parse_polygon},
                                       std::pair{"POS", &dali::parse_pos}}) {
        auto v = single(p, name);
        if (!v) return v.err();
        if (!*v) continue;
        ++regions;
        auto s = parser(**v);
        if (!s) return usage(fmt::format("{}: {}", name, s.err().what()));
        r.region = *s;
    }
    if (regions > 1) return usage("give one of CIRCLE, POLYGON or POS");
    for (const auto& [name, slot, parser] : {std::tuple{"BAND", &r.band, &dali::parse_interval},
                                             std::tuple{"TIME", &r.time, &dali::parse_time_interval}}) {
        auto v = single(p, name);
        if (!v) return v.err();
        if (!*v) continue;
        auto i = parser(**v);
        if (!i) return usage(fmt::format("{}: {}", name, i.err().what()));
        *slot = *i;
    }
    auto pol = single(p, "POL");
    if (!pol) return pol.err();
    if (*pol && !dali::trim(**pol).empty()) r.pol = dali::trim(**pol);  // empty: not given
    if (auto f = dali::value(p, "RESPONSEFORMAT"); f && !f->empty() && !dali::iequals(dali::trim(*f), "application/fits"))
        return usage(fmt::format("RESPONSEFORMAT {}: only application/fits", *f));
    return r;
}

// BAND, TIME and POL on a 2-D image: the dataset matches or not as a whole (SODA 1.0 section
// 3.3: a cutout along an axis the image does not have keeps all of it if the dataset's value
// is inside, nothing otherwise).
bool matches(const request& r, const image::dataset& d) {
    auto overlaps = [](const dali::interval& i, const std::optional<double>& lo, const std::optional<double>& hi) {
        return lo && hi && *lo <= i.hi && *hi >= i.lo;
    };
    if (r.band && !overlaps(*r.band, d.em_min, d.em_max)) return false;
    if (r.time && !overlaps(*r.time, d.t_min, d.t_max)) return false;
    return !r.pol;  // no polarization axis or state on these images
}

void cutout(const soda_binding& b, const httplib::Request& req, httplib::Response& res) {
    if (b.identity && !b.identity(req)) return http::reply_error(res, error(error_kind::unauthenticated, "authentication required"));
    auto r = parse(http::request_parameters(req));
    if (!r) return http::reply_error(res, r.err());
    const auto file = b.store->find(r->id);
    if (!file) return http::reply_error(res, error(error_kind::not_found, fmt::format("NotFoundFault: no dataset with ID {}", r->id)));
    if (r->band || r->time || r->pol) {  // the dataset's ObsCore values decide (its headers)
        auto d = image::describe_fits(file->path, b.images);
        if (!d) return http::reply_error(res, error(error_kind::internal, fmt::format("FatalFault: dataset {}: {}", r->id, d.err().what())));
        if (!matches(*r, *d)) {
            res.status = 204;  // SODA 1.0 section 5.1: nothing selected
            return;
        }
    }
    auto headers = fits::read_headers(file->path);
    if (!headers || file->hdu >= static_cast<int>(headers->size()))
        return http::reply_error(res, error(error_kind::internal, fmt::format("FatalFault: dataset {}: cannot read its file", r->id)));
    const auto& sci = (*headers)[static_cast<std::size_t>(file->hdu)];
    auto wcs = image::sky_wcs::from_header(sci.header, sci.shape);
    if (!wcs) return http::reply_error(res, error(error_kind::internal, fmt::format("FatalFault: dataset {}: {}", r->id, wcs.err().what())));
    image::pixel_box box{1, wcs->width(), 1, wcs->height()};
    if (r->region) {
        auto bx = image::cutout_box(*wcs, *r->region);
        if (!bx) {
            res.status = 204;
            return;
        }
        box = *bx;
    }
    fits::cutout_spec spec;
    spec.science_hdu = file->hdu;
    spec.first.assign(sci.shape.size(), 1);
    spec.last = sci.shape;
    spec.first[0] = box.x1, spec.last[0] = box.x2, spec.first[1] = box.y1, spec.last[1] = box.y2;
    // The cutout is held in memory before it is sent (its size, not the image's): bounded.
    double pixels = 1;
    for (std::size_t a = 0; a < spec.first.size(); ++a) pixels *= static_cast<double>(spec.last[a] - spec.first[a] + 1);
    const double bytes = pixels * (std::abs(sci.bitpix) / 8.0);
    if (bytes > max_cutout_bytes)
        return http::reply_error(res, error(error_kind::usage, fmt::format("UsageFault: the cutout would hold {:.0f} MB per HDU, more than "
                                                                           "this service sends ({:.0f} MB): ask for a smaller region",
                                                                           bytes / 1e6, max_cutout_bytes / 1e6)));
    spec.provenance = {{"DAXSRCID", file->did},
                       {"DAXREGN", r->region ? image::region_text(*r->region) : "whole image"},
                       {"DAXBOX", fmt::format("[{}:{},{}:{}]", box.x1, box.x2, box.y1, box.y2)},
                       {"DAXVERS", "libdax " DAX_VERSION}};
    string_sink out;
    auto n = capture([&] { return fits::write_cutout(file->path, spec, out); });
    if (!n) return http::reply_error(res, error(error_kind::internal, fmt::format("FatalFault: dataset {}: {}", r->id, n.err().what())));
    std::string name = file->obs_id;  // a header value: only safe characters reach the header
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
    res.set_header("Content-Disposition", fmt::format("inline; filename=\"{}-cutout.fits\"", name));
    res.set_content(std::move(out.out), "application/fits");
}

}  // namespace

void add_soda_routes(http::server& server, const soda_binding& b) {
    const std::string base = b.base;
    auto base_url = [b](const httplib::Request& req) { return http::origin(req, b.public_url) + b.base; };
    auto sync = [b](const httplib::Request& req, httplib::Response& res) { cutout(b, req, res); };
    server.Get(base + "/sync", sync);
    server.post(base + "/sync", sync);
    server.refuse_methods(base + "/sync", "GET, POST");

    auto xml = [](httplib::Response& res, const std::string& body) { res.set_content(body, "text/xml; charset=utf-8"); };
    server.Get(base + "/capabilities", [xml, base_url](const httplib::Request& req, httplib::Response& res) {
        auto caps = dali::vosi_capabilities(base_url(req), false, false);
        dali::capability soda;
        soda.standard_id = "ivo://ivoa.net/std/SODA#sync-1.0";
        soda.access_url = base_url(req) + "/sync";
        soda.interface_attrs = "role=\"std\" version=\"1.0\"";
        caps.push_back(soda);
        xml(res, dali::capabilities_document(caps));
    });
    server.Get(base + "/availability", [xml, b](const httplib::Request&, httplib::Response& res) {
        const bool up = !b.store->all().empty();
        xml(res, dali::availability_document(up, up ? "SODA 1.0 cutouts" : "no dataset in the image store"));
    });
    for (const std::string p : {std::string(base), base + "/"})
        server.Get(p, [base](const httplib::Request&, httplib::Response& res) { res.set_redirect(base + "/capabilities"); });
    for (const std::string p : {"/capabilities", "/availability"}) server.refuse_methods(base + p, "GET");
}

}  // namespace dax::sodaserver
