// Parse+translate benchmark over the valid queries of the ADQL case files (at least 300):
// median, p99 and max latency on one thread, and throughput on one and two threads.
// Prints figures; never passes or fails on time.
#include "../tests/adql/case_file.hpp"
#include "adql/lexer_check.hpp"

#include <dax/adql/felis.hpp>
#include <dax/adql/translate.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace dax::adql;
using clk = std::chrono::steady_clock;

struct item {
    std::string adql;
    bool syntax_only;
};

// The valid queries of the case files, then larger realistic queries and typical TAP requests.
std::vector<item> benchmark_queries(const memory_catalog& cat) {
    std::vector<item> queries;
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(DAX_SOURCE_DIR "/tests/adql/cases"))
        if (e.path().extension() == ".case") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
        for (const auto& c : read_cases(f)) {
            auto t = translate(c.query, {dialect::postgres, c.syntax_only ? nullptr : &cat});
            if (t.ok()) queries.push_back({c.query, c.syntax_only});
        }
    // Larger realistic queries: multi-way joins and long set operations.
    std::string big = "SELECT s.id FROM demo.stars AS s";
    for (int i = 0; i < 8; ++i) big += " UNION SELECT id FROM demo.galaxies WHERE z > " + std::to_string(i);
    queries.push_back({big, false});
    queries.push_back({"SELECT TOP 100 s.id, s.ra, s.dec, g.z, DISTANCE(POINT(s.ra, s.dec), POINT(g.ra, g.dec)) AS sep "
                       "FROM demo.stars AS s JOIN demo.galaxies AS g ON CONTAINS(POINT(g.ra, g.dec), CIRCLE(s.ra, s.dec, 0.01)) = 1 "
                       "WHERE s.mag_g BETWEEN 10 AND 20 AND g.z > 0.1 ORDER BY sep",
                       false});
    // Typical TAP requests: cone searches, cross-matches, ObsCore discovery.
    for (const char* q : {
             "SELECT TOP 1000 * FROM demo.stars WHERE CONTAINS(POINT(ra, dec), CIRCLE(10.684, 41.269, 0.5)) = 1",
             "SELECT id, ra, dec, mag_g FROM demo.stars WHERE DISTANCE(POINT(ra, dec), POINT(83.82, -5.39)) < 0.2 ORDER BY mag_g",
             "SELECT COUNT(*) FROM demo.stars WHERE mag_g BETWEEN 15 AND 18 AND CONTAINS(POINT(ra, dec), BOX(150, 2, 1.5, 1.5)) = 1",
             "SELECT obs_id, access_url FROM ivoa.ObsCore WHERE dataproduct_type = 'image' AND calib_level >= 2 AND INTERSECTS(s_region, CIRCLE(10, 20, 1)) = 1",
             "SELECT obs_id FROM ivoa.ObsCore WHERE CONTAINS(POINT(10, 20), s_region) = 1 AND t_min < 60000 AND t_max > 59000",
             "SELECT s.id, g.id FROM demo.stars AS s JOIN demo.galaxies AS g ON DISTANCE(POINT(s.ra, s.dec), POINT(g.ra, g.dec)) < 0.0003",
             "SELECT FLOOR(mag_g) AS bin, COUNT(*) AS n, AVG(mag_g - mag_r) AS colour FROM demo.stars GROUP BY bin ORDER BY bin",
             "SELECT TOP 10 id, DISTANCE(POINT(ra, dec), POINT(266.4, -29)) AS d FROM demo.stars ORDER BY d",
             "SELECT * FROM demo.stars WHERE CONTAINS(POINT(ra, dec), POLYGON(10, 10, 12, 10, 12, 12, 10, 12)) = 1",
             "SELECT id FROM demo.stars WHERE id IN (SELECT star_id FROM demo.galaxies WHERE z > 0.5) AND mag_g < 20",
             "SELECT ra, dec FROM demo.stars WHERE CONTAINS(POINT(ra, dec), REGION('Circle ICRS 201.365 -43.019 0.3')) = 1",
             "WITH bright AS (SELECT id, ra, dec FROM demo.stars WHERE mag_g < 12) SELECT b.id, g.z FROM bright AS b JOIN demo.galaxies AS g ON b.id = g.star_id",
         })
        queries.push_back({q, false});
    return queries;
}

// Two threads, the same total work split in halves; each thread warms its own DFA cache
// before the clock starts. Answers queries per second.
template <class Run>
double two_thread_rate(const std::vector<item>& queries, int reps, Run run_one, size_t& sink) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    clk::time_point t1;
    auto worker = [&](int half) {
        size_t s = 0;
        for (const auto& q : queries) run_one(q);
        ready.fetch_add(1);
        while (!go.load()) std::this_thread::yield();
        for (int r = half; r < reps; r += 2)
            for (const auto& q : queries) s += run_one(q);
        return s;
    };
    size_t other = 0;
    std::thread th([&] { other = worker(1); });
    std::thread starter([&] {
        while (ready.load() < 2) std::this_thread::yield();
        t1 = clk::now();
        go.store(true);
    });
    sink += worker(0);
    th.join();
    starter.join();
    sink += other;
    const double two_s = std::chrono::duration<double>(clk::now() - t1).count();
    return (static_cast<double>(queries.size()) * reps) / two_s;

}

int main(int argc, char** argv) {
    const int reps = argc > 1 ? std::atoi(argv[1]) : 100;
    memory_catalog cat;
    if (!load_felis_file(DAX_SOURCE_DIR "/tests/adql/catalog.yaml", cat)) return 1;
    for (const char* sig : {"ivo_hasword(a VARCHAR, b VARCHAR) -> INTEGER", "ivo_nocasematch(a VARCHAR, b VARCHAR) -> INTEGER"})
        cat.add_function(parse_function_signature(sig));

    const std::vector<item> queries = benchmark_queries(cat);
    std::printf("queries: %zu (valid case-file queries, 12 typical TAP requests, 2 larger ones), %d repetitions each\n",
                queries.size(), reps);
    for (const auto& q : queries)
        if (!translate(q.adql, {dialect::postgres, q.syntax_only ? nullptr : &cat})) {
            std::printf("invalid benchmark query: %s\n", q.adql.c_str());
            return 1;
        }

    auto run_one = [&](const item& q) {
        auto t = translate(q.adql, {dialect::postgres, q.syntax_only ? nullptr : &cat});
        return t.ok() ? t->sql.size() : 0;
    };
    for (const auto& q : queries) run_one(q);  // warm the per-thread DFA cache
    const auto fallbacks_before = dax::adql::detail::ll_fallbacks();

    // Single-thread latency distribution over every call.
    std::vector<double> us;
    us.reserve(queries.size() * reps);
    size_t sink = 0;
    auto t0 = clk::now();
    for (int r = 0; r < reps; ++r)
        for (const auto& q : queries) {
            auto a = clk::now();
            sink += run_one(q);
            us.push_back(std::chrono::duration<double, std::micro>(clk::now() - a).count());
        }
    double single_s = std::chrono::duration<double>(clk::now() - t0).count();
    std::sort(us.begin(), us.end());
    std::printf("full-LL second passes (SLL failed): %llu of %zu parses\n",
                static_cast<unsigned long long>(dax::adql::detail::ll_fallbacks() - fallbacks_before), us.size());
    auto pct = [&](double p) { return us[std::min(us.size() - 1, static_cast<size_t>(p * us.size()))]; };
    std::printf("single thread: median %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us, %.0f queries/s\n", pct(0.5), pct(0.9),
                pct(0.99), us.back(), us.size() / single_s);

    const double two_qps = two_thread_rate(queries, reps, run_one, sink);
    std::printf("two threads: %.0f queries/s, %.2fx one thread\n", two_qps, two_qps / (us.size() / single_s));

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    std::printf("peak RSS: %.1f MB (checksum %zu)\n", ru.ru_maxrss / 1024.0, sink);
    return 0;
}
