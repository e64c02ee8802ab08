// dax-admin: administration commands that do not need a running server.
//   dax-admin reap --jobs sqlite:FILE|postgres:CONNINFO --results DIR [--history-days N]
//     destroys due jobs (results deleted, jobs ARCHIVED) and forgets expired history, as the
//     servers' own reaper does.
#include <dax/uws/engine.hpp>

#include <iostream>
#include <string>

namespace {
int usage(int code) {
    std::cerr << "usage: dax-admin reap --jobs sqlite:FILE|postgres:CONNINFO --results DIR [--history-days N]\n";
    return code;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage(2);
    const std::string cmd = argv[1];
    if (cmd == "--help" || cmd == "-h") return usage(0);
    if (cmd != "reap") {
        std::cerr << "dax-admin: unknown command '" << cmd << "'\n";
        return usage(2);
    }
    std::string jobs, results;
    long history_days = 365;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--jobs") jobs = argv[i + 1];
        else if (a == "--results") results = argv[i + 1];
        else if (a == "--history-days") history_days = std::stol(argv[i + 1]);
        else return usage(2);
    }
    if (jobs.empty() || results.empty()) return usage(2);
    try {
        std::unique_ptr<dax::uws::job_store> store;
        if (jobs.rfind("sqlite:", 0) == 0) store = dax::uws::open_sqlite_job_store(jobs.substr(7));
        else if (jobs.rfind("postgres:", 0) == 0) store = dax::uws::open_postgres_job_store(jobs.substr(9), 1);
        else {
            std::cerr << "dax-admin: --jobs must start with sqlite: or postgres:\n";
            return 2;
        }
        auto rs = dax::uws::open_directory_result_store(results);
        dax::uws::task_registry none;
        dax::uws::engine_config cfg;
        cfg.history_retention = std::chrono::hours(24 * history_days);
        dax::uws::engine e(*store, *rs, none, cfg);  // not started: no workers
        std::size_t total = 0, n;
        while ((n = e.reap()) > 0) total += n;
        std::cout << total << " jobs destroyed or forgotten\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "dax-admin: " << e.what() << '\n';
        return 1;
    }
}
