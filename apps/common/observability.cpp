#include "observability.hpp"

#include "http_server.hpp"
#include "replies.hpp"

#include <dax/tap/backend.hpp>


#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <iostream>
#include <stdexcept>

namespace dax::http {

namespace {

constexpr double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5, 10};  // seconds
constexpr std::size_t max_routes = 200;  // labels; whatever paths clients make up

// A label value as Prometheus text wants it (routes are folded, so this is for safety).
std::string label(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

}  // namespace

std::string observer::route_of(std::string_view path, int status) {
    if (status == 404 || path.empty() || path[0] != '/') return "(unmatched)";
    if (status == 204) return "(preflight)";
    std::string out;
    int segments = 0;
    for (std::size_t b = 1; b <= path.size() && segments < 4;) {
        std::size_t e = path.find('/', b);
        if (e == std::string_view::npos) e = path.size();
        std::string_view seg = path.substr(b, e - b);
        const bool plain = seg.size() < 16 && std::all_of(seg.begin(), seg.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
        });
        out += '/';
        out += plain ? std::string(seg) : std::string("{id}");
        ++segments;
        b = e + 1;
        if (e == path.size()) break;
    }
    return out.empty() ? "/" : out;
}

void observer::done(const request_record& r) {
    std::string route = r.method == "OPTIONS" ? "(preflight)" : route_of(r.path, r.status);
    {
        std::lock_guard g(m_);
        if (routes_.size() >= max_routes && !routes_.count(route)) route = "(other)";
        auto& st = routes_[route];
        ++st.by_status[r.status];
        ++st.count;
        st.seconds += r.seconds;
        st.bytes += r.bytes;
        for (std::size_t i = 0; i < std::size(bounds); ++i)
            if (r.seconds <= bounds[i]) ++st.buckets[i];
    }
    if (!log_) return;
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    const std::string line = fmt::format(
        "{{\"time\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z\",\"level\":\"{}\",\"user\":{},\"method\":{},\"route\":{},\"path\":{},"
        "\"status\":{},\"bytes\":{},\"ms\":{:.3f}}}\n",
        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms, r.status >= 500 ? "error" : "info",
        json_string(r.user), json_string(r.method), json_string(route), json_string(r.path.substr(0, 512)), r.status, r.bytes, r.seconds * 1000);
    std::lock_guard g(log_m_);
    *log_ << line << std::flush;
}

std::string observer::metrics() const {
    std::string out =
        "# HELP dax_http_requests_total HTTP requests answered, by route and status.\n"
        "# TYPE dax_http_requests_total counter\n";
    std::string hist =
        "# HELP dax_http_request_duration_seconds Time from a request's head to its last byte sent.\n"
        "# TYPE dax_http_request_duration_seconds histogram\n";
    std::string bytes =
        "# HELP dax_http_response_bytes_total Bytes sent (rows streamed, files, documents), by route.\n"
        "# TYPE dax_http_response_bytes_total counter\n";
    std::lock_guard g(m_);
    for (const auto& [route, st] : routes_) {
        const std::string r = label(route);
        for (const auto& [status, n] : st.by_status) out += fmt::format("dax_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", r, status, n);
        for (std::size_t i = 0; i < std::size(bounds); ++i)
            hist += fmt::format("dax_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", r, bounds[i], st.buckets[i]);
        hist += fmt::format("dax_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", r, st.count);
        hist += fmt::format("dax_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", r, st.seconds);
        hist += fmt::format("dax_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", r, st.count);
        bytes += fmt::format("dax_http_response_bytes_total{{route=\"{}\"}} {}\n", r, st.bytes);
    }
    return out + hist + bytes +
           fmt::format("# HELP dax_query_rows_total Table rows written by catalog queries (TAP, SIA; sync and async).\n"
                       "# TYPE dax_query_rows_total counter\ndax_query_rows_total {}\n",
                       tap::rows_written_total());
}

void add_metrics_route(server& s, const std::string& path, std::shared_ptr<observer> o, std::function<std::string()> extra) {
    s.Get(path, [o, extra](const httplib::Request&, httplib::Response& res) {
        std::string text = o->metrics();
        if (extra) text += extra();
        res.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
    });
    s.refuse_methods(path, "GET");
}

std::vector<std::tuple<std::string, std::string, std::size_t>> job_counts::get() {
    std::lock_guard g(m_);
    const auto now = std::chrono::steady_clock::now();
    if (now - at_ >= std::chrono::seconds(2)) {
        at_ = now;
        try {
            last_ = store_.count_by_phase();
            error_.clear();
        } catch (const std::exception& e) {
            error_ = e.what();
        }
    }
    if (!error_.empty()) throw std::runtime_error(error_);
    return last_;
}

void observe(server& s, bool access_log, identity_function identity, uws::job_store* jobs) {
    auto o = std::make_shared<observer>(access_log ? &std::cout : nullptr, std::move(identity));
    s.set_observer(o);
    std::function<std::string()> extra;
    if (jobs)
        extra = [counts = std::make_shared<job_counts>(*jobs)] {
            std::string out =
                "# HELP dax_uws_jobs Jobs in the site's job store by task and phase (ARCHIVED left out).\n"
                "# TYPE dax_uws_jobs gauge\n";
            std::size_t queued = 0;
            try {
                for (const auto& [task, phase, n] : counts->get()) {
                    out += fmt::format("dax_uws_jobs{{task=\"{}\",phase=\"{}\"}} {}\n", label(task), label(phase), n);
                    if (phase == "QUEUED") queued += n;
                }
                out += "# HELP dax_uws_queue_depth Jobs waiting for a worker.\n# TYPE dax_uws_queue_depth gauge\n";
                out += fmt::format("dax_uws_queue_depth {}\n", queued);
                out += "# HELP dax_up_job_store Whether the job store answered.\n# TYPE dax_up_job_store gauge\ndax_up_job_store 1\n";
            } catch (const std::exception&) {
                out += "# HELP dax_up_job_store Whether the job store answered.\n# TYPE dax_up_job_store gauge\ndax_up_job_store 0\n";
            }
            return out;
        };
    add_metrics_route(s, "/metrics", o, extra);
}

}  // namespace dax::http
