#include "virtual_files.hpp"

#include "catalog_setup.hpp"

#include <dax/image/demo_images.hpp>
#include <dax/uws/results.hpp>
#include <dax/uws/store.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <filesystem>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace dax::http {

virtual_files::virtual_files(const tapserver::server_config& cfg, const image::image_store& store)
    : store_(store), budget_(cfg.virtual_budget), lock_path_(cfg.service.data_dir + "/virtual-jobs.lock") {
    // The demo's virtual images: the same deterministic generator as on first start.
    recipes_.add("demo-image", [](const image::stored_file& f) {
        const std::filesystem::path p(f.path);
        const std::string name = p.filename().string();
        auto w = image::write_demo_images(p.parent_path().string(), demo_image_sources(), std::span<const std::string>(&name, 1));
        if (!w) throw w.err();
    });
    jobs_ = open_job_store(cfg);  // the site's job store: every server of it sees the same jobs
    results_ = uws::open_directory_result_store(cfg.service.data_dir + "/virtual-results");
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

virtual_files::~virtual_files() { engine_->drain(std::chrono::seconds(5)); }  // made files are restartable

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
    if (auto it = job_of_.find(f.did); it != job_of_.end()) {
        auto j = engine_->get("", it->second);
        if (j && j->ph == uws::phase::error) {  // said once; the next request tries again
            job_of_.erase(it);
            return error(error_kind::internal, fmt::format("Error: the file of dataset {} could not be made{}", f.did,
                                                           j->error ? ": " + j->error->message : std::string()));
        }
    }
    // One job per dataset on the site: join a pending, queued or executing one (any server's,
    // RUNID = the DID); start one when there is none. The look and the start are one step for
    // every process of the data directory.
    const int fd = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return error(error_kind::internal, "cannot open " + lock_path_);
    struct closer {
        int fd;
        ~closer() { ::close(fd); }  // releases the lock too
    } c{fd};
    while (::flock(fd, LOCK_EX) != 0 && errno == EINTR) {
    }
    if (std::filesystem::exists(f.path, ec)) return std::nullopt;  // made meanwhile
    std::string id;
    uws::job_filter active;
    active.phases = {uws::phase::pending, uws::phase::queued, uws::phase::executing};
    for (const auto& j : engine_->list("", active))
        if (j.run_id == f.did) id = j.id;
    if (id.empty()) {
        auto j = engine_->create("", "make-virtual", {{"ID", f.did}}, f.did, true);
        if (!j) return j.err();
        id = job_of_[f.did] = j->id;
    }
    return error(error_kind::overloaded, fmt::format("the file of dataset {} is being made (a virtual product, job {}): "
                                                     "ask again in a few seconds", f.did, id))
        .with_retry_after(std::chrono::seconds(2));
}

}  // namespace dax::http
