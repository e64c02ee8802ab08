#include "tap_http.hpp"
#include <dax/ascii.hpp>
#include "landing_page.hpp"
#include "../common/job_monitor.hpp"
#include "../common/replies.hpp"
#include "../common/query_reply.hpp"
#include <dax/tap/cone_search.hpp>
#include <dax/tap/query_task.hpp>
#include <dax/dali/errors.hpp>
#include <dax/dali/vosi.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

namespace dax::tapserver {
namespace {

std::string lower(std::string_view s) { return ascii_lower(s); }

// FITS is written to a file before it is sent anyway (CFITSIO fixes NAXIS2 at the end), so a
// failing query still gets its DALI error with the right status.
void sync_fits(const tap::service& svc, const tap::prepared_query& q, httplib::Response& res) {
    char path[] = "/tmp/dax-fits-XXXXXX";
    const int tmp = ::mkstemp(path);
    if (tmp < 0) return http::reply_error(res, error(error_kind::internal, "cannot create a temporary file for the FITS result"));
    ::close(tmp);
    struct unlinker {
        const char* p;
        ~unlinker() { ::unlink(p); }  // serve_file's open descriptor keeps the data until sent
    } ul{path};
    try {
        tap::run_limits l;
        l.deadline = std::chrono::steady_clock::now() + svc.lim().sync_timeout;
        svc.run_fits(q, path, l);
    } catch (const error& e) {
        return http::reply_error(res, e);
    }
    http::serve_file(res, path, q.format->mime);
}

// {"name": "url", ...} safe inside a <script> element (URLs come from the config).
std::string services_json(const std::map<std::string, std::string>& services) {
    std::string out = "{";
    for (const auto& [name, url] : services) out += (out.size() > 1 ? "," : "") + http::json_string(name) + ":" + http::json_string(url);
    return out + "}";
}

}  // namespace

void add_tap_routes(http::server& server, const tap::service& svc, const tap_binding& b) {
    const std::string base = b.base;
    auto base_url = [b](const httplib::Request& req) { return http::origin(req, b.public_url) + b.base; };
    auto running = std::make_shared<std::atomic<std::size_t>>(0);

    auto fetching = std::make_shared<std::atomic<std::size_t>>(0);
    auto sync = [&svc, b, running, fetching](const httplib::Request& req, httplib::Response& res) {
        auto guard = http::admit(req, res, *running, svc.lim().queries_in_flight, b.identity);
        if (!guard) return;
        const auto params = http::request_parameters(req);
        const auto upload = tap::parameter(params, "UPLOAD");
        const bool by_url = upload && upload->find("://") != std::string::npos;
        http::in_flight url_slot(*fetching, by_url ? svc.lim().upload_url_fetches : SIZE_MAX);
        if (!url_slot.ok())
            return http::reply_error(res, error(error_kind::overloaded, "too many uploads by URL are being fetched; retry shortly or send the table inline")
                                              .with_retry_after(std::chrono::seconds(5)));
        auto part = [&req](std::string_view name) -> std::optional<std::string> {
            auto it = req.files.find(std::string(name));
            if (it == req.files.end()) return std::nullopt;
            return it->second.content;
        };
        auto fetch = [&](std::string_view uri) { return tap::fetch_upload(uri, part, svc.lim()); };
        auto q = svc.prepare(params, fetch);
        if (!q) return http::reply_error(res, q.err());
        if (q->format->name == "fits") return sync_fits(svc, *q, res);
        const std::string mime = q->format->mime;
        http::stream_query(svc, res, std::move(*q), guard, mime);
    };
    // Simple Cone Search 1.03 on any table with main position columns; its errors are VOTables
    // with INFO name="Error" and status 200, as SCS 1.03 section 3.4 says (an unknown table: 404).
    auto cone = [&svc, b, running](const httplib::Request& req, httplib::Response& res) {
        auto guard = http::admit(req, res, *running, svc.lim().queries_in_flight, b.identity);
        if (!guard) return;
        auto q = tap::prepare_cone_search(svc, std::string(req.matches[1]), http::request_parameters(req));
        if (!q) {
            res.status = q.err().kind() == error_kind::usage ? 200 : dali::http_status(q.err().kind());
            return res.set_content(tap::cone_search_error(q.err().what()), "text/xml; charset=utf-8");
        }
        q->format = tap::find_output_format("votable/td");  // SCS 1.03 clients read TABLEDATA
        http::stream_query(svc, res, std::move(*q), guard, "text/xml; charset=utf-8");
    };
    const std::string scs = base + "/scs/([A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*)";
    server.Get(scs, cone);
    server.refuse_methods(scs, "GET");

    server.Get(base + "/sync", sync);
    server.post(base + "/sync", sync);
    server.refuse_methods(base + "/sync", "GET, POST");

    auto xml = [](httplib::Response& res, const std::string& body) { res.set_content(body, "text/xml; charset=utf-8"); };
    server.Get(base + "/tables", [&svc, xml](const httplib::Request& req, httplib::Response& res) {
        const std::string detail = req.has_param("detail") ? lower(req.get_param_value("detail")) : "";
        if (!detail.empty() && detail != "min" && detail != "max")
            return http::reply_error(res, error("detail must be min or max"));
        xml(res, svc.tables_xml(detail == "min"));
    });
    server.Get(base + "/tables/([^/]+)", [&svc, xml](const httplib::Request& req, httplib::Response& res) {
        const std::string t = svc.table_xml(std::string(req.matches[1]));
        if (t.empty()) return http::reply_error(res, error(error_kind::not_found, fmt::format("no table '{}'", std::string(req.matches[1]))));
        xml(res, t);
    });
    server.Get(base + "/capabilities", [&svc, xml, base_url](const httplib::Request& req, httplib::Response& res) {
        xml(res, svc.capabilities_xml(base_url(req)));
    });
    server.Get(base + "/availability", [&svc, xml, health = b.health](const httplib::Request&, httplib::Response& res) {
        if (auto problem = health ? health() : std::nullopt)
            return xml(res, dali::availability_document(false, "libdax tap-server: " + *problem));
        xml(res, svc.availability_xml());
    });
    server.Get(base + "/examples", [&svc, base_url](const httplib::Request& req, httplib::Response& res) {
        res.set_content(svc.examples_html(base_url(req)), "application/xhtml+xml; charset=utf-8");
    });
    // The landing page names the site's other services (a JSON object in a script element).
    std::string page = landing_page();
    if (const auto at = page.find("{{DAX_SERVICES}}"); at != std::string::npos)
        page.replace(at, 16, services_json(b.services));
    for (const std::string p : {std::string(base), base + "/"})
        server.Get(p, [page](const httplib::Request&, httplib::Response& res) { res.set_content(page, "text/html; charset=utf-8"); });
    // Other methods on the read-only resources: 405 with Allow.
    for (const std::string p : {"/capabilities", "/availability", "/tables", "/tables/([^/]+)", "/examples", "", "/"})
        server.refuse_methods(base + p, "GET");
}

}  // namespace dax::tapserver
