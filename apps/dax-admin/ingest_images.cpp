// dax-admin ingest-images: FITS files -> ivoa.ObsCore rows (issue 10, README "Images").
// Rows are merged by obs_publisher_did into the table's current content and the table is
// replaced in one load (a failed load leaves it as it was); the image store records each
// dataset's file for the services that serve pixels.
#include "ingest_images.hpp"

#include "../common/catalog_setup.hpp"

#include <dax/image/store.hpp>
#include <dax/votable/csv_reader.hpp>
#include <dax/votable/writer.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace dax::admin {

namespace {

bool is_fits_name(const fs::path& p) {
    std::string n = p.filename().string();
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (std::string_view ext : {".fits", ".fit", ".fts", ".fits.fz", ".fz"})
        if (n.size() > ext.size() && n.compare(n.size() - ext.size(), ext.size(), ext) == 0) return true;
    return false;
}

// Files named on the command line, and the FITS files below named directories, in name order.
std::vector<std::string> input_files(const std::vector<std::string>& inputs, std::vector<std::pair<std::string, std::string>>& failed) {
    std::vector<std::string> files;
    for (const auto& in : inputs) {
        std::error_code ec;
        if (fs::is_directory(in, ec)) {
            std::vector<std::string> found;
            for (auto it = fs::recursive_directory_iterator(in, fs::directory_options::skip_permission_denied, ec);
                 it != fs::recursive_directory_iterator(); it.increment(ec))
                if (it->is_regular_file(ec) && is_fits_name(it->path())) found.push_back(it->path().string());
            std::sort(found.begin(), found.end());
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::is_regular_file(in, ec)) {
            files.push_back(in);
        } else {
            failed.emplace_back(in, "no such file or directory");
        }
    }
    return files;
}

// The rows of ivoa.ObsCore as text, keyed by obs_publisher_did, with the table's column names.
struct table_text {
    std::vector<votable::field> fields;  // every column, as text
    std::vector<std::vector<std::string>> rows;
};

// The whole table is read and loaded again: refused (nothing changed) when it holds more rows
// than one query may return, so that no row is ever dropped.
result<std::int64_t> obscore_rows(const tap::service& svc) {
    if (!svc.has_data("ivoa.ObsCore")) return std::int64_t{0};
    tap::query_request r;
    r.adql = "SELECT COUNT(*) AS n FROM ivoa.ObsCore";
    r.format = tap::find_output_format("csv");
    auto q = svc.prepare_query(r);
    if (!q) return q.err();
    string_sink out;
    svc.run(*q, out, {});
    const auto nl = out.out.find('\n');
    return std::stoll(out.out.substr(nl == std::string::npos ? 0 : nl + 1));
}

result<table_text> current_obscore(const tap::service& svc) {
    auto count = obscore_rows(svc);
    if (!count) return count.err();
    if (*count >= svc.lim().hard_maxrec)
        return error(fmt::format("the table has {} rows, more than limits.hard_maxrec ({}) lets one query read: raise it for "
                                 "the ingest", *count, svc.lim().hard_maxrec));
    tap::query_request r;
    r.adql = "SELECT * FROM ivoa.ObsCore";
    r.format = tap::find_output_format("csv");
    r.maxrec = svc.lim().hard_maxrec;
    auto q = svc.prepare_query(r);
    if (!q) return q.err();
    table_text t;
    for (auto f : q->fields) {
        f.type = votable::datatype::char_;
        f.arraysize = "*";
        f.xtype.clear();
        t.fields.push_back(f);
    }
    string_sink csv;
    if (svc.has_data("ivoa.ObsCore")) svc.run(*q, csv, {});
    if (csv.out.empty()) return t;
    auto reader = votable::open_csv_reader(csv.out, t.fields);
    if (!reader) return reader.err();
    while ((*reader)->next()) {
        std::vector<std::string> row;
        for (const auto& c : (*reader)->row()) row.emplace_back(c.null ? std::string() : std::string(c.s));
        t.rows.push_back(std::move(row));
    }
    if (static_cast<std::int64_t>(t.rows.size()) != *count)
        return error(fmt::format("read {} of the table's {} rows; nothing was changed", t.rows.size(), *count));
    return t;
}

// The merged table as CSV: the old rows whose DID was not ingested again, then the new ones.
std::string merged_csv(const table_text& t, const std::vector<image::dataset>& ds, const image::ingest_settings& s,
                       std::size_t& replaced) {
    std::map<std::string, std::size_t> column;
    for (std::size_t i = 0; i < t.fields.size(); ++i) column[t.fields[i].name] = i;
    const auto did_col = column.at("obs_publisher_did");
    std::set<std::string> dids;
    for (const auto& d : ds) dids.insert(d.did);
    string_sink out;
    auto w = votable::make_csv_writer(out);
    w->begin(t.fields);
    std::vector<votable::cell> cells(t.fields.size());
    auto write = [&](const std::vector<std::string>& row) {
        for (std::size_t i = 0; i < row.size(); ++i) cells[i] = row[i].empty() ? votable::cell::none() : votable::cell::text(row[i]);
        w->row(cells);
    };
    for (const auto& row : t.rows)
        if (dids.count(row[did_col])) ++replaced;
        else write(row);
    const auto& names = image::obscore_columns();
    for (const auto& d : ds) {
        std::vector<std::string> row(t.fields.size());
        const auto values = image::obscore_values(d, s);
        for (std::size_t i = 0; i < names.size(); ++i)
            if (auto c = column.find(names[i]); c != column.end()) row[c->second] = values[i];
        write(row);
    }
    w->finish();
    return out.out;
}

int ingest(tapserver::server_config cfg, const std::vector<std::string>& inputs, const std::string& store_path);

}  // namespace

int ingest_images(tapserver::server_config cfg, const std::vector<std::string>& inputs, const std::string& store_path) {
    try {
        return ingest(std::move(cfg), inputs, store_path);
    } catch (const std::exception& e) {
        std::cerr << "dax-admin: " << e.what() << "\n";
        return 2;
    }
}

namespace {
int ingest(tapserver::server_config cfg, const std::vector<std::string>& inputs, const std::string& store_path) {
    image::image_store store(store_path);  // checked before anything changes
    http::add_demo_schemas(cfg);
    auto svc = tap::service::open(cfg.service);
    if (!svc) {
        std::cerr << "dax-admin: " << svc.err().what() << "\n";
        return 2;
    }
    if (cfg.demo && !http::ensure_demo(**svc, "dax-admin")) return 2;
    std::vector<std::pair<std::string, std::string>> failed;
    const auto files = input_files(inputs, failed);
    std::vector<image::dataset> ds;
    std::map<std::string, std::string> by_did;  // one file per DID in a batch
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < files.size(); ++i) {
        auto d = image::describe_fits(files[i], cfg.images);
        if (!d) failed.emplace_back(files[i], d.err().what());
        else if (auto [at, fresh] = by_did.emplace(d->did, files[i]); !fresh)
            failed.emplace_back(files[i], fmt::format("its DID {} is also that of {} (give the files distinct OBSIDs or names)", d->did, at->second));
        else ds.push_back(std::move(*d));
        if ((i + 1) % 100 == 0 || i + 1 == files.size()) {
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::cerr << "\rread " << i + 1 << " of " << files.size() << " files (" << static_cast<long>((i + 1) / std::max(s, 1e-3))
                      << " files/s)" << std::flush;
        }
    }
    if (!files.empty()) std::cerr << "\n";
    for (const auto& [file, why] : failed) std::cerr << "dax-admin: " << file << ": " << why << "\n";
    if (ds.empty()) {
        std::cerr << "dax-admin: no image ingested\n";
        return 1;
    }
    auto table = current_obscore(**svc);
    if (!table) {
        std::cerr << "dax-admin: ivoa.ObsCore: " << table.err().what() << "\n";
        return 2;
    }
    std::size_t replaced = 0;
    const std::string csv = merged_csv(*table, ds, cfg.images, replaced);
    auto n = (*svc)->load_csv("ivoa.ObsCore", csv);
    if (!n) {
        std::cerr << "dax-admin: ivoa.ObsCore: " << n.err().what() << " (the table is unchanged)\n";
        return 1;
    }
    for (const auto& d : ds) store.put(d);
    std::cout << "ingested " << ds.size() << " images (" << ds.size() - replaced << " new, " << replaced << " updated), "
              << failed.size() << " failed; ivoa.ObsCore has " << *n << " rows; files recorded in " << store_path << "\n";
    return failed.empty() ? 0 : 1;
}
}  // namespace

}  // namespace dax::admin
