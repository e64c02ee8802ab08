#include "tap_http.hpp"
#include "landing_page.hpp"
#include "../common/replies.hpp"
#include "../common/thread_pool.hpp"
#include <dax/tap/query_task.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>
#include <memory>
#include <vector>

namespace dax::tapserver {
namespace {

// Carries a sync result from the thread running the query to the HTTP response, in chunks of
// up to 256 KiB, at most 1 MiB ahead of the client. The response starts only when the query has
// produced its first output (or ended): an error before the first row still gets its DALI error
// document and HTTP status. A client that leaves closes the pipe, which stops the query.
class result_pipe final : public votable::sink {
public:
    explicit result_pipe(std::chrono::steady_clock::time_point deadline) : deadline_(deadline) {}
    // Producer side (the query thread).
    void write(const char* data, std::size_t size) override {
        if (!announced_) {  // the first output: the response can start (flush() sees a closed pipe)
            {
                std::lock_guard g(m_);
                if (closed_) throw error("client disconnected");
                started_ = true;
            }
            cv_.notify_all();
            announced_ = true;
        }
        cur_.append(data, size);
        if (cur_.size() >= chunk) flush();
    }
    void flush() override {
        if (cur_.empty()) return;
        std::unique_lock lk(m_);
        // The query's time limit holds also when the client reads slowly: the query (its thread,
        // its database connection, its in-flight slot) is not kept waiting past it.
        if (!cv_.wait_until(lk, deadline_, [&] { return closed_ || queued_ < ahead; })) {
            cut_ = true;
            throw error("the sync time limit was reached while the client was still reading the result");
        }
        if (closed_) throw error("client disconnected");
        queued_ += cur_.size();
        chunks_.push_back(std::move(cur_));
        cur_.clear();
        cv_.notify_all();
    }
    void finish(std::optional<error> failure) {
        try {
            flush();
        } catch (const std::exception&) {
        }
        std::lock_guard g(m_);
        done_ = true;
        failure_ = std::move(failure);
        cv_.notify_all();
    }
    // Consumer side (the HTTP worker).
    /// Waits for the first output or the end; the error if the query failed before any output.
    std::optional<error> wait_start() {
        std::unique_lock lk(m_);
        cv_.wait(lk, [&] { return started_ || done_; });
        if (!started_ && failure_) return failure_;
        return std::nullopt;
    }
    /// The next chunk; false at the end.
    bool next(std::string& out) {
        std::unique_lock lk(m_);
        cv_.wait(lk, [&] { return !chunks_.empty() || done_; });
        if (chunks_.empty()) return false;
        out = std::move(chunks_.front());
        chunks_.pop_front();
        queued_ -= out.size();
        cv_.notify_all();
        return true;
    }
    void close() {
        std::lock_guard g(m_);
        closed_ = true;
        cv_.notify_all();
    }
    /// True when the result could not be completed in the stream (its end is missing): the
    /// response must then end without its last chunk, so the client sees it incomplete.
    bool cut() {
        std::lock_guard g(m_);
        return cut_;
    }

private:
    static constexpr std::size_t chunk = 256 << 10, ahead = 1 << 20;
    std::mutex m_;
    std::condition_variable cv_;
    std::deque<std::string> chunks_;
    std::string cur_;  ///< producer only
    bool announced_ = false;  ///< producer only
    std::size_t queued_ = 0;
    bool started_ = false, done_ = false, closed_ = false, cut_ = false;
    std::optional<error> failure_;
    std::chrono::steady_clock::time_point deadline_;
};

// Threads that run sync queries, kept for the next query (creating one costs more than a
// small query); as many as queries run at once, which queries_in_flight bounds.
http::thread_pool& query_threads() {
    static auto* t = new http::thread_pool(SIZE_MAX);  // lives as long as the process, like its threads
    return *t;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

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

}  // namespace

void add_tap_routes(http::server& server, const tap::service& svc, const tap_binding& b) {
    const std::string base = b.base;
    auto base_url = [b](const httplib::Request& req) { return http::origin(req, b.public_url) + b.base; };
    auto running = std::make_shared<std::atomic<std::size_t>>(0);

    auto fetching = std::make_shared<std::atomic<std::size_t>>(0);
    auto sync = [&svc, b, running, fetching](const httplib::Request& req, httplib::Response& res) {
        if (b.identity && !b.identity(req))
            return http::reply_error(res, error(error_kind::unauthenticated, "authentication required"));
        // The limit comes before any work on the query (parsing, uploads) is done.
        auto guard = std::make_shared<http::in_flight>(*running, svc.lim().queries_in_flight);
        if (!guard->ok())
            return http::reply_error(res, error(error_kind::overloaded, "too many queries in flight; retry shortly or use /async")
                                              .with_retry_after(std::chrono::seconds(1)));
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
        auto shared = std::make_shared<tap::prepared_query>(std::move(*q));
        const auto deadline = std::chrono::steady_clock::now() + svc.lim().sync_timeout;
        auto pipe = std::make_shared<result_pipe>(deadline);
        query_threads().run([&svc, shared, pipe, guard, deadline] {
            tap::run_limits l;
            l.deadline = deadline;
            try {
                svc.run(*shared, *pipe, l);
                pipe->finish(std::nullopt);
            } catch (const error& e) {
                // After output began, the writer has closed the document with QUERY_STATUS=ERROR
                // (DALI 1.1 section 4.4.3); before, the error becomes the response.
                pipe->finish(e);
            } catch (const std::exception& e) {
                pipe->finish(error(error_kind::internal, e.what()));
            }
        });
        if (auto failure = pipe->wait_start()) return http::reply_error(res, *failure);
        res.set_chunked_content_provider(
            shared->format->mime,
            [pipe](std::size_t, httplib::DataSink& sink) {
                std::string c;
                while (pipe->next(c))
                    if (!sink.write(c.data(), c.size())) return pipe->close(), false;
                if (pipe->cut()) return false;
                sink.done();
                return true;
            },
            [pipe](bool) { pipe->close(); });
    };
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
    // Other methods on the read-only resources: 405 with Allow.
    for (const std::string p : {"/capabilities", "/availability", "/tables", "/tables/([^/]+)", "/examples", "", "/"})
        server.refuse_methods(base + p, "GET");
}

}  // namespace dax::tapserver
