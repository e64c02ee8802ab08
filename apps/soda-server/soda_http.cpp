// SODA 1.0 {sync} (sections 3 and 5: one dataset, at most one region, the cutout's FITS, 204 when
// nothing is selected) and the {async} task (section 6: one result per combination of the
// parameters, a text/plain "UsageError: ..." result where a combination selects nothing).
#include "soda_http.hpp"

#include "obscore_select.hpp"

#include "../common/replies.hpp"
#include "../common/stream_reply.hpp"

#include <dax/dali/errors.hpp>
#include <dax/dali/params.hpp>
#include <dax/dali/vosi.hpp>
#include <dax/adql/parser.hpp>
#include <dax/image/cutout.hpp>
#include <dax/image/soda.hpp>
#include <dax/sia/query.hpp>
#include <dax/votable/csv_reader.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cmath>

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
    if (params->ids.empty()) return error(error_kind::usage, "UsageFault: ID is required (film strips, with no ID, are async jobs)");
    if (params->regions.size() > 1) return error(error_kind::usage, "UsageFault: give one of CIRCLE, POLYGON or POS");
    return image::soda_combinations(*params).front();
}

std::string safe_name(std::string s) {  // a header value: only safe characters
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
    return s;
}

// A cutout up to this size is made in memory and sent with its length; a bigger one is
// streamed as it is read (chunked), within the time limit below.
constexpr std::uint64_t held_reply_bytes = 8u << 20;
constexpr auto streamed_time_limit = std::chrono::minutes(30);

void sync(const soda_binding& b, const httplib::Request& req, httplib::Response& res) {
    if (b.identity && !b.identity(req)) return http::reply_error(res, error(error_kind::unauthenticated, "authentication required"));
    auto c = sync_request(http::request_parameters(req));
    if (!c) return http::reply_error(res, c.err());
    if (b.virtual_files)  // a virtual product: its file made first (503 + Retry-After meanwhile)
        if (const auto f = b.store->find(c->id))
            if (auto e = b.virtual_files->available(*f)) return http::reply_error(res, *e);
    auto plan = image::plan_soda_cutout(*b.store, b.images, *c);
    if (!plan) return http::reply_error(res, plan.err());
    switch (plan->outcome) {
    case image::soda_outcome::not_found:
        return http::reply_error(res, error(error_kind::not_found, fmt::format("NotFoundFault: no dataset with ID {}", c->id)));
    case image::soda_outcome::no_pixels: res.status = 204; return;  // SODA 1.0 section 5.1
    case image::soda_outcome::written: break;
    }
    res.set_header("Content-Disposition", fmt::format("inline; filename=\"{}-cutout.fits\"", safe_name(plan->obs_id)));
    if (plan->pixel_bytes <= held_reply_bytes) {
        string_sink out;
        if (auto n = image::write_soda_plan(*plan, out); !n) return http::reply_error(res, n.err());
        return res.set_content(std::move(out.out), "application/fits");
    }
    http::stream_reply(
        res, "application/fits", std::chrono::steady_clock::now() + streamed_time_limit,
        [p = std::move(*plan)](dax::sink& out) {
            if (auto n = image::write_soda_plan(p, out); !n) throw n.err();
        },
        true);
}

// The datasets of a film strip: the ObsCore rows the region meets (SIA 2.0 POS, with COLLECTION,
// BAND and TIME as SIA reads them), in time order.
std::vector<image::strip_epoch> strip_epochs(const tap::service& svc, const dali::parameters& p, const dali::shape& region) {
    dali::parameters q{{"POS", image::region_text(region)}};
    for (const char* name : {"COLLECTION", "BAND", "TIME"})
        for (const auto& v : dali::values(p, name)) q.push_back({name, v});
    return obscore_datasets(svc, q, max_combinations, "meet the region: narrow the film strip with COLLECTION, BAND or TIME");
}

void add_text_result(uws::task_context& ctx, const std::string& id, std::string text) {
    if (text.rfind("UsageFault: ", 0) == 0) text = "UsageError: " + text.substr(12);  // SODA 1.0 section 5.2's label
    text += "\n";
    auto out = ctx.create_result(id);
    out->write(text.data(), text.size());
    const auto size = out->commit();
    ctx.add_result({id, "results/" + id, "text/plain", size});
}

}  // namespace

uws::task_definition soda_task(const image::image_store& store, const image::ingest_settings& images, const tap::service& svc,
                               const image::recipe_book* recipes) {
    uws::task_definition t;
    t.restartable = true;  // a cutout job only reads: after a crash it runs again from the start
    t.run = [&store, images, &svc, recipes](uws::task_context& ctx) {
        dali::parameters p(ctx.current().parameters.begin(), ctx.current().parameters.end());
        auto params = image::parse_soda(p);
        if (!params) throw params.err();
        if (params->ids.empty()) {  // a film strip (seed 000): every image covering the region, by time
            const auto epochs = strip_epochs(svc, p, params->regions.front());
            if (recipes)  // virtual products among the epochs: their files made here, in the job
                for (const auto& e : epochs) {
                    if (ctx.cancelled()) throw error("the job was aborted");
                    if (const auto f = store.find(e.id); f && !f->recipe.empty()) {
                        try {
                            image::make_file(*f, *recipes);
                        } catch (const error&) {  // left out of the strip, as an unreadable file is
                        }
                    }
                }
            auto out = ctx.create_result("film-strip");
            auto n = image::write_soda_film_strip(store, epochs, params->regions.front(), *out, [&ctx] { return ctx.cancelled(); });
            if (!n) throw n.err();
            if (*n == 0) return add_text_result(ctx, "film-strip", "UsageError: no image covers the region");
            const auto size = out->commit();
            ctx.add_result({"film-strip", "results/film-strip", "application/fits", size});
            ctx.progress("frames", std::to_string(*n));
            return;
        }
        if (const auto n = image::soda_combination_count(*params); n > max_combinations)  // before building them
            throw error(error_kind::usage, fmt::format("UsageFault: {} combinations of the parameters; at most {} in one job",
                                                       n == SIZE_MAX ? std::string("too many") : std::to_string(n), max_combinations));
        const auto all = image::soda_combinations(*params);
        for (std::size_t k = 0; k < all.size(); ++k) {
            if (ctx.cancelled()) throw error("the job was aborted");
            const std::string id = fmt::format("cutout-{}", k + 1);
            if (recipes)  // a virtual product's file: made here, in the job (a job may wait)
                if (const auto f = store.find(all[k].id); f && !f->recipe.empty()) {
                    try {
                        image::make_file(*f, *recipes);
                    } catch (const error&) {
                        add_text_result(ctx, id, fmt::format("Error: the file of dataset {} could not be made", f->did));
                        continue;
                    }
                }
            auto out = ctx.create_result(id);
            auto r = image::write_soda_cutout(store, images, all[k], *out);
            if (!r || *r != image::soda_outcome::written) {  // section 6: a result entry saying why
                out.reset();  // nothing of a failed cutout stays
                add_text_result(ctx, id, !r ? std::string(r.err().what())
                                            : *r == image::soda_outcome::not_found
                                                  ? fmt::format("UsageError: no dataset with ID {}", all[k].id)
                                                  : fmt::format("UsageError: combination {} selects no pixel of {}", k + 1, all[k].id));
            } else {
                const auto size = out->commit();
                ctx.add_result({id, "results/" + id, "application/fits", size});
            }
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
