#include "sia_http.hpp"

#include <dax/image/links.hpp>

#include "../common/replies.hpp"
#include "../common/query_reply.hpp"

#include <dax/adql/build.hpp>
#include <dax/adql/parser.hpp>
#include <dax/dali/errors.hpp>
#include <dax/dali/vosi.hpp>
#include <dax/sia/query.hpp>

#include <fmt/format.h>

#include <memory>

namespace dax::siaserver {

namespace {

// SIA 2.0 answers a VOTable (section 3); the other TAP formats are offered as well.
const std::vector<dali::output_format>& sia_formats() {
    static const std::vector<dali::output_format> f = [] {
        std::vector<dali::output_format> out;
        for (const auto& t : tap::output_formats())
            if (t.name != "fits") out.push_back(t);
        return out;
    }();
    return f;
}

// The self-description for one query URL, kept per thread for the next request to the same URL
// (it is the same document every time; building it is a sizeable share of a small query).
const std::string& self_description_of(const std::string& query_url) {
    thread_local std::string url, doc;
    if (doc.empty() || url != query_url) {
        doc = sia::self_description(query_url);
        url = query_url;
    }
    return doc;
}

// The checked query of one request, or the usage error naming the parameter.
result<tap::prepared_query> prepare(const tap::service& svc, const dali::parameters& p, const sia_binding& b,
                                    const std::string& query_url) {
    auto maxrec = dali::maxrec(p, svc.lim().default_maxrec, svc.lim().hard_maxrec);
    if (!maxrec) return error(fmt::format("MAXREC: {}", maxrec.err().what()));
    auto format = dali::response_format(p, sia_formats());
    if (!format) return format.err();
    auto ast = sia::build_query(p, b.table);
    if (!ast) return ast.err();
    // MAXREC=0: the metadata alone, with status OK (section 2.2.16), not an overflow.
    if (*maxrec == 0)
        adql::build::where(**ast, adql::build::compare(adql::build::integer(1), adql::compare_op::eq, adql::build::integer(0)));
    tap::query_request r;
    r.adql = adql::print_adql(**ast);
    r.format = *format;
    r.maxrec = *maxrec == 0 ? 1 : *maxrec;
    r.trailing_resources.push_back(self_description_of(query_url));
    return svc.prepare_query(std::move(r));  // with the site's DataLink descriptors (catalog_setup)
}

}  // namespace

void add_sia_routes(http::server& server, const tap::service& svc, const sia_binding& b) {
    const std::string base = b.base;
    auto base_url = [b](const httplib::Request& req) { return http::origin(req, b.public_url) + b.base; };
    auto running = std::make_shared<std::atomic<std::size_t>>(0);
    auto query = [&svc, b, base_url, running](const httplib::Request& req, httplib::Response& res) {
        auto guard = http::admit(req, res, *running, svc.lim().queries_in_flight, b.identity);
        if (!guard) return;
        auto q = prepare(svc, http::request_parameters(req), b, base_url(req) + "/query");
        if (!q) return http::reply_error(res, q.err());
        const std::string mime = q->format->mime;
        http::stream_query(svc, res, std::move(*q), guard, mime);
    };
    server.Get(base + "/query", query);
    server.post(base + "/query", query);
    server.refuse_methods(base + "/query", "GET, POST");

    auto xml = [](httplib::Response& res, const std::string& body) { res.set_content(body, "text/xml; charset=utf-8"); };
    server.Get(base + "/capabilities", [xml, base_url](const httplib::Request& req, httplib::Response& res) {
        auto caps = dali::vosi_capabilities(base_url(req), false, false);
        dali::capability sia;
        sia.standard_id = "ivo://ivoa.net/std/SIA#query-2.0";
        sia.access_url = base_url(req) + "/query";
        sia.interface_attrs = "role=\"std\" version=\"2.0\"";
        caps.push_back(sia);
        xml(res, dali::capabilities_document(caps));
    });
    server.Get(base + "/availability", [&svc, xml](const httplib::Request&, httplib::Response& res) {
        const bool up = svc.has_data("ivoa.ObsCore");
        xml(res, dali::availability_document(up, up ? "SIA 2.0 on ivoa.ObsCore" : "the ObsCore table is missing"));
    });
    for (const std::string p : {std::string(base), base + "/"})
        server.Get(p, [base](const httplib::Request&, httplib::Response& res) { res.set_redirect(base + "/capabilities"); });
    for (const std::string p : {"/capabilities", "/availability"}) server.refuse_methods(base + p, "GET");
}

}  // namespace dax::siaserver
