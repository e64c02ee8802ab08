#pragma once
// Operations (issue 15 section 3): every request counted for a Prometheus `/metrics` endpoint
// (requests by route and status, a latency histogram, bytes sent) and, when asked for, written as
// one structured access-log line (JSON: time, user, method, route, status, bytes, ms; "level"
// "error" for 5xx). Routes are paths with job ids, table names and result names folded, so the
// label set stays small whatever clients ask for.
#include "auth.hpp"

#include <dax/uws/store.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace dax::http {

class server;

struct request_record {
    std::string method, path, user;
    int status = 0;
    std::uint64_t bytes = 0;  ///< sent, headers included
    double seconds = 0;       ///< from the whole request head to the last byte sent
};

class observer {
public:
    /// `log`: where access-log lines go (nullptr: none); `identity`: the user named in them.
    observer(std::ostream* log, identity_function identity) : log_(log), identity_(std::move(identity)) {}
    const identity_function& identity() const { return identity_; }
    void done(const request_record& r);
    /// The Prometheus text exposition (version 0.0.4) of the counters.
    std::string metrics() const;
    /// The route label of a path: ids ([a-z2-7] job ids, long or odd segments) folded to {id},
    /// at most four segments; unmatched paths (404) and CORS preflights are one label each.
    static std::string route_of(std::string_view path, int status);

private:
    struct route_stats {
        std::map<int, std::uint64_t> by_status;
        std::uint64_t buckets[10] = {};  ///< latency, cumulative at write time
        double seconds = 0;
        std::uint64_t count = 0, bytes = 0;
    };
    std::ostream* log_;
    identity_function identity_;
    mutable std::mutex m_;
    std::mutex log_m_;  ///< a slow log reader holds up logging, not the counters
    std::map<std::string, route_stats> routes_;  ///< at most max_routes; the rest are "(other)"
};

/// GET `path`: the observer's metrics, then `extra()` (more metrics, e.g. jobs by phase).
void add_metrics_route(server& s, const std::string& path, std::shared_ptr<observer> o, std::function<std::string()> extra = {});

/// What every server does: requests observed, GET /metrics (with jobs by task and phase and the
/// queue depth when `jobs` is given), access-log lines on stdout when `access_log`.
void observe(server& s, bool access_log, identity_function identity, uws::job_store* jobs = nullptr);

/// The job store's counts by task and phase, asked at most every 2 s (metrics and health are
/// open endpoints; the count is a GROUP BY over the store). Throws when the store does not answer.
class job_counts {
public:
    explicit job_counts(uws::job_store& store) : store_(store) {}
    std::vector<std::tuple<std::string, std::string, std::size_t>> get();

private:
    uws::job_store& store_;
    std::mutex m_;
    std::chrono::steady_clock::time_point at_{};
    std::vector<std::tuple<std::string, std::string, std::size_t>> last_;
    std::string error_;
};

}  // namespace dax::http
