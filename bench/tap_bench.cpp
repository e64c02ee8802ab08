// TAP latency and throughput over HTTP keep-alive, against any TAP service holding the demo
// data (demo.stars): libdax's tap-server or the DaCHS peer, so both are measured the same way.
//   tap_bench BASE_URL [LABEL]     e.g. tap_bench http://127.0.0.1:8080/tap libdax-sqlite
// Prints: (a) SELECT TOP 1 latency, (b) ~100-row cone search latency, (c) 100,000 rows as
// BINARY2 (rows/s). Loopback only; bounded loops.
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct target {
    std::string host_port, path;
};

target split(const std::string& url) {
    const auto slash = url.find('/', url.find("://") + 3);
    return {url.substr(0, slash), slash == std::string::npos ? "" : url.substr(slash)};
}

std::string query_path(const target& t, const std::string& adql, const std::string& extra) {
    return t.path + "/sync?LANG=ADQL&QUERY=" + httplib::detail::encode_query_param(adql) + extra;
}

struct stats {
    double median_ms, p90_ms, min_ms;
    std::size_t bytes;
};

stats measure(httplib::Client& c, const std::string& path, int runs, int warmup) {
    std::vector<double> ms;
    std::size_t bytes = 0;
    for (int i = 0; i < warmup + runs; ++i) {
        const auto t0 = clock_type::now();
        auto r = c.Get(path.c_str());
        const double d = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
        if (!r || r->status != 200) {
            std::fprintf(stderr, "request failed: %s -> %d\n", path.c_str(), r ? r->status : -1);
            std::exit(1);
        }
        if (r->body.find("QUERY_STATUS\" value=\"ERROR") != std::string::npos) {
            std::fprintf(stderr, "query failed: %s\n", r->body.c_str());
            std::exit(1);
        }
        bytes = r->body.size();
        if (i >= warmup) ms.push_back(d);
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.front(), bytes};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: tap_bench BASE_URL [LABEL]\n");
        return 2;
    }
    const std::string url = argv[1], label = argc > 2 ? argv[2] : argv[1];
    const target t = split(url);
    if (t.host_port.find("://127.") == std::string::npos && t.host_port.find("://localhost") == std::string::npos) {
        std::fprintf(stderr, "refusing non-loopback target %s\n", t.host_port.c_str());
        return 2;
    }
    httplib::Client c(t.host_port);
    c.set_keep_alive(true);
    c.set_read_timeout(300);
    const auto top1 = measure(c, query_path(t, "SELECT TOP 1 * FROM demo.stars", ""), 200, 20);
    const auto cone = measure(c, query_path(t, "SELECT * FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 10, 10, 3.6))", ""), 200, 20);
    const auto full = measure(c, query_path(t, "SELECT * FROM demo.stars", "&MAXREC=100000&RESPONSEFORMAT=votable%2Fb2"), 15, 2);
    std::printf("%-18s (a) TOP 1: median %.3f ms (p90 %.3f, min %.3f)\n", label.c_str(), top1.median_ms, top1.p90_ms, top1.min_ms);
    std::printf("%-18s (b) cone ~100 rows: median %.3f ms (p90 %.3f, %zu bytes)\n", label.c_str(), cone.median_ms, cone.p90_ms, cone.bytes);
    std::printf("%-18s (c) 100,000 rows BINARY2: median %.1f ms = %.0f rows/s (%.1f MB)\n", label.c_str(), full.median_ms,
                100000.0 / (full.median_ms / 1000.0), full.bytes / 1e6);
    return 0;
}
