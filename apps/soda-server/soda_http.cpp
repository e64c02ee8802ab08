// SODA 1.0 {sync} (sections 3 and 5: one dataset, at most one region, the cutout's FITS, 204 when
// nothing is selected) and the {async} task (section 6: one result per combination of the
// parameters, a text/plain "UsageError: ..." result where a combination selects nothing).
#include "soda_http.hpp"

#include "../common/replies.hpp"

#include <dax/dali/errors.hpp>
#include <dax/dali/params.hpp>
#include <dax/dali/vosi.hpp>
#include <dax/image/soda.hpp>

#include <fmt/format.h>

#include <cctype>

namespace dax::sodaserver {

namespace {

constexpr std::size_t max_combinations = 1000;

// {sync} takes one value of each parameter but POL (whose values are one filter).
result<image::soda_cutout> sync_request(const dali::parameters& p) {
    for (const char* name : {"ID", "CIRCLE", "POLYGON", "POS", "BAND", "TIME"})
        if (const auto n = dali::values(p, name).size(); n > 1)
            return error(error_kind::usage, fmt::format("MultiValuedParamNotSupported: {} was given {} times; sync takes one value "
                                                        "(use /async for several)", name, n));
    auto params = image::parse_soda(p);
    if (!params) return params.err();
    if (params->regions.size() > 1) return error(error_kind::usage, "UsageFault: give one of CIRCLE, POLYGON or POS");
    return image::soda_combinations(*params).front();
}

std::string safe_name(std::string s) {  // a header value: only safe characters
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
    return s;
}

void sync(const soda_binding& b, const httplib::Request& req, httplib::Response& res) {
    if (b.identity && !b.identity(req)) return http::reply_error(res, error(error_kind::unauthenticated, "authentication required"));
    auto c = sync_request(http::request_parameters(req));
    if (!c) return http::reply_error(res, c.err());
    string_sink out;
    auto r = image::write_soda_cutout(*b.store, b.images, *c, out);
    if (!r) return http::reply_error(res, r.err());
    switch (*r) {
    case image::soda_outcome::not_found:
        return http::reply_error(res, error(error_kind::not_found, fmt::format("NotFoundFault: no dataset with ID {}", c->id)));
    case image::soda_outcome::no_pixels: res.status = 204; return;  // SODA 1.0 section 5.1
    case image::soda_outcome::written: break;
    }
    const auto file = b.store->find(c->id);
    res.set_header("Content-Disposition", fmt::format("inline; filename=\"{}-cutout.fits\"", safe_name(file ? file->obs_id : "dataset")));
    res.set_content(std::move(out.out), "application/fits");
}

}  // namespace

uws::task_definition soda_task(const image::image_store& store, const image::ingest_settings& images) {
    uws::task_definition t;
    t.restartable = true;  // a cutout job only reads: after a crash it runs again from the start
    t.run = [&store, images](uws::task_context& ctx) {
        dali::parameters p(ctx.current().parameters.begin(), ctx.current().parameters.end());
        auto params = image::parse_soda(p);
        if (!params) throw params.err();
        const auto all = image::soda_combinations(*params);
        if (all.size() > max_combinations)
            throw error(error_kind::usage, fmt::format("UsageFault: {} combinations of the parameters; at most {} in one job", all.size(),
                                                       max_combinations));
        for (std::size_t k = 0; k < all.size(); ++k) {
            if (ctx.cancelled()) throw error("the job was aborted");
            const std::string id = fmt::format("cutout-{}", k + 1);
            auto out = ctx.create_result(id);
            auto r = image::write_soda_cutout(store, images, all[k], *out);
            std::string mime = "application/fits";
            if (!r || *r != image::soda_outcome::written) {  // section 6: a result entry saying why
                const std::string why = !r ? std::string(r.err().what())
                                           : *r == image::soda_outcome::not_found
                                                 ? fmt::format("UsageError: no dataset with ID {}", all[k].id)
                                                 : fmt::format("UsageError: combination {} selects no pixel of {}", k + 1, all[k].id);
                out = ctx.create_result(id);  // a fresh file: nothing of a failed cutout stays
                const std::string text = why.rfind("UsageFault: ", 0) == 0 ? "UsageError: " + why.substr(12) : why;
                out->write(text.data(), text.size());
                out->write("\n", 1);
                mime = "text/plain";
            }
            const auto size = out->commit();
            ctx.add_result({id, "results/" + id, mime, size});
            ctx.progress("cutouts", fmt::format("{} of {}", k + 1, all.size()));
        }
    };
    return t;
}

void add_soda_routes(http::server& server, const soda_binding& b) {
    const std::string base = b.base;
    auto base_url = [b](const httplib::Request& req) { return http::origin(req, b.public_url) + b.base; };
    auto run = [b](const httplib::Request& req, httplib::Response& res) { sync(b, req, res); };
    server.Get(base + "/sync", run);
    server.post(base + "/sync", run);
    server.refuse_methods(base + "/sync", "GET, POST");

    auto xml = [](httplib::Response& res, const std::string& body) { res.set_content(body, "text/xml; charset=utf-8"); };
    server.Get(base + "/capabilities", [xml, base_url](const httplib::Request& req, httplib::Response& res) {
        auto caps = dali::vosi_capabilities(base_url(req), false, false);
        for (const char* kind : {"sync", "async"}) {
            dali::capability soda;
            soda.standard_id = fmt::format("ivo://ivoa.net/std/SODA#{}-1.0", kind);
            soda.access_url = base_url(req) + "/" + kind;
            soda.interface_attrs = "role=\"std\" version=\"1.0\"";
            caps.push_back(soda);
        }
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
