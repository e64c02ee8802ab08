// dax-admin ingest-images: FITS files -> ivoa.ObsCore rows (issue 10, README "Images").
// Rows are merged by obs_publisher_did (common/obscore_ingest); the image store records each
// dataset's file for the services that serve pixels.
#include "ingest_images.hpp"

#include "../common/catalog_setup.hpp"
#include "../common/obscore_ingest.hpp"

#include <dax/image/store.hpp>

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
    if (cfg.demo && !http::ensure_demo(cfg, **svc, "dax-admin")) return 2;
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
    auto m = http::merge_into_obscore(**svc, ds, cfg.images);
    if (!m) {
        std::cerr << "dax-admin: ivoa.ObsCore: " << m.err().what() << " (the table is unchanged)\n";
        return 2;
    }
    for (const auto& d : ds) store.put(d);
    std::cout << "ingested " << ds.size() << " images (" << m->added << " new, " << m->updated << " updated), "
              << failed.size() << " failed; ivoa.ObsCore has " << m->rows << " rows; files recorded in " << store_path << "\n";
    return failed.empty() ? 0 : 1;
}
}  // namespace

}  // namespace dax::admin
