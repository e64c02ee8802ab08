#pragma once
/// Where jobs live: an interface the engine uses, with SQLite (embedded default, WAL) and
/// PostgreSQL (several engine instances on several hosts share one queue) implementations.
#include <dax/uws/job.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace dax::uws {

/// The tasks a call is limited to: an engine's own, so that the services sharing one store (a
/// site's TAP queries, cutouts, photometry) each see and run only their jobs. Empty: every task.
/// Names are letters, digits, '-' and '_'.
using task_scope = std::vector<std::string>;

/// The UWS job-list filters (UWS 1.1 section 2.2.2.1) plus the history visibility flag.
struct job_filter {
    std::vector<phase> phases;              ///< any of these (empty: all but ARCHIVED)
    std::optional<time_point> after;        ///< created after
    std::optional<std::size_t> last;        ///< the most recent N
    bool include_archived = false;
    std::vector<std::string> visibility;    ///< empty: "normal" only
    task_scope tasks;                       ///< empty: jobs of every task
};

class job_store {
public:
    virtual ~job_store() = default;
    virtual void insert(const job& j) = 0;
    virtual std::optional<job> get(std::string_view id) = 0;
    /// An owner's jobs matching the filter, oldest first.
    virtual std::vector<job> list(std::string_view owner, const job_filter& f) = 0;
    /// Compare-and-set: stores `j` if the stored version is still `j.version`, and then
    /// increments `j.version`. False if the job changed (or vanished) meanwhile.
    virtual bool update(job& j) = 0;
    /// Takes the oldest QUEUED job (FIFO by RUN time) for `worker`: QUEUED -> EXECUTING.
    /// Concurrent claimers never get the same job.
    virtual std::optional<job> claim(std::string_view worker, time_point now, const task_scope& tasks = {}) = 0;
    /// Progress of a running job (jobInfo); no version change.
    virtual void set_info(std::string_view id, const std::vector<std::pair<std::string, std::string>>& info) = 0;
    virtual bool remove(std::string_view id) = 0;
    /// Jobs whose destruction time has passed and are not yet ARCHIVED.
    virtual std::vector<job> due_for_destruction(time_point now, std::size_t limit, const task_scope& tasks = {}) = 0;
    /// ARCHIVED jobs destroyed before `cutoff`: their history has expired.
    virtual std::vector<std::string> expired_history(time_point cutoff, std::size_t limit, const task_scope& tasks = {}) = 0;
    /// How many jobs of each task are in each phase (ARCHIVED left out): metrics and health.
    /// Throws when the store cannot be read.
    virtual std::vector<std::tuple<std::string, std::string, std::size_t>> count_by_phase() = 0;
    /// Marks an engine instance alive.
    virtual void heartbeat(std::string_view worker, time_point now) = 0;
    /// EXECUTING jobs whose engine instance has not been alive since `stale_before`.
    virtual std::vector<job> orphaned(time_point stale_before, const task_scope& tasks = {}) = 0;
};

/// SQLite file (created if missing) in WAL mode; several processes may share it.
std::unique_ptr<job_store> open_sqlite_job_store(const std::string& path);
/// PostgreSQL conninfo ("host=... dbname=..."); `connections` pooled connections.
std::unique_ptr<job_store> open_postgres_job_store(const std::string& conninfo, std::size_t connections = 4);

}  // namespace dax::uws
