// UWS engine overhead: time from submit to COMPLETED for a no-op task, and jobs/s, per store.
// Prints figures; never passes or fails on time.
//   uws_bench sqlite [JOBS]          (a temporary SQLite file)
//   uws_bench postgres CONNINFO [JOBS]
#include <dax/uws/engine.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

using namespace dax::uws;
using clk = std::chrono::steady_clock;

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    const std::string kind = argv[1];
    const int jobs = std::atoi(kind == "postgres" ? (argc > 3 ? argv[3] : "2000") : (argc > 2 ? argv[2] : "2000"));
    char dir[] = "/tmp/dax-uws-bench-XXXXXX";
    const std::string tmp = mkdtemp(dir);
    std::unique_ptr<job_store> store = kind == "postgres" ? open_postgres_job_store(argv[2], 6) : open_sqlite_job_store(tmp + "/jobs.db");
    auto results = open_directory_result_store(tmp + "/results");
    task_registry tasks;
    tasks.add("noop", {[](task_context&) {}});
    engine_config cfg;
    cfg.workers = 4;
    cfg.poll_interval = std::chrono::milliseconds(50);
    engine e(*store, *results, tasks, cfg);
    e.start();
    // Latency: one job at a time, submit to COMPLETED seen by the caller.
    std::vector<double> us;
    for (int i = 0; i < 300; ++i) {
        const auto t0 = clk::now();
        auto j = e.create("bench", "noop", {}, "", true);
        auto done = e.wait("bench", j->id, std::chrono::seconds(10), phase::queued);
        while (done->ph != phase::completed) done = e.wait("bench", j->id, std::chrono::seconds(10));
        us.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
    }
    std::sort(us.begin(), us.end());
    // Throughput: submit many, wait for all.
    const auto t0 = clk::now();
    std::vector<std::string> ids;
    for (int i = 0; i < jobs; ++i) ids.push_back(e.create("bench", "noop", {}, "", true)->id);
    for (const auto& id : ids) {
        auto j = e.get("bench", id);
        while (j->ph != phase::completed) j = e.wait("bench", id, std::chrono::seconds(10));
    }
    const double s = std::chrono::duration<double>(clk::now() - t0).count();
    e.stop();
    std::printf("%-8s submit->COMPLETED: median %.0f us, p90 %.0f us, p99 %.0f us (300 jobs, one at a time); "
                "throughput %.0f jobs/s (%d jobs, 4 workers)\n",
                kind.c_str(), us[us.size() / 2], us[us.size() * 9 / 10], us[us.size() * 99 / 100], jobs / s, jobs);
    std::filesystem::remove_all(tmp);
    return 0;
}
