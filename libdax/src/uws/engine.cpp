#include <dax/uws/engine.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <fstream>

namespace dax::uws {

void task_registry::add(std::string name, task_definition t) { tasks_[std::move(name)] = std::move(t); }

const task_definition* task_registry::find(std::string_view name) const {
    auto it = tasks_.find(name);
    return it == tasks_.end() ? nullptr : &it->second;
}

task_scope task_registry::names() const {
    task_scope out;
    for (const auto& [name, t] : tasks_) out.push_back(name);
    return out;
}

namespace detail {

// A job executing in this instance: its cancellation state and what the task reported.
struct running_job {
    std::string id;
    std::atomic<bool> cancelled{false};
    std::atomic<bool> shutdown{false};  ///< cancelled by drain(): handed back, not failed
    std::mutex m;
    std::vector<std::function<void()>> hooks;
    std::optional<time_point> deadline;
    std::vector<result_ref> results;
    std::vector<std::pair<std::string, std::string>> info;
    std::chrono::steady_clock::time_point last_check{};

    void cancel() {
        if (cancelled.exchange(true)) return;
        std::lock_guard<std::mutex> g(m);
        for (auto& h : hooks) h();
    }
};

}  // namespace detail

namespace {

std::string file_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class running_context final : public task_context {
public:
    running_context(const job& j, std::shared_ptr<detail::running_job> r, result_store& results, job_store& store,
                    result_store* inputs)
        : job_(j), r_(std::move(r)), results_(results), store_(store), inputs_(inputs) {}
    std::optional<std::string> input(std::string_view name) const override {
        if (!inputs_ || !valid_id(name)) return std::nullopt;
        const std::string p = inputs_->path(job_.id, name);
        if (p.empty()) return std::nullopt;
        return file_text(p);
    }
    const job& current() const override { return job_; }
    bool cancelled() const override { return r_->cancelled; }
    void on_cancel(std::function<void()> hook) override {
        std::lock_guard<std::mutex> g(r_->m);
        if (r_->cancelled) hook();
        r_->hooks.push_back(std::move(hook));
    }
    std::unique_ptr<result_output> create_result(std::string_view result_id) override {
        return results_.create(job_.id, result_id);
    }
    void add_result(result_ref r) override {
        std::lock_guard<std::mutex> g(r_->m);
        r_->results.push_back(std::move(r));
    }
    void progress(std::string_view key, std::string_view value) override {
        std::vector<std::pair<std::string, std::string>> info;
        {
            std::lock_guard<std::mutex> g(r_->m);
            auto it = std::find_if(r_->info.begin(), r_->info.end(), [&](const auto& p) { return p.first == key; });
            if (it == r_->info.end()) r_->info.push_back({std::string(key), std::string(value)});
            else it->second = std::string(value);
            info = r_->info;
        }
        store_.set_info(job_.id, info);
    }

private:
    const job& job_;
    std::shared_ptr<detail::running_job> r_;
    result_store& results_;
    job_store& store_;
    result_store* inputs_;
};

}  // namespace

engine::engine(job_store& store, result_store& results, const task_registry& tasks, engine_config config)
    : store_(store), results_(results), tasks_(tasks), config_(std::move(config)) {
    if (config_.instance.empty()) config_.instance = "engine-" + new_job_id().substr(0, 12);
    if (config_.workers == 0) config_.workers = 1;
}

engine::~engine() { stop(); }

void engine::start() {
    if (!threads_.empty()) return;
    stopping_ = false;
    draining_ = false;
    store_.heartbeat(config_.instance, now());
    threads_.emplace_back([this] { supervisor_loop(); });
    if (config_.run_jobs)
        for (std::size_t i = 0; i < config_.workers; ++i) threads_.emplace_back([this] { worker_loop(); });
}

void engine::stop() {
    if (threads_.empty()) return;
    stopping_ = true;
    {
        std::lock_guard<std::mutex> g(mutex_);
        for (auto& [id, r] : running_) r->cancel();
    }
    changed_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
}

void engine::begin_drain() {
    draining_ = true;
    notify();
}

void engine::drain(std::chrono::milliseconds grace) {
    if (threads_.empty()) return;
    begin_drain();
    {
        std::unique_lock<std::mutex> lk(mutex_);
        changed_.wait_for(lk, grace, [&] { return running_.empty(); });
        for (auto& [id, r] : running_) {
            r->shutdown = true;
            r->cancel();
        }
        // The stopped jobs are handed back while the supervisor still sends heartbeats: until
        // then no other instance takes them for orphans and runs them a second time at once.
        changed_.wait_for(lk, std::chrono::seconds(30), [&] { return running_.empty(); });
    }
    stop();
}

void engine::notify() {
    {
        std::lock_guard<std::mutex> g(mutex_);
        ++generation_;
    }
    changed_.notify_all();
}

result<job> engine::create(std::string_view owner, std::string_view task,
                            std::vector<std::pair<std::string, std::string>> parameters, std::string_view run_id, bool run,
                            std::vector<std::pair<std::string, std::string>> inputs) {
    if (!tasks_.find(task)) return error(error_kind::usage, fmt::format("unknown task '{}'", task));
    if (run_id.size() > max_run_id_bytes) return error(error_kind::usage, fmt::format("RUNID is at most {} bytes", max_run_id_bytes));
    if (auto refused = over_quota(owner)) return *refused;
    job j;
    j.id = new_job_id();
    if (inputs_) {
        for (auto& [name, content] : inputs) {
            if (!valid_id(name)) {
                inputs_->remove_job(j.id);
                return error(error_kind::usage, fmt::format("input '{}': names are letters, digits, '_', '.' "
                                                                          "and '-'", name));
            }
            auto out = inputs_->create(j.id, name);
            out->write(content.data(), content.size());
            out->commit();
        }
    } else {
        for (auto& in : inputs) parameters.push_back(std::move(in));
    }
    j.owner = std::string(owner);
    j.task = std::string(task);
    j.run_id = std::string(run_id);
    j.creation = now();
    j.execution_duration = config_.default_execution_duration;
    j.destruction = j.creation + std::chrono::duration_cast<std::chrono::milliseconds>(config_.default_destruction);
    j.parameters = std::move(parameters);
    if (run) {
        j.ph = phase::queued;
        j.queued = j.creation;
    }
    store_.insert(j);
    notify();
    return j;
}

std::vector<std::pair<std::string, std::string>> engine::inputs(std::string_view owner, std::string_view id) {
    std::vector<std::pair<std::string, std::string>> out;
    auto j = find(id);
    if (!inputs_ || !j || j->owner != owner) return out;
    for (const auto& name : inputs_->list(id)) out.push_back({name, file_text(inputs_->path(id, name))});
    return out;
}

void engine::remove_files(const std::string& id) {
    results_.remove_job(id);
    if (inputs_) inputs_->remove_job(id);
}

std::optional<result<job>> engine::over_quota(std::string_view owner) {
    auto refuse = [](std::string m, std::chrono::seconds retry) {
        return result<job>(error(error_kind::quota, std::move(m)).with_retry_after(retry));
    };
    if (config_.max_jobs_per_minute) {
        std::lock_guard<std::mutex> g(mutex_);
        auto& times = created_[std::string(owner)];
        const auto now = std::chrono::steady_clock::now();
        while (!times.empty() && now - times.front() >= std::chrono::minutes(1)) times.pop_front();
        if (times.size() >= config_.max_jobs_per_minute) {
            const auto wait = std::chrono::duration_cast<std::chrono::seconds>(times.front() + std::chrono::minutes(1) - now);
            return refuse(fmt::format("you created {} jobs in the last minute, the most this service allows; retry later",
                                      times.size()), std::max(wait, std::chrono::seconds(1)));
        }
        times.push_back(now);
    }
    if (config_.max_active_jobs) {
        job_filter active;
        active.phases = {phase::pending, phase::queued, phase::executing, phase::held, phase::suspended};
        active.visibility = {"normal", "user-hidden", "system-hidden"};
        active.tasks = tasks_.names();  // this service's quota, in a store shared with others
        const auto n = store_.list(owner, active).size();
        if (n >= config_.max_active_jobs)
            return refuse(fmt::format("you have {} unfinished jobs, the most this service allows: wait for them, "
                                      "or abort or delete some", n), std::chrono::seconds(10));
    }
    if (config_.max_result_bytes) {
        job_filter kept;  // every phase but ARCHIVED (whose results are gone)
        kept.visibility = {"normal", "user-hidden", "system-hidden"};
        kept.tasks = tasks_.names();
        std::uint64_t bytes = 0;
        for (const auto& j : store_.list(owner, kept))
            for (const auto& r : j.results) bytes += r.size;
        if (bytes >= config_.max_result_bytes)
            return refuse(fmt::format("your jobs' results take {} bytes, the most this service keeps ({}): delete "
                                      "some jobs", bytes, config_.max_result_bytes), std::chrono::seconds(60));
    }
    return std::nullopt;
}

result<job> engine::get(std::string_view owner, std::string_view id) {
    auto j = find(id);
    if (!j || j->owner != owner) return error(error_kind::not_found, fmt::format("no job '{}'", id));
    return std::move(*j);
}

std::optional<job> engine::find(std::string_view id) {
    auto j = store_.get(id);
    if (j && !tasks_.find(j->task)) return std::nullopt;
    return j;
}

std::vector<job> engine::list(std::string_view owner, const job_filter& f) {
    job_filter scoped = f;
    scoped.tasks = tasks_.names();
    return store_.list(owner, scoped);
}

result<job> engine::change(std::string_view owner, std::string_view id, const std::function<std::string(job&)>& edit) {
    for (int attempt = 0; attempt < 50; ++attempt) {
        auto j = find(id);
        if (!j || j->owner != owner) return error(error_kind::not_found, fmt::format("no job '{}'", id));
        const std::string why = edit(*j);
        if (!why.empty()) {
            const bool bad = why.rfind("bad:", 0) == 0;
            return error(error_kind::usage, bad ? why.substr(4) : why);
        }
        if (store_.update(*j)) {
            notify();
            return std::move(*j);
        }
        // Someone else changed the job meanwhile: read it again and retry.
    }
    return error(error_kind::usage, "the job kept changing; try again");
}

namespace {
std::string not_allowed(const job& j, action a) {
    return fmt::format("job {} is {}: {} is not possible in this phase", j.id, phase_name(j.ph), action_name(a));
}
}  // namespace

result<job> engine::run(std::string_view owner, std::string_view id) {
    return change(owner, id, [this](job& j) -> std::string {
        auto next = transition(j.ph, action::run);
        if (!next) return not_allowed(j, action::run);
        j.ph = *next;
        j.queued = now();
        return "";
    });
}

result<job> engine::abort(std::string_view owner, std::string_view id) {
    bool was_running = false;
    auto r = change(owner, id, [&](job& j) -> std::string {
        auto next = transition(j.ph, action::abort);
        if (!next) return not_allowed(j, action::abort);
        was_running = j.ph == phase::executing || j.ph == phase::suspended;
        j.ph = *next;
        j.end = now();
        return "";
    });
    if (r && was_running) cancel_local(r->id, "aborted");
    return r;
}

result<job> engine::set_execution_duration(std::string_view owner, std::string_view id, std::int64_t seconds) {
    if (seconds < 0) return error(error_kind::usage, "EXECUTIONDURATION must be a non-negative number of seconds");
    return change(owner, id, [&](job& j) -> std::string {
        if (j.ph != phase::pending && j.ph != phase::held)
            return fmt::format("job {} is {}: the execution duration can only change before it runs", j.id, phase_name(j.ph));
        // 0 (unlimited) and longer values are capped at the service maximum (UWS lets the service decide).
        j.execution_duration = seconds == 0 || seconds > config_.max_execution_duration ? config_.max_execution_duration : seconds;
        return "";
    });
}

result<job> engine::set_destruction(std::string_view owner, std::string_view id, time_point when) {
    return change(owner, id, [&](job& j) -> std::string {
        if (j.ph == phase::archived) return fmt::format("job {} is ARCHIVED", j.id);
        const auto cap = j.creation + std::chrono::duration_cast<std::chrono::milliseconds>(config_.max_destruction);
        j.destruction = std::min(when, cap);
        return "";
    });
}

result<job> engine::set_run_id(std::string_view owner, std::string_view id, std::string run_id) {
    if (run_id.size() > max_run_id_bytes) return error(error_kind::usage, fmt::format("RUNID is at most {} bytes", max_run_id_bytes));
    return change(owner, id, [&](job& j) -> std::string {
        j.run_id = run_id;
        return "";
    });
}

result<job> engine::set_visibility(std::string_view owner, std::string_view id, std::string visibility) {
    if (visibility != "normal" && visibility != "user-hidden" && visibility != "system-hidden")
        return error(error_kind::usage, "visibility must be normal, user-hidden or system-hidden");
    return change(owner, id, [&](job& j) -> std::string {
        j.visibility = visibility;
        return "";
    });
}

result<job> engine::add_parameters(std::string_view owner, std::string_view id,
                                    std::vector<std::pair<std::string, std::string>> parameters) {
    return change(owner, id, [&](job& j) -> std::string {
        if (j.ph != phase::pending) return fmt::format("job {} is {}: parameters can only change while PENDING", j.id, phase_name(j.ph));
        for (auto& p : parameters) j.parameters.push_back(p);
        return "";
    });
}

result<bool> engine::remove(std::string_view owner, std::string_view id) {
    auto j = find(id);
    if (!j || j->owner != owner) return error(error_kind::not_found, fmt::format("no job '{}'", id));
    if (j->ph == phase::executing || j->ph == phase::suspended) abort(owner, id);
    cancel_local(std::string(id), "deleted");
    store_.remove(id);
    remove_files(std::string(id));
    notify();
    return true;
}

result<job> engine::wait(std::string_view owner, std::string_view id, std::chrono::milliseconds timeout,
                          std::optional<phase> in_phase) {
    timeout = std::min(timeout, config_.max_wait);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // The generation is read before the job, so a change made in between is not missed.
    auto generation = [&] {
        std::lock_guard<std::mutex> g(mutex_);
        return generation_;
    };
    auto gen = generation();
    auto j = get(owner, id);
    if (!j) return j;
    const phase start_phase = in_phase.value_or(j->ph);
    auto waitable = [](phase p) {
        return p == phase::pending || p == phase::queued || p == phase::executing || p == phase::held || p == phase::suspended;
    };
    while (waitable(j->ph) && j->ph == start_phase && !draining_ && std::chrono::steady_clock::now() < deadline) {
        {
            std::unique_lock<std::mutex> lk(mutex_);
            // Changes made by other instances are only seen by polling the store.
            changed_.wait_until(lk, std::min(deadline, std::chrono::steady_clock::now() + config_.poll_interval * 5),
                                [&] { return generation_ != gen || stopping_ || draining_; });
            gen = generation_;
        }
        j = get(owner, id);
        if (!j) return j;
    }
    return j;
}

void engine::cancel_local(const std::string& id, const std::string&) {
    std::shared_ptr<detail::running_job> r;
    {
        std::lock_guard<std::mutex> g(mutex_);
        auto it = running_.find(id);
        if (it == running_.end()) return;
        r = it->second;
    }
    r->cancel();
}

void engine::worker_loop() {
    while (!stopping_ && !draining_) {
        std::uint64_t gen;
        {
            std::lock_guard<std::mutex> g(mutex_);
            gen = generation_;
        }
        std::optional<job> j;
        try {
            j = store_.claim(config_.instance, now(), tasks_.names());
        } catch (const std::exception&) {
            j.reset();  // a busy or unreachable store: try again shortly
        }
        if (!j) {
            std::unique_lock<std::mutex> lk(mutex_);
            changed_.wait_for(lk, config_.poll_interval, [&] { return generation_ != gen || stopping_; });
            continue;
        }
        execute(std::move(*j));
    }
}

void engine::execute(job j) {
    const task_definition* t = tasks_.find(j.task);
    auto r = std::make_shared<detail::running_job>();
    r->id = j.id;
    // The restart count of recover() survives the task's own progress (the poison-job rule).
    for (const auto& kv : j.info)
        if (kv.first == "restarts") r->info.push_back(kv);
    if (j.execution_duration > 0) r->deadline = now() + std::chrono::seconds(j.execution_duration);
    {
        std::lock_guard<std::mutex> g(mutex_);
        running_[j.id] = r;
        if (draining_) {  // claimed while a drain began: handed back at once, not run
            r->shutdown = true;
            r->cancelled = true;
        }
    }
    std::optional<error_summary> failure;
    if (!t) {
        failure = error_summary{true, fmt::format("unknown task '{}'", j.task), ""};
    } else {
        running_context ctx(j, r, results_, store_, inputs_);
        try {
            if (!r->cancelled) t->run(ctx);
        } catch (const std::exception& e) {
            failure = error_summary{true, e.what(), ""};
        } catch (...) {
            failure = error_summary{true, "the task failed", ""};
        }
    }
    // A task that returned on its own, not cancelled, has finished: a drain beginning just now
    // does not take its result away.
    const bool handed_back = r->shutdown && (r->cancelled || failure);
    {
        std::lock_guard<std::mutex> g(mutex_);
        running_.erase(j.id);
    }
    // Record the outcome unless the job was aborted, timed out or deleted meanwhile.
    for (int attempt = 0; attempt < 50; ++attempt) {
        auto cur = store_.get(j.id);
        if (!cur) {
            results_.remove_job(j.id);
            break;
        }
        if (cur->ph == phase::executing && cur->worker != config_.instance) break;  // another run's now: its files
        if (cur->ph != phase::executing) {
            results_.remove_job(j.id);  // an aborted job shows no results
            break;
        }
        if (handed_back && t && t->restartable) {  // drained: another instance runs it again
            results_.remove_job(j.id);  // before it is queued: the next run writes afresh
            cur->ph = *transition(cur->ph, action::requeue);
            cur->worker.clear();
            cur->start.reset();
            std::erase_if(cur->info, [](const auto& kv) { return kv.first != "restarts"; });  // the poison-job count stays
            cur->results.clear();
            if (store_.update(*cur)) break;
            continue;
        }
        {
            std::lock_guard<std::mutex> g(r->m);
            cur->info = r->info;
            if (handed_back)  // whatever the interrupted task said
                failure = error_summary{true, "the service was shut down while the job ran; run it again (a new job)", ""};
            if (!failure && r->cancelled) failure = error_summary{true, "the job was cancelled", ""};
            if (!failure) cur->results = r->results;
        }
        cur->end = now();
        if (failure) {
            cur->ph = *transition(cur->ph, action::fail);
            cur->error = failure;
            cur->results.clear();
        } else {
            cur->ph = *transition(cur->ph, action::complete);
        }
        if (store_.update(*cur)) {
            if (failure) results_.remove_job(j.id);
            break;
        }
    }
    notify();
}

void engine::supervisor_loop() {
    auto last_heartbeat = std::chrono::steady_clock::now();
    auto last_reap = last_heartbeat - std::chrono::hours(1);
    recover();
    while (!stopping_) {
        {
            std::unique_lock<std::mutex> lk(mutex_);
            changed_.wait_for(lk, config_.poll_interval * 5, [&] { return stopping_.load(); });
        }
        if (stopping_) break;
        const auto tick = std::chrono::steady_clock::now();
        try {
            if (tick - last_heartbeat >= config_.heartbeat_interval) {
                store_.heartbeat(config_.instance, now());
                last_heartbeat = tick;
                recover();
            }
            // Time limits, and aborts made through other instances sharing the store.
            std::vector<std::shared_ptr<detail::running_job>> local;
            {
                std::lock_guard<std::mutex> g(mutex_);
                for (auto& [id, r] : running_) local.push_back(r);
            }
            for (auto& r : local) {
                if (r->cancelled) continue;
                if (r->deadline && now() >= *r->deadline) {
                    auto j = store_.get(r->id);
                    if (j && j->ph == phase::executing) {
                        j->ph = phase::error;
                        j->end = now();
                        j->error = error_summary{true, fmt::format("the execution duration of {} s was exceeded", j->execution_duration), ""};
                        if (store_.update(*j)) notify();
                    }
                    r->cancel();
                    continue;
                }
                auto j = store_.get(r->id);
                if (!j || j->ph != phase::executing) r->cancel();
            }
            if (tick - last_reap >= std::chrono::seconds(1)) {
                reap();
                last_reap = tick;
            }
        } catch (const std::exception&) {
            // The store is unreachable for now; the next round tries again.
        }
    }
}

std::size_t engine::reap() {
    std::size_t changed = 0;
    const time_point at = now();
    for (auto& j : store_.due_for_destruction(at, 200, tasks_.names())) {
        if (j.ph == phase::executing || j.ph == phase::suspended) {
            j.ph = phase::aborted;
            j.end = at;
            if (store_.update(j)) {
                cancel_local(j.id, "destroyed");
                ++changed;
            }
            continue;  // archived in a later round, once it has stopped
        }
        remove_files(j.id);
        j.results.clear();
        j.ph = phase::archived;
        if (store_.update(j)) ++changed;
    }
    const auto keep = std::chrono::duration_cast<std::chrono::milliseconds>(config_.history_retention);
    for (const auto& id : store_.expired_history(at - keep, 200, tasks_.names())) {
        if (store_.remove(id)) ++changed;
        remove_files(id);
    }
    if (changed) notify();
    return changed;
}

std::size_t engine::recover() {
    std::size_t changed = 0;
    const auto stale = now() - std::chrono::duration_cast<std::chrono::milliseconds>(config_.heartbeat_interval * 5);
    for (auto& j : store_.orphaned(stale, tasks_.names())) {
        {
            std::lock_guard<std::mutex> g(mutex_);
            if (running_.count(j.id)) continue;  // ours, alive
        }
        const task_definition* t = tasks_.find(j.task);
        const std::string dead = j.worker;
        // A job that was executing when its instance died twice is likely what killed it (a
        // poison job): it is failed rather than given to a third instance.
        auto restarts = std::find_if(j.info.begin(), j.info.end(), [](const auto& kv) { return kv.first == "restarts"; });
        const bool restarted_before = restarts != j.info.end();
        if (t && t->restartable && !restarted_before) {
            j.info.push_back({"restarts", "1"});
            j.ph = phase::queued;
            j.queued = now();
            j.start.reset();
            j.worker.clear();
        } else {
            j.ph = phase::error;
            j.end = now();
            j.error = restarted_before
                          ? error_summary{true, fmt::format("the service instance running this job ({}) stopped before it finished, "
                                                            "for the second time; the job is not run again", dead.empty() ? "unknown" : dead), ""}
                          : error_summary{true, fmt::format("the service instance running this job ({}) stopped before it finished; "
                                                            "no result was kept: run the job again", dead.empty() ? "unknown" : dead), ""};
        }
        results_.remove_job(j.id);  // no partial result survives
        j.results.clear();
        if (store_.update(j)) ++changed;
    }
    if (changed) notify();
    return changed;
}

}  // namespace dax::uws
