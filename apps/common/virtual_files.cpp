#include "virtual_files.hpp"

#include "catalog_setup.hpp"

#include <dax/image/demo_images.hpp>
#include <dax/uws/results.hpp>
#include <dax/uws/store.hpp>

#include <fmt/format.h>

#include <filesystem>

namespace dax::http {

virtual_files::virtual_files(const tapserver::server_config& cfg, const image::image_store& store, const std::string& program)
    : store_(store), budget_(cfg.virtual_budget) {
    // The demo's virtual images: the same deterministic generator as on first start.
    recipes_.add("demo-image", [](const image::stored_file& f) {
        const std::filesystem::path p(f.path);
        const std::string name = p.filename().string();
        auto w = image::write_demo_images(p.parent_path().string(), demo_image_sources(), std::span<const std::string>(&name, 1));
        if (!w) throw w.err();
    });
    jobs_ = uws::open_sqlite_job_store(cfg.service.data_dir + "/" + program + "-virtual-jobs.db");
    results_ = uws::open_directory_result_store(cfg.service.data_dir + "/" + program + "-virtual-results");
    uws::task_definition t;
    t.restartable = true;  // making a file again is harmless
    t.run = [this](uws::task_context& ctx) {
        const auto did = ctx.current().parameter("ID");
        const auto f = did ? store_.find(*did) : std::nullopt;
        if (!f) throw error(error_kind::not_found, "no such dataset");
        image::make_file(*f, recipes_);
        image::enforce_budget(store_.all(), budget_, f->path);
        ctx.progress("made", f->did);
    };
    tasks_.add("make-virtual", std::move(t));
    auto ec = engine_settings(cfg);
    ec.workers = 2;
    engine_ = std::make_unique<uws::engine>(*jobs_, *results_, tasks_, ec);
    engine_->start();
}

virtual_files::~virtual_files() { engine_->stop(); }

std::optional<error> virtual_files::available(const image::stored_file& f) {
    if (f.recipe.empty()) return std::nullopt;
    std::error_code ec;
    if (std::filesystem::exists(f.path, ec)) {
        image::touch(f.path);
        return std::nullopt;
    }
    if (!recipes_.find(f.recipe))
        return error(error_kind::internal, fmt::format("Error: dataset {} is virtual, but this server has no recipe '{}'", f.did, f.recipe));
    std::lock_guard lock(m_);
    // One job per dataset: join the running one; start one when there is none or it has ended.
    bool running = false;
    if (auto it = job_of_.find(f.did); it != job_of_.end()) {
        auto j = engine_->get("", it->second);
        running = j && (j->ph == uws::phase::queued || j->ph == uws::phase::executing || j->ph == uws::phase::pending);
        if (j && j->ph == uws::phase::error) {  // said once; the next request tries again
            job_of_.erase(it);
            return error(error_kind::internal, fmt::format("Error: the file of dataset {} could not be made{}", f.did,
                                                           j->error ? ": " + j->error->message : std::string()));
        }
    }
    if (!running) {
        auto j = engine_->create("", "make-virtual", {{"ID", f.did}}, f.did, true);
        if (!j) return j.err();
        job_of_[f.did] = j->id;
    }
    return error(error_kind::overloaded, fmt::format("the file of dataset {} is being made (a virtual product, job {}): "
                                                     "ask again in a few seconds", f.did, job_of_[f.did]))
        .with_retry_after(std::chrono::seconds(2));
}

}  // namespace dax::http
