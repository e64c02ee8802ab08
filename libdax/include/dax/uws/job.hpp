#pragma once
/// UWS 1.1 jobs: phases, the pure transition function, and the job record.
#include <dax/error.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dax::uws {

/// UWS 1.1 section 2.1.3.
enum class phase { pending, queued, executing, completed, error, aborted, unknown, held, suspended, archived };

/// What can happen to a job. run/abort come from users; the others from the engine.
enum class action {
    run,       ///< PENDING or HELD -> QUEUED
    start,     ///< QUEUED -> EXECUTING (a worker took it)
    complete,  ///< EXECUTING -> COMPLETED
    fail,      ///< QUEUED or EXECUTING -> ERROR
    abort,     ///< PENDING, QUEUED, EXECUTING, HELD, SUSPENDED -> ABORTED
    hold,      ///< PENDING or QUEUED -> HELD
    suspend,   ///< EXECUTING -> SUSPENDED
    resume,    ///< SUSPENDED -> EXECUTING
    requeue,   ///< EXECUTING -> QUEUED (a restartable job whose worker died)
    archive,   ///< any phase but EXECUTING/SUSPENDED/ARCHIVED -> ARCHIVED (results destroyed)
};

/// The phase after `a`, or nullopt if `a` is not allowed in phase `p`. Pure.
std::optional<phase> transition(phase p, action a);

std::string_view phase_name(phase p);                      ///< "PENDING", ...
std::optional<phase> phase_from_name(std::string_view s);  ///< case-insensitive
std::string_view action_name(action a);
bool is_active(phase p);    ///< QUEUED, EXECUTING, SUSPENDED (WAIT blocks only in these and PENDING/HELD)
bool is_terminal(phase p);  ///< COMPLETED, ERROR, ABORTED, ARCHIVED

using clock = std::chrono::system_clock;
using time_point = std::chrono::time_point<clock, std::chrono::milliseconds>;
time_point now_ms();
/// ISO 8601 UTC with milliseconds, e.g. 2026-11-21T07:15:00.123Z (UWS 1.1 uses xs:dateTime).
std::string iso8601(time_point t);
std::optional<time_point> parse_iso8601(std::string_view s);

struct result_ref {
    std::string id;
    std::string href;       ///< relative to the job ("results/<id>") unless absolute
    std::string mime_type;
    std::uint64_t size = 0;
};

struct error_summary {
    bool fatal = true;      ///< type="fatal" or "transient"
    std::string message;
    std::string detail;     ///< longer text served at /error
};

/// One job. `version` increases with every stored change (compare-and-set).
struct job {
    std::string id;
    std::string run_id;
    std::string owner;      ///< empty: anonymous
    std::string task;
    phase ph = phase::pending;
    std::int64_t version = 0;
    time_point creation{};
    std::optional<time_point> start, end, quote;
    std::optional<time_point> queued;      ///< when RUN was accepted (FIFO order)
    std::int64_t execution_duration = 0;   ///< seconds; 0 means unlimited
    time_point destruction{};
    std::vector<std::pair<std::string, std::string>> parameters;  ///< multi-valued, in order
    std::vector<result_ref> results;
    std::optional<error_summary> error;
    std::vector<std::pair<std::string, std::string>> info;        ///< jobInfo (progress, ...)
    std::string worker;                    ///< engine instance running it
    std::string visibility = "normal";     ///< history flag: normal, user-hidden, system-hidden

    /// First value of a parameter, names compared case-insensitively (UWS 1.1 section 2.2.3).
    std::optional<std::string> parameter(std::string_view name) const;
};

/// A new unguessable job identifier (128 random bits, base32).
std::string new_job_id();

}  // namespace dax::uws
