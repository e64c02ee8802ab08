#pragma once
/// The UWS job engine: one job model for TAP queries, cutouts and any pipeline task. Tasks are
/// registered by name; a bounded pool of workers takes queued jobs in FIFO order; ABORT and the
/// execution duration really stop running work; results and history expire on schedule.
/// No HTTP and no SQL here: the store and the result store are interfaces.
#include <dax/uws/job.hpp>
#include <dax/uws/results.hpp>
#include <dax/uws/store.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace dax::uws {

namespace detail {
struct running_job;
}

/// What a running task sees.
class task_context {
public:
    virtual ~task_context() = default;
    virtual const job& current() const = 0;
    /// True once the job was aborted or ran out of time: stop soon.
    virtual bool cancelled() const = 0;
    /// Runs `hook` (from another thread) when the job is cancelled, e.g. sqlite3_interrupt or a
    /// PostgreSQL cancel request; runs it at once if already cancelled.
    virtual void on_cancel(std::function<void()> hook) = 0;
    /// A result file for this job (committed ones are listed when the job completes).
    virtual std::unique_ptr<result_output> create_result(std::string_view result_id) = 0;
    /// Lists a committed result of this job.
    virtual void add_result(result_ref r) = 0;
    /// Progress shown in jobInfo (e.g. rows written so far).
    virtual void progress(std::string_view key, std::string_view value) = 0;
    /// An input file given when the job was created (engine::create `inputs`), or nullopt.
    virtual std::optional<std::string> input(std::string_view name) const = 0;
};

/// A task: returns normally to complete the job; throws to fail it (the message becomes the
/// error summary).
using task_function = std::function<void(task_context&)>;

struct task_definition {
    task_function run;
    bool restartable = false;  ///< after a crash, queue it again instead of failing it
};

class task_registry {
public:
    void add(std::string name, task_definition t);
    const task_definition* find(std::string_view name) const;
    /// Every task's name: an engine's scope in a job store it shares with other services.
    task_scope names() const;

private:
    std::map<std::string, task_definition, std::less<>> tasks_;
};

/// A RUNID is a client's label (UWS 1.1 section 2.2.3.4): at most this long.
constexpr std::size_t max_run_id_bytes = 1024;

struct engine_config {
    std::size_t workers = 4;                      ///< jobs executing at once in this instance
    /// False: an API front-end (scale-out) that creates, serves and reaps jobs but never
    /// executes one; instances with workers share its store.
    bool run_jobs = true;
    std::int64_t default_execution_duration = 3600;  ///< seconds
    std::int64_t max_execution_duration = 86400;
    std::chrono::seconds default_destruction{7 * 86400};
    std::chrono::seconds max_destruction{30 * 86400};
    std::chrono::seconds history_retention{365 * 86400};  ///< ARCHIVED jobs are kept this long
    std::chrono::milliseconds poll_interval{20};      ///< queue and cross-instance polling
    std::chrono::milliseconds heartbeat_interval{1000};
    /// The clock of job times (creation, execution deadlines, destruction, history, heartbeats);
    /// empty: now_ms(). Tests set one they can move forward instead of sleeping.
    std::function<time_point()> clock;
    std::chrono::milliseconds max_wait{60000};        ///< cap of a blocking WAIT
    /// Per-owner quotas (0: none). Beyond them create() refuses with error_kind::quota (and a
    /// retry_after).
    std::size_t max_active_jobs = 0;                  ///< PENDING, QUEUED, EXECUTING, HELD, SUSPENDED at once
    std::size_t max_jobs_per_minute = 0;              ///< jobs created in any 60 s (counted per instance)
    std::uint64_t max_result_bytes = 0;               ///< results kept for the owner's jobs, in bytes
    std::string instance;                             ///< engine instance id; random if empty
};

class engine {
public:
    engine(job_store& store, result_store& results, const task_registry& tasks, engine_config config = {});
    /// Where create() keeps input files (e.g. uploaded tables) instead of the job store; they
    /// live as long as the job's results. Without one, inputs are stored as parameters.
    void set_input_store(result_store& inputs) { inputs_ = &inputs; }
    ~engine();
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    /// Starts the workers and the supervisor (heartbeat, time limits, reaper, recovery).
    void start();
    /// Stops taking jobs, cancels the running ones and waits for them.
    void stop();
    /// A graceful stop (SIGTERM of a scaled-out worker): takes no more jobs and lets the running
    /// ones finish for up to `grace`; then stops the rest, restartable jobs back to QUEUED (for
    /// another instance to run from the start), the others to ERROR saying the service was
    /// shut down. Nothing is lost, and no job is left EXECUTING or run twice at once. Then stop().
    void drain(std::chrono::milliseconds grace);
    /// The first step of drain(), for the moment a stop is asked for (before the HTTP requests
    /// in progress have finished): no more claims, and blocking WAITs return.
    void begin_drain();

    /// Creates a PENDING job (QUEUED at once if `run`). Unknown tasks are refused.
    /// `inputs` (name, content), e.g. uploaded tables, go to the input store when there is one
    /// (names must be valid result ids), else they are added to the parameters.
    result<job> create(std::string_view owner, std::string_view task,
                        std::vector<std::pair<std::string, std::string>> parameters, std::string_view run_id, bool run,
                        std::vector<std::pair<std::string, std::string>> inputs = {});
    /// The input files of a job of `owner` (name, content), while its results are kept.
    std::vector<std::pair<std::string, std::string>> inputs(std::string_view owner, std::string_view id);
    /// A job of `owner`; other owners' jobs do not exist for them, nor do jobs of tasks this
    /// engine does not run (another service's, in a shared store).
    result<job> get(std::string_view owner, std::string_view id);
    /// An owner's jobs of this engine's tasks (`f.tasks` is ignored).
    std::vector<job> list(std::string_view owner, const job_filter& f);
    result<job> run(std::string_view owner, std::string_view id);
    result<job> abort(std::string_view owner, std::string_view id);
    result<job> set_execution_duration(std::string_view owner, std::string_view id, std::int64_t seconds);
    result<job> set_destruction(std::string_view owner, std::string_view id, time_point when);
    result<job> set_run_id(std::string_view owner, std::string_view id, std::string run_id);
    result<job> set_visibility(std::string_view owner, std::string_view id, std::string visibility);
    /// Adds parameters to a PENDING job (UWS 1.1 section 2.2.3.5).
    result<job> add_parameters(std::string_view owner, std::string_view id,
                                std::vector<std::pair<std::string, std::string>> parameters);
    /// Deletes a job and its results (aborting it first if it runs).
    result<bool> remove(std::string_view owner, std::string_view id);
    /// Blocks until the job leaves `phase` (if given, else its current phase) or `timeout`
    /// passes; returns at once unless the job is PENDING, QUEUED, EXECUTING, HELD or SUSPENDED.
    result<job> wait(std::string_view owner, std::string_view id, std::chrono::milliseconds timeout,
                      std::optional<phase> in_phase = std::nullopt);

    /// Destroys due jobs (results deleted, job ARCHIVED) and forgets expired history; returns
    /// how many jobs changed. The supervisor calls it; dax-admin can too.
    std::size_t reap();
    /// EXECUTING jobs of dead instances go to ERROR (or back to QUEUED if restartable).
    std::size_t recover();

    const engine_config& config() const { return config_; }

private:
    time_point now() const { return config_.clock ? config_.clock() : now_ms(); }
    /// The stored job `id` if one of this engine's tasks made it.
    std::optional<job> find(std::string_view id);
    void worker_loop();
    void supervisor_loop();
    void execute(job j);
    void notify();
    void cancel_local(const std::string& id, const std::string& reason);
    result<job> change(std::string_view owner, std::string_view id, const std::function<std::string(job&)>& edit);

    job_store& store_;
    result_store& results_;
    result_store* inputs_ = nullptr;
    void remove_files(const std::string& id);
    const task_registry& tasks_;
    engine_config config_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> draining_{false};  ///< no more claims; jobs stopped now are handed back
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::string, std::shared_ptr<detail::running_job>> running_;
    std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> created_;  ///< per owner, last minute
    std::optional<result<job>> over_quota(std::string_view owner);
    std::uint64_t generation_ = 0;
};

}  // namespace dax::uws
