#include "tap_http.hpp"
#include "landing_page.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <vector>

namespace dax::tapserver {
namespace {

// Writes to the HTTP response in chunks of up to 256 KiB as rows come; a closed connection
// stops the query. Memory stays flat whatever the result size.
class datasink_sink final : public votable::sink {
public:
    explicit datasink_sink(httplib::DataSink& s) : s_(s) { buf_.reserve(limit); }
    void write(const char* data, std::size_t size) override {
        if (buf_.size() + size > limit) flush();
        if (size >= limit) return send(data, size);
        buf_.append(data, size);
    }
    void flush() override {
        if (!buf_.empty()) send(buf_.data(), buf_.size());
        buf_.clear();
    }

private:
    static constexpr std::size_t limit = 256 << 10;
    void send(const char* data, std::size_t size) {
        if (!s_.write(data, size)) throw error("client disconnected");
    }
    httplib::DataSink& s_;
    std::string buf_;
};

// Bounds the sync queries running at once (limits.queries_in_flight).
class in_flight {
public:
    in_flight(std::atomic<std::size_t>& n, std::size_t max) : n_(n), ok_(++n_ <= max) {}
    ~in_flight() { --n_; }
    bool ok() const { return ok_; }

private:
    std::atomic<std::size_t>& n_;
    bool ok_;
};

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// FITS is written to a file before it is sent anyway (CFITSIO fixes NAXIS2 at the end), so a
// failing query still gets its DALI error with the right status.
void sync_fits(const tap::service& svc, const tap::prepared_query& q, httplib::Response& res) {
    char path[] = "/tmp/dax-fits-XXXXXX";
    const int tmp = ::mkstemp(path);
    if (tmp < 0) return dali_error(res, 500, "cannot create a temporary file for the FITS result");
    ::close(tmp);
    struct unlinker {
        const char* p;
        ~unlinker() { ::unlink(p); }  // the open descriptor below keeps the data until sent
    } ul{path};
    try {
        tap::run_limits l;
        l.deadline = std::chrono::steady_clock::now() + svc.lim().sync_timeout;
        svc.run_fits(q, path, l);
    } catch (const std::exception& e) {
        return dali_error(res, 400, e.what());
    }
    const int fd = ::open(path, O_RDONLY);
    if (fd < 0) return dali_error(res, 500, "the FITS result vanished");
    auto file = std::shared_ptr<int>(new int(fd), [](int* f) { ::close(*f); delete f; });
    const auto size = static_cast<std::size_t>(::lseek(fd, 0, SEEK_END));
    res.set_content_provider(size, q.format->mime, [file](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        std::vector<char> buf(std::min<std::size_t>(length, 1 << 20));
        while (length) {
            const auto n = ::pread(*file, buf.data(), std::min(length, buf.size()), static_cast<off_t>(offset));
            if (n <= 0 || !sink.write(buf.data(), static_cast<std::size_t>(n))) return false;
            offset += static_cast<std::size_t>(n);
            length -= static_cast<std::size_t>(n);
        }
        return true;
    });
}

}  // namespace

void dali_error(httplib::Response& res, int status, const std::string& message) {
    votable::string_sink s;
    votable::write_error_document(s, message);
    res.status = status;
    res.set_content(s.out, "application/x-votable+xml");
}

tap::parameters request_parameters(const httplib::Request& req) {
    tap::parameters p;
    for (const auto& [k, v] : req.params) p.push_back({k, v});
    for (const auto& [k, f] : req.files)
        if (f.filename.empty()) p.push_back({k, f.content});
    return p;
}

void add_tap_routes(httplib::Server& server, const tap::service& svc, const tap_binding& b) {
    const std::string base = b.base;
    auto base_url = [b](const httplib::Request& req) { return http::origin(req, b.public_url) + b.base; };
    auto running = std::make_shared<std::atomic<std::size_t>>(0);

    auto sync = [&svc, b, running](const httplib::Request& req, httplib::Response& res) {
        if (b.identity && !b.identity(req)) {
            res.set_header("WWW-Authenticate", "Bearer");
            return dali_error(res, 401, "authentication required");
        }
        auto part = [&req](std::string_view name) -> std::optional<std::string> {
            auto it = req.files.find(std::string(name));
            if (it == req.files.end()) return std::nullopt;
            return it->second.content;
        };
        auto fetch = [&](std::string_view uri) { return fetch_upload(uri, part, svc.lim()); };
        auto q = svc.prepare(request_parameters(req), fetch);
        if (!q) return dali_error(res, 400, q.err().what());
        auto guard = std::make_shared<in_flight>(*running, svc.lim().queries_in_flight);
        if (!guard->ok()) {
            res.set_header("Retry-After", "1");
            return dali_error(res, 503, "too many queries in flight; retry shortly or use /async");
        }
        if (q->format->name == "fits") return sync_fits(svc, *q, res);
        auto shared = std::make_shared<tap::prepared_query>(std::move(*q));
        res.set_chunked_content_provider(shared->format->mime, [&svc, shared, guard](std::size_t, httplib::DataSink& sink) {
            datasink_sink out(sink);
            tap::run_limits l;
            l.deadline = std::chrono::steady_clock::now() + svc.lim().sync_timeout;
            try {
                svc.run(*shared, out, l);
                out.flush();
            } catch (const std::exception&) {
                // The writer has closed the document with QUERY_STATUS=ERROR (DALI 1.1 4.4.3);
                // send it unless the client is gone.
                try {
                    out.flush();
                } catch (const std::exception&) {
                    return false;
                }
            }
            sink.done();
            return true;
        });
    };
    server.Get(base + "/sync", sync);
    server.Post(base + "/sync", sync);

    auto xml = [](httplib::Response& res, const std::string& body) { res.set_content(body, "text/xml; charset=utf-8"); };
    server.Get(base + "/tables", [&svc, xml](const httplib::Request& req, httplib::Response& res) {
        const std::string detail = req.has_param("detail") ? lower(req.get_param_value("detail")) : "";
        if (!detail.empty() && detail != "min" && detail != "max")
            return dali_error(res, 400, "detail must be min or max");
        xml(res, svc.tables_xml(detail == "min"));
    });
    server.Get(base + "/tables/([^/]+)", [&svc, xml](const httplib::Request& req, httplib::Response& res) {
        const std::string t = svc.table_xml(std::string(req.matches[1]));
        if (t.empty()) return dali_error(res, 404, fmt::format("no table '{}'", std::string(req.matches[1])));
        xml(res, t);
    });
    server.Get(base + "/capabilities", [&svc, xml, base_url](const httplib::Request& req, httplib::Response& res) {
        xml(res, svc.capabilities_xml(base_url(req)));
    });
    server.Get(base + "/availability", [&svc, xml](const httplib::Request&, httplib::Response& res) {
        xml(res, svc.availability_xml());
    });
    server.Get(base + "/examples", [&svc, base_url](const httplib::Request& req, httplib::Response& res) {
        res.set_content(svc.examples_html(base_url(req)), "application/xhtml+xml; charset=utf-8");
    });
    for (const std::string p : {std::string(base), base + "/"})
        server.Get(p, [](const httplib::Request&, httplib::Response& res) {
            res.set_content(landing_page(), "text/html; charset=utf-8");
        });
    // Other methods on the read-only VOSI resources.
    for (const std::string p : {"/capabilities", "/availability", "/tables", "/examples"})
        server.Post(base + p, [](const httplib::Request&, httplib::Response& res) {
            res.set_header("Allow", "GET");
            dali_error(res, 405, "this resource supports GET only");
        });
}

result<std::string> fetch_upload(std::string_view uri, const std::function<std::optional<std::string>(std::string_view)>& part,
                                 const tap::limits& lim) {
    const std::size_t max_bytes = lim.max_upload_bytes;
    if (uri.rfind("param:", 0) == 0) {
        auto c = part(uri.substr(6));
        if (!c) return error(fmt::format("the request has no part named '{}'", uri.substr(6)));
        return std::move(*c);
    }
    if (uri.rfind("http://", 0) != 0)
        return error(fmt::format("'{}' is neither param:NAME (an inline part) nor an http:// URL", uri));
    if (!lim.upload_urls) return error("uploads by URL are turned off on this service: send the table inline (param:NAME)");
    const auto slash = uri.find('/', 7);
    const std::string host(uri.substr(0, slash)), path(slash == std::string_view::npos ? "/" : uri.substr(slash));
    httplib::Client cli(host);
    cli.set_connection_timeout(10);
    cli.set_read_timeout(30);
    cli.set_follow_location(true);
    cli.set_url_encode(false);  // the URL arrives encoded already
    std::string body;
    bool too_big = false;
    auto r = cli.Get(path.c_str(), [&](const char* data, std::size_t n) {
        if (body.size() + n > max_bytes) return !(too_big = true);
        body.append(data, n);
        return true;
    });
    if (too_big) return error(fmt::format("{} is larger than the upload limit of {} bytes", uri, max_bytes));
    if (!r) return error(fmt::format("cannot read {}: {}", uri, httplib::to_string(r.error())));
    if (r->status != 200) return error(fmt::format("reading {} gave HTTP status {}", uri, r->status));
    return body;
}

uws::task_definition tap_query_task(const tap::service& svc) {
    return {[&svc](uws::task_context& c) {
                const uws::job& j = c.current();
                auto part = [&j](std::string_view name) { return j.parameter(name); };
                auto q = svc.prepare(j.parameters, [&](std::string_view uri) {
                    return fetch_upload(uri, part, svc.lim());
                });
                if (!q) throw std::runtime_error(q.err().what());
                auto cancelled = std::make_shared<std::atomic<bool>>(false);
                c.on_cancel([cancelled] { *cancelled = true; });
                auto out = c.create_result("result");
                tap::run_limits l;
                l.cancelled = cancelled.get();
                l.progress = [&c](std::uint64_t rows) { c.progress("rows", std::to_string(rows)); };
                const auto rows = svc.run(*q, *out, l);
                c.progress("rows", std::to_string(rows));
                c.add_result({"result", "", q->format->mime, out->commit()});
            },
            false};
}

}  // namespace dax::tapserver
