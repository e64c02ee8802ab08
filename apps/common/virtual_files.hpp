#pragma once
// Virtual products in a server (issue 12 section 5, seed 000): asking for a virtual dataset whose
// file is not there starts (or joins) the one UWS job of the site that makes it, and answers 503
// with Retry-After; once the job has finished, the same request succeeds. Made files are kept
// under a size budget (least recently used go first). The servers of a data directory share the
// jobs (the site's job store, whichever engine claims a job runs it; the check for a running
// job and the creation of one hold DATA_DIR/virtual-jobs.lock), so soda-server and
// links-server asking for the same file start one job.
#include "tap_config.hpp"

#include <dax/error.hpp>
#include <dax/image/store.hpp>
#include <dax/image/virtual_products.hpp>
#include <dax/uws/engine.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace dax::http {

class virtual_files {
public:
    /// The demo's recipe ("demo-image": the deterministic generator) is registered here.
    virtual_files(const tapserver::server_config& cfg, const image::image_store& store);
    ~virtual_files();
    virtual_files(const virtual_files&) = delete;
    virtual_files& operator=(const virtual_files&) = delete;

    /// Nothing when `f` is a stored file, or a virtual one whose file is there (marked used);
    /// else the overloaded error (503, Retry-After) after starting or joining the job.
    std::optional<error> available(const image::stored_file& f);
    const image::recipe_book& recipes() const { return recipes_; }

private:
    const image::image_store& store_;
    image::recipe_book recipes_;
    std::uint64_t budget_;
    std::unique_ptr<uws::job_store> jobs_;
    std::unique_ptr<uws::result_store> results_;
    uws::task_registry tasks_;
    std::unique_ptr<uws::engine> engine_;
    std::string lock_path_;
    std::mutex m_;
    std::map<std::string, std::string> job_of_;  ///< DID -> the last job this server started for it
};

}  // namespace dax::http
