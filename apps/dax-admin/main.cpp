// dax-admin: administration commands that do not need a running server.
//   dax-admin reap --jobs sqlite:FILE|postgres:CONNINFO --results DIR [--task NAME]... [--history-days N]
//     destroys due jobs (results deleted, jobs ARCHIVED) and forgets expired history, as the
//     servers' own reaper does.
//   dax-admin load [--config FILE] [--data-dir D] --schema FELIS.yaml [--backend NAME] --table SCHEMA.TABLE --csv FILE
//     creates the table described in the Felis file on its backend (replacing it), loads the
//     CSV (header = column names; empty = NULL) in one transaction with progress, and indexes
//     the columns marked tap:indexed. Bad rows stop the load with their line number.
//   dax-admin shard --coordinator CONNINFO --shard CONNINFO|local [--shard ...] [--edges D1,D2,...]
//                   --schema FELIS.yaml --table SCHEMA.TABLE --csv FILE
//     creates the table over PostgreSQL servers, one declination band per shard (postgres_fdw
//     partitions on the coordinator; dax/tap/postgres_shards.hpp), and loads the CSV with each
//     row sent to its band's server. Publish it with the same Felis file on a postgres backend
//     whose conninfo is the coordinator's.
//   dax-admin ingest-images [--config FILE] [--data-dir D] [--collection NAME] [--did-template T]
//                           [--authority A] [--access-url T] [--store FILE] DIR_OR_FILE...
//     describes FITS images (plain, multi-extension, tile-compressed) as ivoa.ObsCore rows,
//     merged by obs_publisher_did (re-ingesting updates), and records each file in the image
//     store (default DATA_DIR/images.sqlite). Unreadable files are named with the reason; the
//     others are still ingested (exit status 1).
//   dax-admin demo-csv stars|obscore [ROWS]
//     writes the demo data (identical to shared/peers/data/gen_data.py) as CSV to stdout;
//     ROWS (default 100,000 stars, 1,000 images) for benchmarks.
#include "../common/tap_config.hpp"
#include "../common/catalog_setup.hpp"
#include "ingest_images.hpp"

#include <dax/adql/felis.hpp>
#include <dax/tap/demo_data.hpp>
#include <dax/tap/postgres_shards.hpp>
#include <dax/uws/engine.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {
int usage(int code) {
    std::cerr << "usage: dax-admin reap --jobs sqlite:FILE|postgres:CONNINFO --results DIR [--task NAME]... [--history-days N]\n"
                 "  (the jobs of the tasks whose results are in DIR; default --task tap-query: tap-server's)\n"
                 "       dax-admin load [--config FILE] [--data-dir D] --schema FELIS.yaml [--backend NAME] --table S.T --csv FILE\n"
                 "       dax-admin shard --coordinator CONNINFO --shard CONNINFO|local [--shard ...] [--edges D1,D2,...]\n"
                 "                       --schema FELIS.yaml --table S.T --csv FILE\n"
                 "       dax-admin ingest-images [--config FILE] [--data-dir D] [--collection NAME] [--did-template T]\n"
                 "                               [--authority A] [--access-url T] [--store FILE] DIR_OR_FILE...\n"
                 "       dax-admin demo-csv stars|obscore [ROWS]\n";
    return code;
}

// The CSV is mapped, not read: memory does not grow with the file.
struct mapped_file {
    const char* data = nullptr;
    std::size_t size = 0;
    explicit mapped_file(const std::string& path) {
        const int fd = ::open(path.c_str(), O_RDONLY);
        if (fd < 0) throw std::runtime_error("cannot open " + path);
        struct stat st;
        ::fstat(fd, &st);
        size = static_cast<std::size_t>(st.st_size);
        if (size) {
            void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED) { ::close(fd); throw std::runtime_error("cannot map " + path); }
            data = static_cast<const char*>(p);
            ::madvise(p, size, MADV_SEQUENTIAL);
        }
        ::close(fd);
    }
    ~mapped_file() { if (data) ::munmap(const_cast<char*>(data), size); }
};

int load(int argc, char** argv) {
    std::string config, data_dir, schema, backend = "sqlite", table, csv;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--config") config = argv[i + 1];
        else if (a == "--data-dir") data_dir = argv[i + 1];
        else if (a == "--schema") schema = argv[i + 1];
        else if (a == "--backend") backend = argv[i + 1];
        else if (a == "--table") table = argv[i + 1];
        else if (a == "--csv") csv = argv[i + 1];
        else return usage(2);
    }
    if (schema.empty() || table.empty() || csv.empty()) return usage(2);
    dax::tapserver::server_config cfg;
    if (!config.empty()) {
        auto c = dax::tapserver::load_config(config, cfg);
        if (!c) { std::cerr << "dax-admin: " << c.err().what() << "\n"; return 2; }
        cfg = std::move(*c);
    }
    if (!data_dir.empty()) cfg.service.data_dir = data_dir;
    std::ifstream in(schema);
    if (!in) { std::cerr << "dax-admin: cannot read " << schema << "\n"; return 2; }
    std::stringstream text;
    text << in.rdbuf();
    cfg.service.schemas.push_back({text.str(), backend});
    auto svc = dax::tap::service::open(cfg.service);
    if (!svc) { std::cerr << "dax-admin: " << svc.err().what() << "\n"; return 1; }
    mapped_file f(csv);
    const auto t0 = std::chrono::steady_clock::now();
    auto n = (*svc)->load_csv(table, std::string_view(f.data ? f.data : "", f.size), [&](std::uint64_t rows) {
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::cerr << "\r" << table << ": " << rows << " rows (" << static_cast<long>(rows / std::max(s, 1e-3)) << " rows/s)" << std::flush;
    });
    std::cerr << "\n";
    if (!n) { std::cerr << "dax-admin: " << csv << ": " << n.err().what() << " (nothing loaded)\n"; return 1; }
    std::cout << "loaded " << *n << " rows into " << table << "; publish it by listing " << schema
              << " under schemas: in the tap-server config\n";
    return 0;
}
int shard(int argc, char** argv) {
    dax::tap::shard_layout layout;
    std::string schema, table, csv;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--coordinator") layout.coordinator = v;
        else if (a == "--shard") layout.shards.push_back(v);
        else if (a == "--schema") schema = v;
        else if (a == "--table") table = v;
        else if (a == "--csv") csv = v;
        else if (a == "--edges") {
            std::stringstream in(v);
            for (std::string e; std::getline(in, e, ',');) {
                char* end = nullptr;
                layout.edges.push_back(std::strtod(e.c_str(), &end));
                if (e.empty() || *end) { std::cerr << "dax-admin: --edges: '" << e << "' is not a number\n"; return 2; }
            }
        } else return usage(2);
    }
    if (layout.coordinator.empty() || layout.shards.empty() || schema.empty() || table.empty() || csv.empty()) return usage(2);
    dax::adql::memory_catalog cat;
    if (auto r = dax::adql::load_felis_file(schema, cat); !r) { std::cerr << "dax-admin: " << r.err().what() << "\n"; return 2; }
    const dax::adql::table_info* t = nullptr;
    for (const auto& x : cat.tables())
        if (x->schema + "." + x->name == table) t = x.get();
    if (!t) { std::cerr << "dax-admin: " << schema << " does not describe " << table << "\n"; return 2; }
    mapped_file f(csv);
    const auto t0 = std::chrono::steady_clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    auto r = dax::tap::load_sharded_csv(layout, *t, std::string_view(f.data ? f.data : "", f.size), [&](std::uint64_t rows) {
        std::cerr << "\r" << table << ": " << rows << " rows (" << static_cast<long>(rows / std::max(seconds(), 1e-3)) << " rows/s)" << std::flush;
    });
    std::cerr << "\n";
    if (!r) { std::cerr << "dax-admin: " << csv << ": " << r.err().what() << " (nothing loaded)\n"; return 1; }
    std::cout << "loaded " << r->rows << " rows into " << table << " in " << layout.shards.size() << " bands (" << seconds() << " s):\n";
    for (std::size_t k = 0; k < layout.shards.size(); ++k)
        std::cout << "  band " << k + 1 << " dec [" << (k ? std::to_string(r->edges[k - 1]) : "-90") << ", "
                  << (k + 1 < layout.shards.size() ? std::to_string(r->edges[k]) : "90") << "): " << r->per_band[k] << " rows on "
                  << (layout.shards[k] == "local" ? "the coordinator" : "shard " + std::to_string(k + 1)) << "\n";
    if (r->null_dec) std::cout << "  no declination: " << r->null_dec << " rows on the coordinator\n";
    for (const auto& w : r->warnings) std::cerr << "dax-admin: warning: " << w << "\n";
    std::cout << "publish it by listing " << schema << " under schemas: with a postgres backend on the coordinator\n";
    return 0;
}
int ingest(int argc, char** argv) {
    std::string config, data_dir, store;
    dax::tapserver::server_config cfg;
    std::vector<std::string> inputs;
    std::vector<std::pair<std::string, std::string>> overrides;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a.rfind("--", 0) != 0) {
            inputs.push_back(a);
            continue;
        }
        if (i + 1 >= argc) return usage(2);
        const std::string v = argv[++i];
        if (a == "--config") config = v;
        else if (a == "--data-dir") data_dir = v;
        else if (a == "--store") store = v;
        else if (a == "--collection" || a == "--did-template" || a == "--authority" || a == "--access-url") overrides.emplace_back(a, v);
        else return usage(2);
    }
    if (inputs.empty()) return usage(2);
    if (!config.empty()) {
        auto c = dax::tapserver::load_config(config, cfg);
        if (!c) { std::cerr << "dax-admin: " << c.err().what() << "\n"; return 2; }
        cfg = std::move(*c);
    }
    if (!data_dir.empty()) cfg.common.data_dir = cfg.service.data_dir = data_dir;
    for (const auto& [k, v] : overrides) {
        if (k == "--collection") cfg.images.collection = v;
        else if (k == "--did-template") cfg.images.did_template = v;
        else if (k == "--authority") cfg.images.authority = v;
        else cfg.images.access_url_template = v;
    }
    dax::http::default_access_url(cfg);  // as the servers do: access_url = the links
    std::filesystem::create_directories(cfg.service.data_dir);
    if (store.empty()) store = dax::http::image_store_path(cfg);
    return dax::admin::ingest_images(std::move(cfg), inputs, store);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage(2);
    const std::string cmd = argv[1];
    if (cmd == "--help" || cmd == "-h") return usage(0);
    // A file that cannot be opened or mapped is a message and status 1, not an abort.
    auto guarded = [](auto command, int c, char** v) {
        try {
            return command(c, v);
        } catch (const std::exception& e) {
            std::cerr << "dax-admin: " << e.what() << " (nothing loaded)\n";
            return 1;
        }
    };
    if (cmd == "load") return guarded(load, argc, argv);
    if (cmd == "ingest-images") return guarded(ingest, argc, argv);
    if (cmd == "shard") return guarded(shard, argc, argv);
    if (cmd == "demo-csv") {
        const std::string what = argc > 2 ? argv[2] : "";
        if (what != "stars" && what != "obscore") return usage(2);
        // An optional row count (benchmarks): the same generator, more or fewer rows.
        const long n = argc > 3 ? std::strtol(argv[3], nullptr, 10) : (what == "stars" ? 100'000 : 1'000);
        if (n < 1 || n > 100'000'000) return usage(2);
        std::cout << (what == "stars" ? dax::tap::demo_stars_csv(static_cast<int>(n)) : dax::tap::demo_obscore_csv(static_cast<int>(n)));
        return 0;
    }
    if (cmd != "reap") {
        std::cerr << "dax-admin: unknown command '" << cmd << "'\n";
        return usage(2);
    }
    std::string jobs, results;
    long history_days = 365;
    std::vector<std::string> task_names;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--jobs") jobs = argv[i + 1];
        else if (a == "--task") task_names.push_back(argv[i + 1]);
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
        // One service's jobs (the site's store holds every service's; their results are in
        // different directories): the reaper is scoped to the tasks given.
        if (task_names.empty()) task_names = {"tap-query"};
        dax::uws::task_registry scope;
        for (const auto& t : task_names) scope.add(t, {[](dax::uws::task_context&) {}, false});
        dax::uws::engine_config cfg;
        cfg.history_retention = std::chrono::hours(24 * history_days);
        dax::uws::engine e(*store, *rs, scope, cfg);  // not started: no workers
        std::size_t total = 0, n;
        while ((n = e.reap()) > 0) total += n;
        std::cout << total << " jobs destroyed or forgotten\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "dax-admin: " << e.what() << '\n';
        return 1;
    }
}
